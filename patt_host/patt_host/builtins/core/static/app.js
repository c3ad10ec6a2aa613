// Shared page helpers: mobile nav, fetch() that carries the CSRF token, and times shown
// in the viewer's own timezone (the server writes UTC into <time class="js-time">).
(function () {
  "use strict";
  const token = document.querySelector('meta[name="csrf-token"]');
  window.patt = {
    csrf: token ? token.content : "",
    async api(method, url, body) {
      const headers = { "X-CSRF-Token": window.patt.csrf, Accept: "application/json" };
      const init = { method, headers, credentials: "same-origin" };
      if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      const response = await fetch(url, init);
      let payload = null;
      try { payload = await response.json(); } catch (e) { payload = null; }
      if (!response.ok || !payload || payload.ok === false) {
        const problem = payload && payload.error;
        let message = problem && problem.message ? problem.message : `Request failed (${response.status})`;
        // A refused form names what is wrong ("The request is not valid: season_number: …"),
        // not only that something is.
        const details = problem && Array.isArray(problem.details) ? problem.details : [];
        const parts = details
          .filter((d) => d && typeof d.message === "string" && d.message && !message.includes(d.message))
          .map((d) => `${d.field ? `${d.field}: ` : ""}${d.message.replace(/^Value error, /, "")}`);
        if (parts.length) message = `${message.replace(/\.$/, "")}: ${parts.join("; ")}.`;
        const error = new Error(message);
        error.status = response.status;
        throw error;
      }
      return payload.data;
    },
    // Feedback next to the action that caused it: the text, marked with `errorClass` ("error"
    // unless a page styles its own) while it reports a failure.
    say(box, text, failed, errorClass) {
      if (!box) return;
      box.textContent = text || "";
      box.classList.toggle(errorClass || "error", Boolean(failed));
      // On a phone the answer may land below the fold (or under the sticky header): bring it in.
      const place = box.getBoundingClientRect();
      if (text && (place.bottom > window.innerHeight || place.top < 0)) box.scrollIntoView({ block: "nearest" });
    },
    // An API call with its feedback in `box`: "Saving…", then `done` (a text, or a function of
    // the answer that returns one) or the error. Returns the answer, or null when it failed.
    async send(box, method, url, body, done) {
      window.patt.say(box, "Saving…");
      try {
        const data = await window.patt.api(method, url, body);
        window.patt.say(box, typeof done === "function" ? done(data) : done || "Saved.");
        return data;
      } catch (error) {
        window.patt.say(box, error.message, true);
        return null;
      }
    },
  };
  const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  const weekly = new Intl.DateTimeFormat(undefined, { weekday: "long", hour: "numeric", minute: "2-digit", timeZoneName: "short" });
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  const UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  function relativeText(date) {
    const seconds = (date.getTime() - Date.now()) / 1000;
    for (const [unit, size] of UNITS) {
      if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
    }
    return relative.format(0, "minute");
  }
  window.patt.humanTime = function (iso, style) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso || "—");
    return style === "relative" ? relativeText(date) : absolute.format(date);
  };
  window.patt.localiseTimes = function (root) {
    (root || document).querySelectorAll("time.js-time").forEach((el) => {
      const date = new Date(el.dateTime);
      if (Number.isNaN(date.getTime())) return;
      el.title = absolute.format(date);
      const style = el.dataset.style;
      el.textContent = style === "relative" ? relativeText(date) : style === "weekly" ? weekly.format(date) : absolute.format(date);
    });
  };
  window.patt.localiseTimes();
  // Parts of this page (by element id) as the server renders them now, after an action
  // changed what they show; listeners are delegated, so swapping the elements loses none.
  window.patt.reloadParts = async function (...ids) {
    const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error(`Could not reload the page (${response.status}).`);
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    ids.forEach((id) => {
      const now = document.getElementById(id);
      const then = fresh.getElementById(id);
      if (now && then) now.replaceWith(then);
    });
    window.patt.localiseTimes();
  };
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
})();
