// What every htmx swap of a panel does for the person waiting and for keyboard and screen
// reader users:
// - the area being replaced says at once that it is loading (aria-busy on the request's
//   target; app.css dims it and shows its "Loading…" note);
// - the clicked timeframe chip or tab looks chosen at once (and goes back if the request fails);
// - after the swap, focus moves to the new panel's heading ([data-panel-heading]; a filter
//   changed in place keeps it) and a polite live region reads that heading out (the new tab
//   and range, the new conversation).
(function () {
  var chosen = null; // {link, previous} of the chip or tab clicked, until its answer comes

  function liveRegion() {
    var region = document.getElementById("panel-announcer");
    if (!region) {
      region = document.createElement("div");
      region.id = "panel-announcer";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    return region;
  }

  function announce(text) {
    var region = liveRegion();
    // Emptied first, so the same words said twice are read twice.
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 50);
  }

  function markChosen(link) {
    if (link.matches(".presets .chip")) {
      var group = link.closest(".presets");
      var previous = group.querySelector(".chip.active");
      if (previous === link) return;
      if (previous) { previous.classList.remove("active"); previous.removeAttribute("aria-current"); }
      link.classList.add("active");
      link.setAttribute("aria-current", "true");
      chosen = { link: link, previous: previous, kind: "chip" };
    } else if (link.matches("[role=tab]")) {
      var tabs = link.closest("[role=tablist]");
      var current = tabs.querySelector("[role=tab][aria-selected=true]");
      if (current === link) return;
      if (current) current.setAttribute("aria-selected", "false");
      link.setAttribute("aria-selected", "true");
      chosen = { link: link, previous: current, kind: "tab" };
    }
  }

  function undoChosen() {
    if (!chosen || !chosen.link.isConnected) { chosen = null; return; }
    if (chosen.kind === "chip") {
      chosen.link.classList.remove("active");
      chosen.link.removeAttribute("aria-current");
      if (chosen.previous) { chosen.previous.classList.add("active"); chosen.previous.setAttribute("aria-current", "true"); }
    } else {
      chosen.link.setAttribute("aria-selected", "false");
      if (chosen.previous) chosen.previous.setAttribute("aria-selected", "true");
    }
    chosen = null;
  }

  function focusHeading(root) {
    var heading = root.matches && root.matches("[data-panel-heading]") ? root : root.querySelector("[data-panel-heading]");
    if (!heading) return false;
    heading.focus({ preventScroll: true });
    announce(heading.textContent.replace(/\s+/g, " ").trim());
    return true;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (target) target.setAttribute("aria-busy", "true");
    if (trigger && trigger.type === "click") markChosen(event.detail.elt);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target) target.removeAttribute("aria-busy");
    if (!event.detail.successful) undoChosen();
    else chosen = null;
  });

  // A panel swapped in by a person's action (not the chat loading itself with the page)
  // takes the focus; swaps of a part of a panel (a rating, an answer) keep theirs.
  // A swap that replaces the focused control itself (a thumb) gives the focus to its
  // replacement, found by its accessible name.
  // A filter changed in place (a select, a checkbox) keeps the focus on that control, found
  // by its name in the new panel, so the next filter is one Tab away; the heading is still
  // read out.
  var pendingFocus = false;
  var replacedName = null;
  var changedField = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    pendingFocus = !!trigger && trigger.type !== "load";
    var active = document.activeElement;
    var target = event.detail.target;
    var inside = active && target && target.contains(active);
    replacedName = inside ? active.getAttribute("aria-label") : null;
    changedField = inside && trigger && trigger.type === "change" && active.name ? active.name : null;
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (!pendingFocus) return;
    pendingFocus = false;
    var root = event.detail.elt && event.detail.elt.isConnected ? event.detail.elt : event.target;
    if (!root || !root.querySelector) return;
    var field = changedField && root.querySelector('[name="' + changedField + '"]');
    if (field) {
      field.focus();
      var heading = root.querySelector("[data-panel-heading]");
      if (heading) announce(heading.textContent.replace(/\s+/g, " ").trim());
      return;
    }
    if (focusHeading(root)) return;
    if (replacedName && (!document.activeElement || document.activeElement === document.body)) {
      var again = root.querySelector('[aria-label="' + replacedName.replace(/"/g, '\\"') + '"]');
      if (again) again.focus();
    }
  });

  // The back button restores a page from the server: its heading takes the focus too.
  document.addEventListener("htmx:historyRestore", function () {
    focusHeading(document.body);
  });

  document.addEventListener("DOMContentLoaded", liveRegion);
})();
