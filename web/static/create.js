// callboard: the Create pages. The server draws the form from the
// template's JSON Schema; this file turns its pages into a wizard, checks
// fields as the schema says, runs the catalog pickers, builds the review,
// posts the task to /api/scaffolder/v2/tasks, and follows a task's event
// stream on its page.
(function () {
  "use strict";

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // ---------------------------------------------------------------- values

  // valueOf reads one field as the JSON value the API gets; undefined
  // means "not given". A field whose text does not parse throws.
  function valueOf(ff) {
    var w = ff.dataset.widget, input;
    switch (w) {
      case "boolean":
        return $("input", ff).checked;
      case "number": case "integer":
        input = $("input", ff);
        if (input.value === "") return undefined;
        return Number(input.value);
      case "select":
        input = $("select", ff);
        return input.value === "" ? undefined : JSON.parse(input.value);
      case "radio":
        input = $("input:checked", ff);
        return input ? JSON.parse(input.value) : undefined;
      case "checkboxes":
        var vals = $$("input:checked", ff).map(function (c) { return JSON.parse(c.value); });
        return vals.length ? vals : undefined;
      case "tags":
        var items = $("input", ff).value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
        return items.length ? items : undefined;
      case "json":
        var text = $("textarea", ff).value.trim();
        if (!text) return undefined;
        try { return JSON.parse(text); } catch (e) { throw new Error("is not valid JSON: " + e.message); }
      case "repourl":
        return repoValue(ff);
      case "textarea":
        input = $("textarea", ff);
        return input.value === "" ? undefined : input.value;
      default:
        input = $("input", ff);
        return input.value === "" ? undefined : input.value;
    }
  }

  // repoValue is RepoUrlPicker's value as Backstage serializes it:
  // host?owner=o&repo=r.
  function repoValue(ff) {
    var host = $("[data-part=host]", ff).value.trim();
    var owner = $("[data-part=owner]", ff).value.trim();
    var repo = $("[data-part=repo]", ff).value.trim();
    if (!host || !owner || !repo) return undefined;
    var p = new URLSearchParams();
    p.set("owner", owner);
    p.set("repo", repo);
    return host + "?" + p.toString();
  }

  function setPath(obj, path, v) {
    var parts = path.split(".");
    for (var i = 0; i < parts.length - 1; i++) {
      if (typeof obj[parts[i]] !== "object" || obj[parts[i]] === null) obj[parts[i]] = {};
      obj = obj[parts[i]];
    }
    obj[parts[parts.length - 1]] = v;
  }

  // leafFields are the fields that hold values (not object groups).
  function leafFields(root) { return $$(".ff:not(.ff-object)", root).filter(function (ff) { return !ff.hidden; }); }

  // conditions shows the fields that JSON Schema dependencies add only
  // while their controlling field has one of the listed values.
  function conditions(form) {
    $$(".ff[data-when]", form).forEach(function (ff) {
      var ctl = form.querySelector('.ff[data-path="' + CSS.escape(ff.dataset.when) + '"]');
      var cur;
      try { cur = ctl && !ctl.hidden ? valueOf(ctl) : undefined; } catch (e) { cur = undefined; }
      var vals = [];
      try { vals = JSON.parse(ff.dataset.whenValues || "[]") || []; } catch (e) { vals = []; }
      var show = vals.length
        ? vals.some(function (v) { return JSON.stringify(v) === JSON.stringify(cur); })
        : !isEmpty(cur) && cur !== false;
      ff.hidden = !show;
    });
  }

  function collect(form) {
    var values = {}, secrets = {};
    leafFields(form).forEach(function (ff) {
      var v;
      try { v = valueOf(ff); } catch (e) { return; }
      if (v === undefined) return;
      if (ff.dataset.widget === "secret") {
        secrets[ff.dataset.path.split(".").pop()] = v;
        return;
      }
      setPath(values, ff.dataset.path, v);
    });
    return { values: values, secrets: secrets };
  }

  // ------------------------------------------------------------ validation

  function isEmpty(v) { return v === undefined || v === "" || (Array.isArray(v) && v.length === 0); }
  function chars(s) { return Array.from(s).length; }

  // check returns the problem with one field, or "".
  function check(ff) {
    var d = ff.dataset, label = d.label || d.path, v;
    try { v = valueOf(ff); } catch (e) { return label + " " + e.message; }
    if (d.widget === "repourl") {
      var parts = ["host", "owner", "repo"].filter(function (p) { return $("[data-part=" + p + "]", ff).value.trim() === ""; });
      if (parts.length && (d.required !== undefined || parts.length < 3)) return label + ": fill in the " + parts.join(" and ");
      var name = $("[data-part=repo]", ff).value.trim();
      if (name && !/^[A-Za-z0-9_.-]+$/.test(name)) return label + ": the repository name may hold only letters, digits, '-', '_' and '.'";
      return "";
    }
    if (isEmpty(v)) return d.required !== undefined ? label + " is required" : "";
    if (typeof v === "string") {
      if (d.minlength && chars(v) < +d.minlength) return label + " must be at least " + d.minlength + " characters";
      if (d.maxlength && chars(v) > +d.maxlength) return label + " must be at most " + d.maxlength + " characters (it has " + chars(v) + ")";
      if (d.pattern) {
        var re;
        try { re = new RegExp(d.pattern, "u"); } catch (e) { re = null; }
        if (re && !re.test(v)) return label + " must match the pattern " + d.pattern;
      }
      if ((d.widget === "owner" || d.widget === "entity")) {
        var opts = pickerOptions(ff);
        if (opts.allowArbitraryValues === false && ff.querySelector("input").dataset.picked !== v) {
          return label + ": choose one of the suggestions";
        }
        if (!/^([A-Za-z0-9_.-]+:)?([A-Za-z0-9_.-]+\/)?[A-Za-z0-9_.-]+$/.test(v)) return label + " must be an entity reference such as group:default/team-a";
      }
    }
    if (typeof v === "number") {
      if (isNaN(v)) return label + " must be a number";
      if (d.widget === "integer" && Math.floor(v) !== v) return label + " must be a whole number";
      if (d.min && v < +d.min) return label + " must be at least " + d.min;
      if (d.max && v > +d.max) return label + " must be at most " + d.max;
    }
    return "";
  }

  function focusTarget(ff) {
    return $("input:not([type=hidden]), select, textarea", ff);
  }

  function showError(ff, msg) {
    var err = $(".ferr", ff);
    var control = ff.dataset.widget === "repourl" || ff.dataset.widget === "checkboxes" || ff.dataset.widget === "radio" ? $("fieldset", ff) : focusTarget(ff);
    if (err) { err.textContent = msg; err.hidden = !msg; }
    if (control) {
      if (msg) control.setAttribute("aria-invalid", "true"); else control.removeAttribute("aria-invalid");
    }
  }

  // summarize lists problems at the top of the form, each a link to its field.
  function summarize(problems, title, server) {
    var box = $("#form-errors");
    if (!box) return;
    if (server) box.dataset.server = "1"; else delete box.dataset.server;
    var ul = $("ul", box);
    ul.innerHTML = "";
    if (!problems.length) { box.hidden = true; return; }
    $("[data-title]", box).textContent = title || (problems.length === 1 ? "Please fix this field" : "Please fix these " + problems.length + " fields");
    problems.forEach(function (p) {
      var li = el("li");
      if (p.ff) {
        var a = el("a", null, p.msg);
        var t = focusTarget(p.ff);
        a.href = "#" + (t ? t.id : "");
        a.addEventListener("click", function (e) { e.preventDefault(); goTo(p.page, t); });
        li.appendChild(a);
      } else {
        li.textContent = p.msg;
      }
      ul.appendChild(li);
    });
    box.hidden = false;
  }

  // refreshSummary keeps the summary in step with the errors still shown
  // next to fields, once the user fixes one.
  function refreshSummary() {
    var box = $("#form-errors");
    if (!box || box.hidden || box.dataset.server) return;
    var problems = [];
    $$(".wpage", form).forEach(function (section) {
      leafFields(section).forEach(function (ff) {
        var err = $(".ferr", ff);
        if (err && !err.hidden) problems.push({ ff: ff, msg: err.textContent, page: +section.dataset.page });
      });
    });
    summarize(problems);
  }

  function validatePage(section) {
    var problems = [];
    leafFields(section).forEach(function (ff) {
      var msg = check(ff);
      showError(ff, msg);
      if (msg) problems.push({ ff: ff, msg: msg, page: +section.dataset.page });
    });
    return problems;
  }

  // --------------------------------------------------------------- wizard

  var form, pages, current = 0, goTo = function () {};

  function wizard(f) {
    form = f;
    pages = $$(".wpage", form);
    var n = +form.dataset.pages;
    var back = $("[data-back]", form), next = $("[data-next]", form), review = $("[data-review]", form), create = $("[data-create]", form);
    var steps = $$(".wizard-steps li");
    var status = $("[data-form-status]", form);

    function show(i, focusEl) {
      current = i;
      pages.forEach(function (p, j) { p.classList.toggle("current", j === i); });
      steps.forEach(function (s, j) {
        if (j === i) s.setAttribute("aria-current", "step"); else s.removeAttribute("aria-current");
        s.classList.toggle("done", j < i);
      });
      back.hidden = i === 0;
      next.hidden = i >= n - 1;
      review.hidden = i !== n - 1;
      create.hidden = i !== n;
      if (i === n) buildReview();
      var page = pages[i];
      if (status) status.textContent = "Step " + (i + 1) + " of " + (n + 1) + ": " + $("h2", page).textContent;
      var target = focusEl || $("[data-autofocus]", page) || focusTarget(page) || $("h2", page);
      if (target && target !== document.activeElement) {
        if (target.tagName === "H2") target.tabIndex = -1;
        target.focus({ preventScroll: false });
      }
    }
    goTo = function (i, t) { show(i, t); };

    next.addEventListener("click", function () {
      var problems = validatePage(pages[current]);
      summarize(problems);
      if (problems.length) { focusTarget(problems[0].ff).focus(); return; }
      show(current + 1);
    });
    review.addEventListener("click", function () {
      var all = [];
      for (var i = 0; i < n; i++) all = all.concat(validatePage(pages[i]));
      summarize(all);
      if (all.length) { show(all[0].page, focusTarget(all[0].ff)); return; }
      show(n);
    });
    back.addEventListener("click", function () { summarize([]); show(current - 1); });
    // Enter in a one-line field moves on instead of submitting.
    form.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || e.target.tagName !== "INPUT" || e.target.getAttribute("role") === "combobox") return;
      e.preventDefault();
      (current < n - 1 ? next : current === n - 1 ? review : create).click();
    });
    // A field checks itself again once it was wrong.
    form.addEventListener("input", function (e) {
      var ff = e.target.closest(".ff");
      if (ff && $(".ferr", ff) && !$(".ferr", ff).hidden) {
        showError(ff, check(ff));
        refreshSummary();
      }
      if (ff && ff.dataset.widget === "repourl") repoPreview(ff);
    });
    form.addEventListener("change", function (e) {
      conditions(form);
      var ff = e.target.closest(".ff");
      if (ff && ff.dataset.widget === "repourl") repoPreview(ff);
    });
    $$(".ff-repourl", form).forEach(repoPreview);
    conditions(form);
    form.addEventListener("input", function () { conditions(form); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (current !== n) return;
      submit(create, n);
    });
    show(n === 0 ? 0 : 0);
  }

  function repoPreview(ff) {
    var v = repoValue(ff);
    $("[data-value]", ff).value = v || "";
    $("[data-preview]", ff).textContent = v ? v : "";
  }

  function display(ff) {
    var v;
    try { v = valueOf(ff); } catch (e) { return { text: "invalid", empty: true }; }
    if (ff.dataset.widget === "secret" || ff.dataset.widget === "password") return { text: v ? "••••••" : "—", empty: !v };
    if (v === undefined) return { text: "—", empty: true };
    if (typeof v === "boolean") return { text: v ? "Yes" : "No" };
    if (ff.dataset.widget === "select" || ff.dataset.widget === "radio") {
      var opt = $("select", ff) ? $("select", ff).selectedOptions[0] : $("input:checked", ff).parentNode;
      if (opt) return { text: opt.textContent.trim() };
    }
    if (ff.dataset.widget === "checkboxes") {
      return { text: $$("input:checked", ff).map(function (c) { return c.parentNode.textContent.trim(); }).join(", ") };
    }
    if (Array.isArray(v)) return { text: v.join(", ") };
    if (typeof v === "object") return { text: JSON.stringify(v) };
    return { text: String(v) };
  }

  function buildReview() {
    var dl = $("#review-list");
    dl.innerHTML = "";
    pages.forEach(function (p) {
      if (p.dataset.page === "review") return;
      var fields = leafFields(p);
      if (!fields.length) return;
      dl.appendChild(el("dt", "rv-page", $("h2", p).textContent));
      fields.forEach(function (ff) {
        var d = display(ff);
        var dt = el("dt", null, ff.dataset.label || ff.dataset.path);
        var dd = el("dd", d.empty ? "empty-val" : null, d.text);
        dd.setAttribute("data-review-path", ff.dataset.path);
        dl.appendChild(dt);
        dl.appendChild(dd);
      });
    });
  }

  // submit posts the task. A 400 from the API lists the fields its schema
  // check refused; they are shown next to their fields like ours.
  function submit(button, n) {
    var body = collect(form);
    var payload = { templateRef: form.dataset.templateRef, values: body.values };
    if (Object.keys(body.secrets).length) payload.secrets = body.secrets;
    button.disabled = true;
    var label = button.innerHTML;
    button.innerHTML = '<span class="spinner" aria-hidden="true"></span> Creating…';
    fetch("/api/scaffolder/v2/tasks", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload)
    }).then(function (r) {
      return r.text().then(function (t) {
        var j = null;
        try { j = JSON.parse(t); } catch (e) { /* not JSON */ }
        return { status: r.status, body: j, text: t };
      });
    }).then(function (res) {
      if (res.status >= 200 && res.status < 300 && res.body && res.body.id) {
        window.location.href = "/create/tasks/" + encodeURIComponent(res.body.id);
        return;
      }
      button.disabled = false;
      button.innerHTML = label;
      serverErrors(res, n);
    }).catch(function (e) {
      button.disabled = false;
      button.innerHTML = label;
      summarize([{ msg: "The task could not be sent: " + e.message }], "Not sent");
    });
  }

  function serverErrors(res, n) {
    var b = res.body || {};
    var problems = [];
    if (Array.isArray(b.errors)) {
      b.errors.forEach(function (er) {
        var path = Array.isArray(er.path) ? er.path.join(".") : "";
        if (!path && er.property) path = String(er.property).replace(/^instance\.?/, "");
        if (!path && er.name === "required" && er.argument) path = er.argument;
        var ff = path && form.querySelector('.ff[data-path="' + CSS.escape(path) + '"]');
        if (!ff && er.name === "required" && er.argument) ff = form.querySelector('.ff[data-path="' + CSS.escape((path ? path + "." : "") + er.argument) + '"]');
        var msg = (ff ? (ff.dataset.label || path) + " " : (path ? path + " " : "")) + (er.message || er.stack || "is not valid");
        if (ff) {
          showError(ff, msg);
          problems.push({ ff: ff, msg: msg, page: +ff.closest(".wpage").dataset.page });
        } else {
          problems.push({ msg: msg });
        }
      });
    }
    if (!problems.length) {
      var m = (b.error && b.error.message) || res.text || ("HTTP " + res.status);
      problems.push({ msg: m });
    }
    var fieldErrs = Array.isArray(b.errors) && b.errors.length;
    summarize(problems, fieldErrs ? "The server refused these values" : "The task was not created (HTTP " + res.status + ")", true);
    var first = problems.filter(function (p) { return p.ff; })[0];
    if (first) goTo(first.page, focusTarget(first.ff));
    else $("#form-errors").focus();
  }

  // -------------------------------------------------------------- pickers

  function pickerOptions(ff) {
    try { return JSON.parse(ff.dataset.options || "{}"); } catch (e) { return {}; }
  }

  // filterParams turns ui:options into the catalog's filter= parameters:
  // catalogFilter (an object or a list of them; {exists: true} means the
  // key is present), else allowedKinds, else Group and User for owners.
  function filterParams(ff) {
    var o = pickerOptions(ff);
    var filters = o.catalogFilter;
    if (!filters && o.allowedKinds) filters = { kind: o.allowedKinds };
    if (!filters && ff.dataset.widget === "owner") filters = { kind: ["Group", "User"] };
    if (!filters) return [];
    if (!Array.isArray(filters)) filters = [filters];
    return filters.map(function (f) {
      var parts = [];
      Object.keys(f).forEach(function (k) {
        var v = f[k];
        if (v && typeof v === "object" && !Array.isArray(v)) { if (v.exists) parts.push(k); return; }
        (Array.isArray(v) ? v : [v]).forEach(function (x) { parts.push(k + "=" + x); });
      });
      return parts.join(",");
    }).filter(Boolean);
  }

  function refOf(e) {
    return e.kind.toLowerCase() + ":" + (e.metadata.namespace || "default") + "/" + e.metadata.name;
  }

  function picker(ff) {
    var box = $(".picker", ff), input = $("input", box), list = $(".typeahead", box), status = $("[data-status]", box);
    var timer = 0, ctrl = null, active = -1, items = [];
    if (input.value) input.dataset.picked = input.value;

    function close() { list.hidden = true; active = -1; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); }
    function mark(i) {
      var opts = $$("[role=option]", list);
      if (!opts.length) return;
      active = (i + opts.length) % opts.length;
      opts.forEach(function (o, j) { o.setAttribute("aria-selected", j === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", opts[active].id);
      opts[active].scrollIntoView({ block: "nearest" });
    }
    function choose(i) {
      var e = items[i];
      if (!e) return;
      input.value = input.dataset.picked = refOf(e);
      close();
      showError(ff, check(ff));
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function load() {
      var q = input.value.trim();
      var p = new URLSearchParams();
      filterParams(ff).forEach(function (f) { p.append("filter", f); });
      if (q) {
        p.set("fullTextFilterTerm", q);
        p.append("fullTextFilterFields", "metadata.name");
        p.append("fullTextFilterFields", "metadata.title");
        p.append("fullTextFilterFields", "spec.profile.displayName");
      }
      p.set("limit", "20");
      p.append("orderField", "metadata.name,asc");
      ["kind", "metadata.name", "metadata.namespace", "metadata.title", "spec.profile.displayName", "spec.type"].forEach(function (f) { p.append("fields", f); });
      if (ctrl) ctrl.abort();
      ctrl = new AbortController();
      fetch("/api/catalog/entities/by-query?" + p.toString(), { signal: ctrl.signal, headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) {
          if (input.value.trim() !== q) return;
          items = data.items || [];
          list.innerHTML = "";
          items.forEach(function (e, i) {
            var o = el("div", "ta-item");
            o.setAttribute("role", "option");
            o.id = input.id + "-opt-" + i;
            var kind = e.kind.toLowerCase();
            var icon = el("span", "kicon kind-" + kind);
            icon.setAttribute("aria-hidden", "true");
            icon.textContent = kind.charAt(0).toUpperCase();
            var txt = el("span", "ta-text");
            var title = e.metadata.title || (e.spec && e.spec.profile && e.spec.profile.displayName) || "";
            txt.appendChild(el("span", "ta-name", title || e.metadata.name));
            txt.appendChild(el("span", "ta-meta", refOf(e) + (e.spec && e.spec.type ? " · " + e.spec.type : "")));
            o.appendChild(icon);
            o.appendChild(txt);
            o.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(i); });
            list.appendChild(o);
          });
          if (!items.length) list.appendChild(el("div", "ta-empty", q ? "No match for “" + q + "”" : "Nothing to choose from"));
          list.setAttribute("data-q", q);
          list.hidden = false;
          active = -1;
          input.setAttribute("aria-expanded", "true");
          if (status) status.textContent = items.length ? items.length + " suggestions, use the arrow keys" : "No matches";
        })
        .catch(function () { /* aborted or offline: typing still works */ });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(load, 120); });
    input.addEventListener("focus", function () { if (list.hidden) load(); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden) load(); else mark(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); mark(active - 1); }
      else if (e.key === "Escape") { if (!list.hidden) { e.preventDefault(); close(); } }
      else if (e.key === "Enter") { e.preventDefault(); if (!list.hidden && active >= 0) choose(active); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  // ----------------------------------------------------------------- task

  var statusIcons = {
    processing: '<span class="spinner"></span>',
    completed: '<svg class="i"><use href="#i-st-done"/></svg>',
    failed: '<svg class="i"><use href="#i-st-failed"/></svg>',
    cancelled: '<svg class="i"><use href="#i-st-failed"/></svg>',
    skipped: '<svg class="i"><use href="#i-st-skipped"/></svg>',
    rolledBack: '<svg class="i"><use href="#i-st-rollback"/></svg>'
  };
  function iconFor(s) {
    if (/^roll/i.test(s)) return statusIcons.rolledBack;
    return statusIcons[s] || '<svg class="i"><use href="#i-st-open"/></svg>';
  }

  function fmtDur(ms) {
    if (ms < 1000) return ms + "ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + "s";
    var s = Math.round(ms / 1000);
    return Math.floor(s / 60) + "m" + (s % 60) + "s";
  }

  function appendLine(pre, line) {
    var code = $("code", pre);
    var follow = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    code.appendChild(document.createTextNode(line + "\n"));
    if (follow) pre.scrollTop = pre.scrollHeight;
  }

  function task(root) {
    var last = +root.dataset.last || 0;
    var es = null, ticker = 0, finished = false;
    function onEvent(ev) {
      var e;
      try { e = JSON.parse(ev.data); } catch (x) { return; }
      if (e.id && +e.id <= last) return;
      if (e.id) last = +e.id;
      var b = e.body || {};
      if (e.type === "completion" || e.type === "cancelled") { finish(); return; }
      var li = b.stepId ? root.querySelector('.tstep[data-step="' + CSS.escape(b.stepId) + '"]') : null;
      if (!li) {
        if (b.message) appendLine($("#task-log"), b.message);
        return;
      }
      // The runner reports a rollback as a log line of the step.
      if (!b.status && /^Undid step /.test(b.message || "")) b.status = "rolledback";
      if (b.status) {
        li.className = "tstep st-" + b.status;
        $(".sticon", li).innerHTML = iconFor(b.status);
        $(".tstep-status", li).textContent = b.status === "rolledback" ? "rolled back" : b.status;
        var at = e.createdAt ? Date.parse(e.createdAt) : Date.now();
        if (b.status === "processing") {
          li.dataset.started = at;
          $("details", li).open = true;
        } else if (b.status === "rolledback") {
          $("details", li).open = true;
        } else if (li.dataset.started) {
          $(".tstep-dur", li).textContent = fmtDur(Math.max(0, at - +li.dataset.started));
          delete li.dataset.started;
          if (b.status === "completed") $("details", li).open = false;
        }
      }
      if (b.message) appendLine($("pre", li), b.message);
      var st = $("#task-status");
      if (st && !st.classList.contains("st-processing")) {
        st.className = "chip tstatus st-processing";
        st.innerHTML = statusIcons.processing + " processing";
      }
    }
    // finish reloads the task's parts from the server, which renders the
    // output links and the Markdown text, and the actions (no Cancel on a
    // finished task, Retry on a failed one).
    function finish() {
      if (finished) return;
      finished = true;
      if (es) es.close();
      clearInterval(ticker);
      fetch(window.location.pathname, { headers: { Accept: "text/html" } })
        .then(function (r) { return r.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          ["#task-actions", "#task"].forEach(function (sel) {
            var fresh = doc.querySelector(sel), old = document.querySelector(sel);
            if (fresh && old) old.replaceWith(fresh);
          });
          var link = $("#task-result a[data-entity]");
          var s = $("#task-result");
          if (s) s.setAttribute("data-finished", "1");
          if (link) link.focus({ preventScroll: true });
        });
    }
    if (root.dataset.done === "true") { root.setAttribute("data-finished", "1"); return; }
    ticker = setInterval(function () {
      $$(".tstep[data-started]", root).forEach(function (li) {
        if (li.classList.contains("st-processing")) $(".tstep-dur", li).textContent = fmtDur(Date.now() - +li.dataset.started);
      });
    }, 1000);
    if (!window.EventSource) { setTimeout(finish, 3000); return; }
    es = new EventSource(root.dataset.stream + "?after=" + last);
    ["log", "completion", "cancelled", "recovered", "message"].forEach(function (t) { es.addEventListener(t, onEvent); });
    es.onerror = function () {
      if (es.readyState === 2 && !finished) setTimeout(function () { if (!finished) finish(); }, 1500);
    };
  }

  // Cancel and Retry post to the task API, then show the task anew.
  document.addEventListener("click", function (e) {
    var b = e.target.closest("[data-task-action]");
    if (!b) return;
    b.disabled = true;
    fetch(b.dataset.url, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { return { ok: r.ok, body: j }; }); })
      .then(function (res) {
        if (!res.ok) {
          b.disabled = false;
          b.title = (res.body.error && res.body.error.message) || "refused";
          return;
        }
        window.location.href = res.body.id ? "/create/tasks/" + encodeURIComponent(res.body.id) : window.location.pathname;
      })
      .catch(function () { b.disabled = false; });
  });

  document.addEventListener("DOMContentLoaded", function () {
    var f = $("#create-form");
    if (f) {
      $$(".ff-owner, .ff-entity", f).forEach(picker);
      wizard(f);
    }
    var t = $("#task");
    if (t) task(t);
  });
})();
