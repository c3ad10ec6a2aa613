// Data Quality page: scan, fix / dismiss / resolve a finding, Fix all; feedback next to each action.
(function () {
  "use strict";
  const api = (method, url, body) => window.patt.api(method, url, body);

  const say = (box, text, failed) => window.patt.say(box, text, failed, "drift-error"); // core app.js

  async function act(button, box, call, done) {
    button.disabled = true;
    say(box, "Working…");
    try {
      const result = await call();
      say(box, done(result));
      setTimeout(() => window.location.reload(), 1500);
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

  document.querySelectorAll(".js-fix-all").forEach((button) => {
    const box = document.querySelector(`[data-feedback-for="${button.dataset.rule}"]`);
    button.addEventListener("click", () => act(button, box,
      () => api("POST", `/api/v1/drift/rules/${encodeURIComponent(button.dataset.rule)}/fix-all`, {}),
      (r) => {
        const failed = r.results.filter((x) => x.status === "failed").length;
        return `${r.results.length - failed} done, ${failed} failed.`;
      }));
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
