// The main menu on small screens: a disclosure button (aria-expanded) that shows and hides the
// navigation. Without this script the button stays hidden and the menu stays open.
(function () {
  "use strict";
  var toggle = document.querySelector("[data-nav-toggle]");
  if (!toggle) {
    return;
  }
  var menu = document.getElementById(toggle.getAttribute("aria-controls"));
  if (!menu) {
    return;
  }
  function setOpen(open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("site-nav--open", open);
  }
  menu.classList.add("site-nav--collapsible");
  toggle.hidden = false;
  setOpen(false);
  toggle.addEventListener("click", function () {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      toggle.focus();
    }
  });
})();
