/* callboard theme: Settings stores light, dark or auto in localStorage;
   this runs in <head>, before the page paints, and sets data-theme on
   <html> (app.css reads it; auto leaves it unset, so the system's
   prefers-color-scheme decides). */
(function () {
  "use strict";
  var key = "callboard.theme";
  function read() {
    try { return localStorage.getItem(key) || "auto"; } catch (e) { return "auto"; }
  }
  function apply(theme) {
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    } else {
      document.documentElement.removeAttribute("data-theme");
    }
  }
  apply(read());
  // Another tab changed it: follow.
  window.addEventListener("storage", function (ev) { if (ev.key === key) apply(read()); });
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-theme-switch]");
    if (!form) return;
    var current = read();
    form.querySelectorAll("input[name=theme]").forEach(function (input) {
      input.checked = input.value === current;
      input.addEventListener("change", function () {
        try {
          if (input.value === "auto") localStorage.removeItem(key); else localStorage.setItem(key, input.value);
        } catch (e) { /* storage off: the choice lasts for this page */ }
        apply(input.value);
      });
    });
  });
})();
