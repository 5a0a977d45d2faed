// Behaviour of the pages without inline script (the Content-Security-Policy allows scripts from
// the platform's own static files only): buttons marked data-print print the page.
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) {
    event.preventDefault();
    window.print();
  }
});

// A file input marked data-max-bytes refuses a larger file before the upload starts (the server
// refuses it as well, while it streams in); data-too-large holds the message.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input || !input.getAttribute || !input.getAttribute("data-max-bytes") || !input.files) {
    return;
  }
  var max = parseInt(input.getAttribute("data-max-bytes"), 10);
  var tooLarge = Array.prototype.some.call(input.files, function (file) { return file.size > max; });
  input.setCustomValidity(tooLarge ? input.getAttribute("data-too-large") : "");
  if (tooLarge) {
    input.reportValidity();
  }
});
