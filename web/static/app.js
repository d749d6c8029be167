// callboard: progressive enhancement only. Every page works without this
// file; with it, search suggests as you type, catalog filters and entity
// tabs update without a full reload, "/" focuses the search box, and log
// viewers show, search and follow a log in the page, and docs code blocks
// get a copy button.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // ---- type-ahead on every form[data-typeahead] ----
  function typeahead(form) {
    var input = form.querySelector("input[type=search]");
    var list = form.querySelector(".typeahead");
    var status = form.querySelector("[data-status]");
    if (!input || !list || input.dataset.ready) return;
    input.dataset.ready = "1";
    var timer = 0, ctrl = null, active = -1, last = null;

    function options() { return Array.prototype.slice.call(list.querySelectorAll("[role=option]")); }
    function close() {
      list.hidden = true; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function select(i) {
      var opts = options();
      if (!opts.length) return;
      active = (i + opts.length) % opts.length;
      opts.forEach(function (o, j) { o.setAttribute("aria-selected", j === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }
    function fetchNow() {
      var q = input.value.trim();
      if (q === last) { if (q) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } return; }
      last = q;
      if (!q) { close(); list.innerHTML = ""; return; }
      if (ctrl) ctrl.abort();
      ctrl = new AbortController();
      fetch("/search?partial=1&query=" + encodeURIComponent(q), { signal: ctrl.signal, headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          if (input.value.trim() !== q) return;
          list.innerHTML = html;
          list.setAttribute("data-q", q);
          // Give options ids unique to this list.
          options().forEach(function (o, i) { o.id = list.id + "-" + i; });
          list.hidden = false; active = -1;
          input.setAttribute("aria-expanded", "true");
          if (status) {
            var n = list.querySelectorAll(".ta-item").length;
            status.textContent = n ? n + " suggestions, use the arrow keys" : "No matches";
          }
        })
        .catch(function () { /* aborted or offline: the form still submits */ });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchNow, 90); });
    input.addEventListener("focus", function () { if (input.value.trim() && list.innerHTML) fetchNow(); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (list.hidden && list.innerHTML && input.value.trim() === last) {
          list.hidden = false; input.setAttribute("aria-expanded", "true"); select(0);
        } else if (list.hidden) { fetchNow(); } else { select(active + 1); }
      }
      else if (e.key === "ArrowUp") { e.preventDefault(); select(active - 1); }
      else if (e.key === "Escape") { if (!list.hidden) { e.preventDefault(); close(); } }
      else if (e.key === "Enter" && active >= 0 && !list.hidden) {
        e.preventDefault();
        window.location.href = options()[active].getAttribute("href");
      }
    });
    // Enter on a highlighted suggestion opens it instead of the search page.
    form.addEventListener("submit", function (e) {
      if (active >= 0 && !list.hidden && options()[active]) {
        e.preventDefault();
        window.location.href = options()[active].getAttribute("href");
      }
    });
    form.addEventListener("focusout", function () {
      setTimeout(function () { if (!form.contains(document.activeElement)) close(); }, 150);
    });
  }

  // ---- soft navigation: swap <main> for catalog filters and entity tabs ----
  function swap(url, push, focusSel) {
    var main = document.getElementById("main");
    var panel = document.querySelector(".results, #tab-panel");
    if (panel) panel.classList.add("loading");
    return fetch(url, { headers: { Accept: "text/html" } })
      .then(function (r) {
        if (!r.ok || (r.headers.get("Content-Type") || "").indexOf("text/html") < 0) throw new Error("http");
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.getElementById("main");
        if (!next) throw new Error("no main");
        main.innerHTML = next.innerHTML;
        document.title = doc.title;
        if (push) history.pushState({ soft: true }, "", url);
        init(main);
        var f = focusSel && main.querySelector(focusSel);
        if (f) f.focus();
        try { sessionStorage.removeItem(focusKey); } catch (e) { /* no storage */ }
      })
      .catch(function () { window.location.href = url; });
  }

  function softLinks(root) {
    root.querySelectorAll(".catalog a[href^='/'], .tabs a[data-tab], .seg a").forEach(function (a) {
      if (a.dataset.soft) return;
      a.dataset.soft = "1";
      a.addEventListener("click", function (e) {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        var href = a.getAttribute("href");
        var inCatalog = a.closest(".catalog");
        // Entity links in the table are real page changes.
        if (inCatalog && !/^\/(catalog|apis)(\?|$)/.test(href)) return;
        e.preventDefault();
        swap(href, true, a.hasAttribute("data-tab") ? ".tabs a[aria-current]" : null);
      });
    });
    root.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      function go(control) {
        var params = new URLSearchParams(new FormData(form));
        // Drop empty values so one view keeps one URL.
        Array.from(params.keys()).forEach(function (k) { if (!params.get(k)) params.delete(k); });
        var qs = params.toString();
        // Keyboard focus stays on the control that changed: the new page's
        // same filter gets it back (after a soft swap, or a full load when
        // the swap falls back to one).
        var sel = controlSelector(control);
        try { if (sel) sessionStorage.setItem(focusKey, sel); } catch (e) { /* no storage */ }
        swap(form.getAttribute("action") + (qs ? "?" + qs : ""), true, sel || "#results-h");
      }
      form.addEventListener("change", function (e) { if (e.target.type === "checkbox") go(e.target); });
      form.addEventListener("submit", function (e) { e.preventDefault(); go(document.activeElement); });
    });
    var details = root.querySelector(".filters-toggle");
    if (details && window.matchMedia("(max-width: 900px)").matches && !details.dataset.ready) {
      details.dataset.ready = "1";
      details.open = false;
    }
  }

  // ---- log viewers: form[data-logview="<id of a hidden box with a pre>"] ----
  // Without scripts the form opens the plain-text log in a new tab. With
  // them it shows the log's lines in the box, its search input narrows
  // and highlights them as you type, and its follow checkbox reloads the
  // log every few seconds.
  function logview(form) {
    var box = document.getElementById(form.getAttribute("data-logview"));
    var pre = box && box.querySelector("pre");
    if (!pre || form.dataset.ready) return;
    form.dataset.ready = "1";
    var search = form.querySelector("input[name=search]");
    var follow = form.querySelector("input[name=follow]");
    var status = box.querySelector("[data-status]");
    var lines = [], timer = 0, seq = 0;

    function show() {
      var term = search ? search.value.trim().toLowerCase() : "";
      var atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
      var frag = document.createDocumentFragment(), n = 0;
      lines.forEach(function (line) {
        var low = line.toLowerCase();
        if (term && low.indexOf(term) < 0) return;
        n++;
        var el = document.createElement("span");
        el.className = "logline";
        var at = 0, i;
        while (term && (i = low.indexOf(term, at)) >= 0) {
          el.appendChild(document.createTextNode(line.slice(at, i)));
          var m = document.createElement("mark");
          m.textContent = line.slice(i, i + term.length);
          el.appendChild(m);
          at = i + term.length;
        }
        el.appendChild(document.createTextNode(line.slice(at) + "\n"));
        frag.appendChild(el);
      });
      pre.replaceChildren(frag);
      if (status) status.textContent = (term ? n + " of " : "") + lines.length + " lines" + (follow && follow.checked ? ", following" : "");
      if (atEnd || (follow && follow.checked)) pre.scrollTop = pre.scrollHeight;
    }
    function load() {
      var params = new URLSearchParams(new FormData(form));
      params.delete("search"); params.delete("follow"); // searched here; followed by polling
      var mine = ++seq;
      return fetch(form.getAttribute("action") + "?" + params.toString(), { headers: { Accept: "text/plain" } })
        .then(function (r) { return r.text().then(function (t) { if (!r.ok) throw new Error(t.slice(0, 300)); return t; }); })
        .then(function (t) {
          if (mine !== seq) return;
          lines = t.split("\n");
          if (lines.length && lines[lines.length - 1] === "") lines.pop();
          show();
        })
        .catch(function (e) { if (status) status.textContent = "Could not load the log: " + e.message; });
    }
    function schedule() {
      clearInterval(timer);
      if (follow && follow.checked) timer = setInterval(function () { if (document.contains(form)) load(); else clearInterval(timer); }, 3000);
    }
    form.addEventListener("submit", function (e) { e.preventDefault(); box.hidden = false; load(); schedule(); });
    if (search) search.addEventListener("input", show);
    if (follow) follow.addEventListener("change", function () { if (!box.hidden) { schedule(); show(); } });
  }

  // ---- a copy button on each code block of a docs page ----
  function codeCopy(block) {
    if (block.dataset.copy) return;
    var code = block.querySelector("code");
    if (!code || !navigator.clipboard) return;
    block.dataset.copy = "1";
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "docs-copy";
    btn.textContent = "Copy";
    btn.setAttribute("aria-label", "Copy code to clipboard");
    btn.addEventListener("click", function () {
      navigator.clipboard.writeText(code.textContent.replace(/\n$/, "")).then(function () {
        btn.textContent = "Copied";
      }, function () {
        btn.textContent = "Copy failed";
      });
      setTimeout(function () { btn.textContent = "Copy"; }, 2000);
    });
    block.insertBefore(btn, block.firstChild);
  }

  // ---- focus kept on a filter across its reload ----
  var focusKey = "callboard.focus";
  function controlSelector(el) {
    if (!el || !el.form || !el.form.id || !el.name) return "";
    var sel = "#" + CSS.escape(el.form.id) + " [name=\"" + CSS.escape(el.name) + "\"]";
    if (el.type === "checkbox" || el.type === "radio") sel += "[value=\"" + CSS.escape(el.value) + "\"]";
    return sel;
  }
  function restoreFocus(root) {
    var sel;
    try { sel = sessionStorage.getItem(focusKey); sessionStorage.removeItem(focusKey); } catch (e) { return; }
    var el = sel && root.querySelector(sel);
    if (el) el.focus();
  }

  // ---- column picker: details[data-colpick] over a table with data-col cells ----
  // The hidden columns are kept per browser (localStorage), per table.
  function colpick(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var table = box.closest(".results").querySelector("table");
    var menu = box.querySelector(".colpick-menu");
    if (!table || !menu) return;
    var key = "callboard.columns." + box.dataset.colpick;
    var hidden = [];
    try { hidden = JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { hidden = []; }
    function apply() {
      table.querySelectorAll("[data-col]").forEach(function (c) { c.hidden = hidden.indexOf(c.dataset.col) >= 0; });
    }
    table.querySelectorAll("thead th[data-col]").forEach(function (th) {
      var col = th.dataset.col;
      if (col === "name") return; // the name is the link: always shown
      var label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "checkbox";
      input.checked = hidden.indexOf(col) < 0;
      input.addEventListener("change", function () {
        hidden = hidden.filter(function (h) { return h !== col; });
        if (!input.checked) hidden.push(col);
        try { localStorage.setItem(key, JSON.stringify(hidden)); } catch (e) { /* kept for this page */ }
        apply();
      });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + th.textContent.replace(/[▲▼]/g, "").trim()));
      menu.appendChild(label);
    });
    apply();
  }

  function init(root) {
    root.querySelectorAll(".docs-article .highlight").forEach(codeCopy);
    root.querySelectorAll("form[data-typeahead]").forEach(typeahead);
    root.querySelectorAll("form[data-logview]").forEach(logview);
    root.querySelectorAll("details[data-colpick]").forEach(colpick);
    softLinks(root);
  }

  window.addEventListener("popstate", function () { swap(location.pathname + location.search, false); });
  document.addEventListener("keydown", function (e) {
    var t = e.target.tagName;
    if (e.key === "/" && t !== "INPUT" && t !== "TEXTAREA" && t !== "SELECT" && !e.target.isContentEditable) {
      var box = document.querySelector("#home-q, #s-q, #top-q");
      if (box) { e.preventDefault(); box.focus(); }
    }
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); restoreFocus(document); });
})();
