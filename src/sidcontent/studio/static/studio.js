// sidcontent studio: the few live parts (counters, local times, export progress).
// Everything works without it; it only adds what needs the server while typing.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var base = document.querySelector('link[rel="stylesheet"]').getAttribute("href").replace(/static\/studio\.css.*$/, "");

  function post(path, body) {
    return fetch(base + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) { return r.ok ? r.json() : null; });
  }

  // Live counters: each textarea[data-count] names the list to fill.
  document.querySelectorAll("textarea[data-count]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-count"));
    var timer = null, seq = 0;
    function update() {
      var mine = ++seq;
      post("count", { text: area.value || area.getAttribute("placeholder") || "" }).then(function (data) {
        if (!data || mine !== seq) { return; }
        out.textContent = "";
        data.platforms.forEach(function (p) {
          var li = document.createElement("li");
          li.className = p.state;
          li.setAttribute("data-platform", p.platform);
          li.setAttribute("data-count", String(p.count));
          li.textContent = p.label;
          out.appendChild(li);
        });
        area.setAttribute("data-counted", String(mine));
      });
    }
    area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 200); });
    update();
  });

  // Times: shown in UTC by the server; add the viewer's own zone.
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  var fmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  document.querySelectorAll("time[data-local-time]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    var span = el.parentNode.querySelector(".local");
    if (span && !isNaN(when)) { span.textContent = "(" + zone + ": " + fmt.format(when) + ")"; }
  });

  // Queued exports: poll until done, then offer the download.
  document.querySelectorAll("[data-export-status]").forEach(function (el) {
    var url = el.getAttribute("data-export-status");
    function poll() {
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
        el.textContent = s.status + (s.position ? " (#" + s.position + ")" : "");
        el.className = "status status-" + s.status;
        if (s.status === "queued" || s.status === "running") { setTimeout(poll, 1500); return; }
        if (s.download) {
          var a = document.createElement("a");
          a.href = s.download; a.textContent = s.filename;
          var cell = el.closest("tr").lastElementChild;
          cell.textContent = ""; cell.appendChild(a);
        }
      });
    }
    setTimeout(poll, 1000);
  });
})();
