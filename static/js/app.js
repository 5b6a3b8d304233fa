// The "More options" menus, as the ARIA menu button pattern has them: click, Enter, Space or
// ArrowDown opens on the first item (ArrowUp on the last); ArrowUp/ArrowDown move through the
// items (wrapping), Home/End go to the first/last; Escape closes and returns focus to the
// button; Tab or a click elsewhere closes.
(function () {
  function parts(menu) {
    return {
      button: menu.querySelector("[data-menu-button]"),
      list: menu.querySelector("[role=menu]"),
      items: Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]")),
    };
  }

  function open(menu, which) {
    var p = parts(menu);
    p.list.hidden = false;
    p.button.setAttribute("aria-expanded", "true");
    var item = which === "last" ? p.items[p.items.length - 1] : p.items[0];
    if (item) item.focus();
  }

  function close(menu, refocus) {
    var p = parts(menu);
    if (p.list.hidden) return;
    p.list.hidden = true;
    p.button.setAttribute("aria-expanded", "false");
    if (refocus) p.button.focus();
  }

  function move(menu, current, step) {
    var items = parts(menu).items;
    var index = items.indexOf(current);
    var next;
    if (step === "first") next = 0;
    else if (step === "last") next = items.length - 1;
    else next = (index + step + items.length) % items.length;
    items[next].focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-menu-button]");
    document.querySelectorAll("[data-menu]").forEach(function (menu) {
      if (!button || !menu.contains(button)) close(menu, false);
    });
    if (!button) return;
    var menu = button.closest("[data-menu]");
    if (parts(menu).list.hidden) open(menu, "first");
    else close(menu, false);
  });

  document.addEventListener("keydown", function (event) {
    var menu = event.target.closest && event.target.closest("[data-menu]");
    if (!menu) {
      if (event.key === "Escape") document.querySelectorAll("[data-menu]").forEach(function (m) { close(m, false); });
      return;
    }
    var onButton = event.target.matches("[data-menu-button]");
    var onItem = event.target.matches("[role=menuitem]");
    if (onButton && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      open(menu, event.key === "ArrowUp" ? "last" : "first");
    } else if (onItem) {
      var steps = { ArrowDown: 1, ArrowUp: -1, Home: "first", End: "last" };
      if (event.key in steps) {
        event.preventDefault();
        move(menu, event.target, steps[event.key]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close(menu, true);
      } else if (event.key === "Tab") {
        close(menu, false);
      }
    } else if (event.key === "Escape") {
      close(menu, true);
    }
  });
})();
