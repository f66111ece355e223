// A table wider than the screen scrolls inside its box; say so, since a
// phone shows no scroll bar until the reader happens to swipe.
(function () {
  "use strict";
  function update() {
    document.querySelectorAll("[data-table-scroll]").forEach(function (box) {
      var hint = box.parentNode.querySelector("[data-table-hint]");
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      box.classList.toggle("is-scrollable", scrolls);
      if (hint) { hint.hidden = !scrolls; }
    });
  }
  update();
  window.addEventListener("resize", update);
})();
