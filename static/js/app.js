// The "More options" menus: open on click, close on Escape or a click elsewhere.
(function () {
  function close(menu) {
    menu.querySelector("[data-menu-button]").setAttribute("aria-expanded", "false");
    menu.querySelector("[role=menu]").hidden = true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-menu-button]");
    document.querySelectorAll("[data-menu]").forEach(function (menu) {
      if (!button || !menu.contains(button)) close(menu);
    });
    if (!button) return;
    var menu = button.closest("[data-menu]");
    var items = menu.querySelector("[role=menu]");
    var opening = items.hidden;
    items.hidden = !opening;
    button.setAttribute("aria-expanded", String(opening));
    if (opening) items.querySelector("[role=menuitem]").focus();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("[data-menu]").forEach(close);
  });
})();
