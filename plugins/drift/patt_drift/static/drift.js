// Data Quality page: scan, fix / dismiss / resolve a finding, Fix all; feedback next to each action.
// After an action that fully worked the page reloads to show the new state; when something
// failed it does not (the reasons stay on screen) and offers a reload button instead.
(function () {
  "use strict";
  const api = (method, url, body) => window.patt.api(method, url, body);

  const say = (box, text, failed) => window.patt.say(box, text, failed, "drift-error"); // core app.js

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // An outcome that must stay readable: its text, the reasons as a list, a reload button.
  function keep(box, outcome) {
    say(box, outcome.text, outcome.failed);
    if (outcome.reasons && outcome.reasons.length) {
      const list = el("ul", "drift-reasons");
      outcome.reasons.forEach((reason) => list.appendChild(el("li", "", reason)));
      box.appendChild(list);
    }
    const reload = el("button", "button secondary small js-reload", "Reload the page");
    reload.type = "button";
    reload.addEventListener("click", () => window.location.reload());
    box.appendChild(reload);
  }

  // An answer outlives the reload that shows the new state (core patt.sayAfterReload): shown
  // again in its box, or above the findings when its finding has left the list.
  function sayAfterReload(box, text) {
    const item = box.closest(".drift-finding");
    const options = { delay: 1500 };
    if (box.dataset.feedbackFor) options.at = `[data-feedback-for="${CSS.escape(box.dataset.feedbackFor)}"]`;
    else if (!box.id && item) {
      options.at = `.drift-finding[data-id="${CSS.escape(item.dataset.id)}"] .drift-feedback`;
      options.orElse = { at: "#drift-findings-status", text: `#${item.dataset.id}: ${text}` };
    }
    window.patt.sayAfterReload(box, text, options);
  }

  // `done(answer)` returns the text to show (all went well: the page reloads shortly), or
  // {text, failed, reasons} to keep on screen.
  async function act(button, box, call, done) {
    button.disabled = true;
    say(box, "Working…");
    try {
      const outcome = done(await call());
      if (typeof outcome === "string") {
        sayAfterReload(box, outcome);
      } else {
        keep(box, outcome);
      }
    } catch (error) {
      say(box, error.message, true);
      button.disabled = false;
    }
  }

  document.querySelectorAll(".js-scan").forEach((button) => {
    button.addEventListener("click", () => act(button, document.getElementById("drift-scan-status"),
      () => api("POST", "/api/v1/drift/scan", {}),
      (r) => `Scan done: ${r.counts.open ?? 0} open, ${r.counts.new ?? 0} new, ${r.counts.resolved ?? 0} resolved.`));
  });

  // Posting the backlog changes nothing on this page: the answer stays, no reload.
  document.querySelectorAll(".js-report").forEach((button) => {
    const box = document.getElementById("drift-report-status");
    button.addEventListener("click", async () => {
      button.disabled = true;
      say(box, "Working…");
      try {
        const r = await api("POST", "/api/v1/drift/report", {});
        say(box, r.queued
          ? `Queued for the audit channel: ${r.open} open finding(s) under ${r.rules} rule(s).`
          : "Nothing is open: nothing was posted.");
      } catch (error) {
        say(box, error.message, true);
      }
      button.disabled = false;
    });
  });

  const times = (count) => (count > 1 ? ` (${count} findings)` : "");
  function fixAllOutcome(r) {
    const failed = r.results.filter((x) => x.status === "failed").length;
    const skipped = (r.counts && r.counts.skipped) || 0;
    let text = `${r.results.length - failed} done, ${failed} failed`;
    if (skipped) text += `, ${skipped} left for you`;
    text += ".";
    if (!failed && !skipped) return text;
    const reasons = (r.failures || []).map((f) => `${f.reason}${times(f.count)}`);
    if (r.other_failures) reasons.push(`${r.other_failures} more failed for other reasons: see the audit log.`);
    if (skipped && r.skipped_reason) reasons.push(`Left for you: ${r.skipped_reason}${times(skipped)}`);
    return { text, failed: failed > 0, reasons };
  }

  document.querySelectorAll(".js-fix-all").forEach((button) => {
    const box = document.querySelector(`[data-feedback-for="${button.dataset.rule}"]`);
    button.addEventListener("click", () => {
      const count = Number(button.dataset.count || 0);
      const what = count === 1 ? "the open finding" : `all ${count} open findings`;
      if (!window.confirm(`Fix ${what} of “${button.dataset.title}”? Each fix is applied as proposed.`)) return;
      act(button, box,
        () => api("POST", `/api/v1/drift/rules/${encodeURIComponent(button.dataset.rule)}/fix-all`, {}),
        fixAllOutcome);
    });
  });

  document.querySelectorAll(".drift-finding").forEach((item) => {
    const id = item.dataset.id;
    const box = item.querySelector(".drift-feedback");
    const reason = () => (item.querySelector(".drift-reason") || {}).value || "";
    const fix = item.querySelector(".js-fix");
    if (fix) fix.addEventListener("click", () => act(fix, box,
      () => api("POST", `/api/v1/drift/findings/${id}/fix`, {}),
      (r) => r.results.map((x) => x.message).join("; ") || "Done."));
    const dismiss = item.querySelector(".js-dismiss");
    if (dismiss) dismiss.addEventListener("click", () => act(dismiss, box,
      () => api("POST", `/api/v1/drift/findings/${id}/dismiss`, { reason: reason() || null }),
      () => "Dismissed until its facts change."));
    const resolve = item.querySelector(".js-resolve");
    if (resolve) resolve.addEventListener("click", () => {
      if (!reason().trim()) { say(box, "Give a reason to mark it resolved.", true); return; }
      act(resolve, box, () => api("POST", `/api/v1/drift/findings/${id}/resolve`, { reason: reason() }),
        () => "Marked resolved.");
    });
  });
})();
