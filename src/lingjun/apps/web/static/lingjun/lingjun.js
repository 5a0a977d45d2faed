// Behaviour of the pages without inline script (the Content-Security-Policy allows scripts from
// the platform's own static files only): buttons marked data-print print the page.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) {
    event.preventDefault();
    window.print();
  }
});
