"""Published lists (公示、公告): notices as PDF and Excel, and the public page without login."""
