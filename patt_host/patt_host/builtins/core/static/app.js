// Shared page helpers: mobile nav, fetch() that carries the CSRF token, and times shown
// in the viewer's own timezone (the server writes UTC into <time class="js-time">).
(function () {
  "use strict";
  const token = document.querySelector('meta[name="csrf-token"]');
  const KEPT = "patt.answers";
  let reloading = null;
  const here = () => window.location.pathname + window.location.search;
  // The answers patt.sayAfterReload kept for this page, taken out of storage when `take`;
  // none when they were kept for another page or long ago (a reload that never came).
  function keptAnswers(take) {
    let kept = null;
    try {
      kept = JSON.parse(sessionStorage.getItem(KEPT) || "null");
      if (take) sessionStorage.removeItem(KEPT);
    } catch (error) { kept = null; }
    const fresh = kept && Array.isArray(kept.answers) && kept.page === here() && Date.now() - kept.when < 30000;
    return { answers: fresh ? kept.answers : [] };
  }
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
      // On a phone the answer may land below the fold (or under the sticky header), or to the
      // side in a table's scroll box (a page reloaded with the box scrolled back): bring it in.
      const place = box.getBoundingClientRect();
      const out = place.bottom > window.innerHeight || place.top < 0 || place.right > window.innerWidth || place.left < 0;
      if (text && out) box.scrollIntoView({ block: "nearest", inline: "nearest" });
    },
    // An answer that must outlive the page reload which shows what the action changed (it went
    // with the old page before an officer who looked away could read it): said in `box` now,
    // kept for this tab, the page reloaded after `delay` ms, and said again on the fresh page
    // in the element `at` (a CSS selector; `#` and the box's id by default), or, when that is
    // gone (its row left the list), in `orElse.at` with `orElse.text`.
    sayAfterReload(box, text, { at, orElse, delay = 1000 } = {}) {
      if (box) box.hidden = false;
      window.patt.say(box, text);
      const answer = { at: at || (box && box.id ? `#${CSS.escape(box.id)}` : ""), text, orElse: orElse || null };
      try {
        const kept = keptAnswers(false);
        kept.answers.push(answer);
        sessionStorage.setItem(KEPT, JSON.stringify({ ...kept, page: here(), when: Date.now() }));
      } catch (error) { /* no storage (a private window): the answer goes with the reload */ }
      // Two answers before the reload (a second button pressed meanwhile): one reload shows both.
      if (!reloading) reloading = setTimeout(() => window.location.reload(), delay);
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
  // A calendar date ("2026-12-08", data-style="date"): the day as written, in any zone.
  const day = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  const UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  function relativeText(date) {
    const seconds = (date.getTime() - Date.now()) / 1000;
    for (const [unit, size] of UNITS) {
      if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
    }
    return relative.format(0, "minute");
  }
  // `iso` is a moment (shown in the viewer's zone) or a "YYYY-MM-DD" date (style "date", or any
  // style: a date has no time to show); style "relative" says "in 3 days" / "5 minutes ago".
  window.patt.humanTime = function (iso, style) {
    const isDate = DATE_ONLY.test(String(iso));
    const date = new Date(isDate ? `${iso}T00:00:00Z` : iso);
    if (Number.isNaN(date.getTime())) return String(iso || "—");
    if (isDate || style === "date") return day.format(date);
    return style === "relative" ? relativeText(date) : absolute.format(date);
  };
  window.patt.localiseTimes = function (root) {
    (root || document).querySelectorAll("time.js-time").forEach((el) => {
      const style = el.dataset.style;
      if (style === "date") {
        el.textContent = window.patt.humanTime(el.dateTime, "date");
        return;
      }
      const date = new Date(el.dateTime);
      if (Number.isNaN(date.getTime())) return;
      el.title = absolute.format(date);
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
  // The answers an action kept across the reload (patt.sayAfterReload), each in its box again;
  // answers landing in one box are said together.
  (function showKept() {
    const find = (selector) => {
      try { return selector ? document.querySelector(selector) : null; } catch (error) { return null; }
    };
    const boxes = new Map();
    keptAnswers(true).answers.forEach((answer) => {
      if (!answer || typeof answer.text !== "string") return;
      let box = find(answer.at);
      let text = answer.text;
      if (!box && answer.orElse) {
        box = find(answer.orElse.at);
        text = typeof answer.orElse.text === "string" ? answer.orElse.text : text;
      }
      if (box) boxes.set(box, [...(boxes.get(box) || []), text]);
    });
    boxes.forEach((texts, box) => {
      box.hidden = false;
      window.patt.say(box, texts.join(" "));
    });
  })();
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
})();
