/* On a phone the header's links fold behind one "menu" button, so a page starts with its
   content rather than four rows of links. The button shows only where the screen is narrow
   (the 40rem breakpoint of base.html); without JavaScript every link stays in view. */
(function () {
  "use strict";
  var header = document.querySelector("header");
  var button = document.getElementById("menu-toggle");
  if (!header || !button) return;
  var narrow = window.matchMedia("(max-width: 40rem)");
  function fit() {
    button.hidden = !narrow.matches;
    header.classList.toggle("folded", narrow.matches && button.getAttribute("aria-expanded") !== "true");
  }
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", open ? "false" : "true");
    fit();
  });
  narrow.addEventListener("change", fit);
  fit();
})();
