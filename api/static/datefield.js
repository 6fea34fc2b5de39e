/* Date fields typed as dd/mm/yyyy (not the browser's <input type=date>, whose order follows
   the computer's locale), with a month picker that greys the days off of the working
   calendar (/ui/dates/days-off) and, under a due date, the line the server writes about it
   (/ui/dates/check: the working day a day off becomes, a day already past). Without
   JavaScript the field is a plain text field the server parses (workflow/dates.py). */
(function () {
  "use strict";
  var script = document.currentScript;
  var words = JSON.parse(script.getAttribute("data-words"));
  var cache = {};

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function fmt(d) { return pad(d.getDate()) + "/" + pad(d.getMonth() + 1) + "/" + d.getFullYear(); }
  function iso(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function parse(text) {
    var m = /^\s*(\d{1,2})[\/.-](\d{1,2})[\/.-](\d{4})\s*$/.exec(text || "");
    if (!m) { m = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text || ""); if (m) m = [m[0], m[3], m[2], m[1]]; }
    if (!m) return null;
    var d = new Date(+m[3], +m[2] - 1, +m[1]);
    return d.getDate() === +m[1] && d.getMonth() === +m[2] - 1 ? d : null;
  }
  function daysOff(year) {
    if (!cache[year]) {
      cache[year] = fetch("/ui/dates/days-off?year=" + year, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { days_off: [] }; })
        .then(function (j) { return new Set(j.days_off); })
        .catch(function () { return new Set(); });
    }
    return cache[year];
  }

  function setup(input) {
    var wrap = input.closest(".date-field");
    var button = wrap.querySelector(".date-pick");
    var hint = input.getAttribute("data-hint") && document.getElementById(input.getAttribute("data-hint"));
    var panel = null;
    var month = null;

    function check() {
      if (!hint) return;
      fetch("/ui/dates/check?day=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { hint.innerHTML = html; });
    }
    function close() {
      if (panel) { panel.remove(); panel = null; button.setAttribute("aria-expanded", "false"); }
    }
    function choose(d) {
      input.value = fmt(d);
      close();
      input.focus();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    function draw() {
      var first = new Date(month.getFullYear(), month.getMonth(), 1);
      var chosen = parse(input.value);
      var today = new Date();
      daysOff(first.getFullYear()).then(function (off) {
        if (!panel) return;
        panel.innerHTML = "";
        var nav = document.createElement("div");
        nav.className = "picker-nav";
        var prev = document.createElement("button");
        prev.type = "button"; prev.className = "btn secondary picker-prev"; prev.textContent = "‹";
        prev.setAttribute("aria-label", words.prev);
        var next = document.createElement("button");
        next.type = "button"; next.className = "btn secondary picker-next"; next.textContent = "›";
        next.setAttribute("aria-label", words.next);
        var title = document.createElement("strong");
        title.className = "picker-title";
        title.textContent = words.months[first.getMonth()] + " " + first.getFullYear();
        prev.onclick = function () { month = new Date(first.getFullYear(), first.getMonth() - 1, 1); draw(); };
        next.onclick = function () { month = new Date(first.getFullYear(), first.getMonth() + 1, 1); draw(); };
        nav.append(prev, title, next);
        var table = document.createElement("table");
        var head = table.insertRow();
        words.weekdays.forEach(function (w) { var th = document.createElement("th"); th.textContent = w; head.appendChild(th); });
        var row = table.insertRow();
        var lead = (first.getDay() + 6) % 7;  // Monday first
        for (var i = 0; i < lead; i++) row.insertCell();
        for (var d = new Date(first); d.getMonth() === first.getMonth(); d.setDate(d.getDate() + 1)) {
          if (row.cells.length === 7) row = table.insertRow();
          var day = new Date(d);
          var b = document.createElement("button");
          b.type = "button";
          b.className = "day";
          b.textContent = day.getDate();
          b.setAttribute("data-day", iso(day));
          b.setAttribute("aria-label", fmt(day) + (off.has(iso(day)) ? " (" + words.off + ")" : ""));
          if (off.has(iso(day))) b.classList.add("off");
          if (iso(day) === iso(today)) b.classList.add("today");
          if (chosen && iso(day) === iso(chosen)) b.classList.add("chosen");
          b.onclick = (function (x) { return function () { choose(x); }; })(day);
          row.insertCell().appendChild(b);
        }
        panel.append(nav, table);
      });
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (panel) { close(); return; }
      panel = document.createElement("div");
      panel.className = "picker";
      panel.setAttribute("role", "dialog");
      panel.setAttribute("aria-label", words.pick);
      var at = parse(input.value) || new Date();
      month = new Date(at.getFullYear(), at.getMonth(), 1);
      (hint || wrap).after(panel);
      button.setAttribute("aria-expanded", "true");
      draw();
    });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
    input.addEventListener("change", check);
    if (input.value && hint && !hint.textContent.trim()) check();
  }

  document.querySelectorAll("input[data-datefield]").forEach(setup);
})();
