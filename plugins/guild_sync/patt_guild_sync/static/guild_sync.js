// Guild sync page: trigger with live progress, removal confirmation, API keys.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  function show(id, text) { const box = $(id); if (box) { box.textContent = text || ""; box.hidden = !text; } }

  // Times in the viewer's own zone, relative when recent.
  function humanTimes() {
    const fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
    document.querySelectorAll("time.js-time").forEach((el) => {
      const when = new Date(el.getAttribute("datetime"));
      if (Number.isNaN(when.getTime())) return;
      const minutes = Math.round((when.getTime() - Date.now()) / 60000);
      const rel = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
      let text = fmt.format(when);
      if (Math.abs(minutes) < 60) text = rel.format(minutes, "minute");
      else if (Math.abs(minutes) < 24 * 60) text = `${rel.format(Math.round(minutes / 60), "hour")} (${text})`;
      el.textContent = text;
      el.title = when.toISOString();
    });
  }
  humanTimes();

  const progress = $("gs-progress");
  async function poll() {
    try {
      const status = await window.patt.api("GET", "/api/v1/admin/guild-sync/status");
      const running = status.running;
      if (running) {
        progress.hidden = false;
        $("gs-progress-bar").max = running.progress_total || 1;
        $("gs-progress-bar").value = running.progress_done || 0;
        show("gs-progress-text", `Syncing… ${running.progress_done || 0} / ${running.progress_total || "?"} profiles`);
        setTimeout(poll, 1500);
      } else if (status.runs.length) {
        const last = status.runs[0];
        progress.hidden = true;
        show("gs-sync-status", `Last run: ${last.status.replace("_", " ")} · ${last.found ?? 0} found, ${last.new ?? 0} new, ` +
          `${last.removed ?? 0} removed, ${last.requests ?? 0} requests. Reloading…`);
        setTimeout(() => window.location.reload(), 1200);
      }
    } catch (error) {
      show("gs-sync-error", error.message);
    }
  }
  if (progress && progress.dataset.running === "true") setTimeout(poll, 1500);

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.classList.contains("js-sync")) {
      show("gs-sync-error", ""); show("gs-sync-status", "");
      document.querySelectorAll(".js-sync").forEach((b) => { b.disabled = true; });
      try {
        await window.patt.api("POST", "/api/v1/admin/guild-sync/sync", { full: button.dataset.full === "true" });
        progress.hidden = false;
        show("gs-progress-text", "Sync started…");
        setTimeout(poll, 1000);
      } catch (error) {
        show("gs-sync-error", error.message);
        document.querySelectorAll(".js-sync").forEach((b) => { b.disabled = false; });
      }
    } else if (button.classList.contains("js-removal")) {
      const panel = $("gs-pending");
      const action = button.dataset.action;
      if (action === "confirm" && !window.confirm("Mark these characters as gone from the guild?")) return;
      show("gs-removal-error", "");
      try {
        const result = await window.patt.api("POST", `/api/v1/admin/guild-sync/removals/${panel.dataset.log}/${action}`);
        show("gs-removal-status", action === "confirm"
          ? `${result.removed} removed, ${result.kept} kept (seen again).` : `Kept all ${result.kept}.`);
        panel.querySelectorAll(".js-removal").forEach((b) => { b.disabled = true; });
      } catch (error) {
        show("gs-removal-error", error.message);
      }
    } else if (button.classList.contains("js-key-revoke")) {
      const row = button.closest("tr[data-key]");
      if (!window.confirm("Revoke this key? Its companion app will stop uploading.")) return;
      try {
        await window.patt.api("DELETE", `/api/v1/admin/guild-sync/api-keys/${row.dataset.key}`);
        button.replaceWith(document.createTextNode("revoked"));
      } catch (error) {
        show("gs-key-error", error.message);
      }
    }
  });

  const form = $("gs-key-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      show("gs-key-error", "");
      try {
        const created = await window.patt.api("POST", "/api/v1/admin/guild-sync/api-keys", { name: form.elements.name.value.trim() });
        $("gs-key-value").textContent = created.key;
        $("gs-key-secret").hidden = false;
        form.reset();
      } catch (error) {
        show("gs-key-error", error.message);
      }
    });
  }
})();
