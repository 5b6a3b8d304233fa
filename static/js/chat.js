// The chat: Enter sends, the thread follows new messages, one answer is awaited at a time,
// and a refused request (too many ratings, a form error) is said in words, not ignored.
(function () {
  function thread() { return document.getElementById("chat-thread"); }
  function composer() { return document.getElementById("composer"); }

  function scrollToEnd() {
    var t = thread();
    if (t) t.scrollTop = t.scrollHeight;
  }

  // While an answer is being written, sending another question waits for it.
  function syncComposer() {
    var form = composer();
    var t = thread();
    if (!form || !t) return;
    var waiting = !!t.querySelector("[data-pending]");
    form.querySelector("button[type=submit]").disabled = waiting;
    form.classList.toggle("waiting", waiting);
  }

  function say(text) {
    var box = document.getElementById("chat-toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "chat-toast";
      box.className = "toast";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = text;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (input.id !== "composer-input" || event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (input.value.trim() && !composer().querySelector("button[type=submit]").disabled) {
      composer().requestSubmit();
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.id !== "composer") return;
    // A new question supersedes an earlier unanswered one: its answer covers both.
    var t = thread();
    if (t) t.querySelectorAll("[data-reply-error]").forEach(function (el) { el.remove(); });
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt.id === "composer" && event.detail.successful) {
      var input = document.getElementById("composer-input");
      if (input) { input.value = ""; input.focus(); }
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var type = xhr.getResponseHeader("Content-Type") || "";
    var text = type.indexOf("text/plain") === 0 && xhr.responseText
      ? xhr.responseText
      : "Something went wrong (" + xhr.status + "). Please try again.";
    say(text);
  });

  document.addEventListener("htmx:sendError", function () {
    say("The server could not be reached. Check your connection and try again.");
  });

  // On a narrow screen the list of conversations folds away, so the chat comes first.
  var narrow = window.matchMedia("(max-width: 760px)");
  function foldConversations(root) {
    root.querySelectorAll("[data-drawer]").forEach(function (drawer) {
      drawer.open = !narrow.matches;
    });
  }
  narrow.addEventListener("change", function () { foldConversations(document); });

  htmx.onLoad(function (element) {
    foldConversations(element);
    syncComposer();
    scrollToEnd();
  });
  document.addEventListener("htmx:afterSettle", syncComposer);
})();
