// mlquiz serve: the pages work without this file; it only adds a Print button to the print view.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button.print-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
