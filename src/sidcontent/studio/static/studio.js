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
    }).then(function (r) { return r.ok ? r.json() : null; }, function () { return null; });
  }

  // Live counters: under each locale's body, that locale's post per platform
  // as the social export would make it from the whole form (headline, body,
  // call to action, link, hashtags), recounted as any of those changes.
  document.querySelectorAll("ul.counters[data-message]").forEach(function (out) {
    var form = out.closest("form");
    var locale = out.getAttribute("data-locale");
    var timer = null, seq = 0;
    // As typed: a locale left empty is counted with the fallback the export uses.
    function field(name) {
      var el = form.elements.namedItem(name);
      return el && typeof el.value === "string" ? el.value : "";
    }
    function text(name) { return field("translations." + locale + "." + name); }
    function update() {
      var mine = ++seq;
      post("count", {
        message: parseInt(out.getAttribute("data-message"), 10),
        locale: locale,
        headline: text("headline"),
        body: text("body"),
        call_to_action: text("call_to_action"),
        link: field("link"),
        hashtags: field("hashtags").split(",").map(function (s) { return s.trim(); }).filter(Boolean)
      }).then(function (data) {
        if (mine !== seq) { return; }
        out.setAttribute("aria-busy", "false");
        if (!data) { return; }
        out.textContent = "";
        if (data.error) {
          var li = document.createElement("li");
          li.className = "error";
          li.textContent = data.error;
          out.appendChild(li);
        }
        data.platforms.forEach(function (p) {
          var li = document.createElement("li");
          li.className = p.state;
          li.setAttribute("data-platform", p.platform);
          li.setAttribute("data-mode", p.mode);
          li.setAttribute("data-parts", String(p.parts));
          li.setAttribute("data-lengths", p.lengths.join(","));
          li.textContent = p.label;
          out.appendChild(li);
        });
      });
    }
    // Busy from the first keystroke until the counts of the latest text are shown.
    form.addEventListener("input", function () {
      seq++; // an answer already on its way counts an older text: ignore it
      out.setAttribute("aria-busy", "true");
      clearTimeout(timer);
      timer = setTimeout(update, 250);
    });
    out.setAttribute("aria-busy", "true");
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
    var failures = 0;
    function poll() {
      fetch(url, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      }).then(function (s) {
        el.textContent = s.status + (s.position ? " (#" + s.position + ")" : "");
        el.className = "status status-" + s.status;
        if (s.status === "queued" || s.status === "running") { setTimeout(poll, 1500); return; }
        if (s.download) {
          var a = document.createElement("a");
          a.href = s.download; a.textContent = s.filename;
          var cell = el.closest("tr").lastElementChild;
          cell.textContent = ""; cell.appendChild(a);
        }
      }).catch(function () {
        // A server restart or a network blip: ask again later, but not for ever.
        if (++failures < 10) { setTimeout(poll, 5000); }
      });
    }
    setTimeout(poll, 1000);
  });
})();
