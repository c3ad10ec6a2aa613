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
  // The newest run before ours: a finished run only counts once its id is past this one
  // (the trigger just queues the job; its sync_log row appears when a worker starts it).
  let lastRun = progress ? Number(progress.dataset.lastRun || 0) : 0;
  let waits = 0;
  const MAX_WAITS = 200; // ~5 minutes of "not started yet"
  async function poll() {
    try {
      const status = await window.patt.api("GET", "/api/v1/admin/guild-sync/status");
      const running = status.running;
      const last = status.runs.length ? status.runs[0] : null;
      if (running) {
        waits = 0;
        progress.hidden = false;
        $("gs-progress-bar").max = running.progress_total || 1;
        $("gs-progress-bar").value = running.progress_done || 0;
        show("gs-progress-text", `Syncing… ${running.progress_done || 0} / ${running.progress_total || "?"} profiles`);
        setTimeout(poll, 1500);
      } else if (last && last.id > lastRun && last.status !== "running") {
        progress.hidden = true;
        // The page reloads with the run in the table; the answer stays beside the buttons.
        const box = $(last.status === "failed" ? "gs-sync-error" : "gs-sync-status");
        window.patt.sayAfterReload(box, `Last run: ${last.status.replace("_", " ")} · ${last.found ?? 0} found, ` +
          `${last.new ?? 0} new, ${last.removed ?? 0} removed, ${last.requests ?? 0} requests.`);
      } else if (++waits < MAX_WAITS) {
        show("gs-progress-text", "Waiting for the sync to start…");
        setTimeout(poll, 1500);
      } else {
        progress.hidden = true;
        show("gs-sync-error", "The sync has not started. Is the job worker running? Reload to check again.");
        document.querySelectorAll(".js-sync").forEach((b) => { b.disabled = false; });
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
    } else if (button.classList.contains("js-key-copy")) {
      // Feedback beside the button: copied, or how to copy by hand where the clipboard is refused.
      try {
        await navigator.clipboard.writeText($("gs-key-value").textContent);
        show("gs-key-copied", "Copied.");
      } catch (error) {
        window.getSelection().selectAllChildren($("gs-key-value"));
        show("gs-key-copied", "Selected: press Ctrl+C (or long-press and Copy) to copy it.");
      }
    } else if (button.classList.contains("js-key-revoke")) {
      // Feedback in the key's own row, next to the button that was pressed.
      const row = button.closest("tr[data-key]");
      const note = row.querySelector(".gs-key-note");
      if (!window.confirm("Revoke this key? Its companion app will stop uploading.")) return;
      note.textContent = "";
      note.className = "gs-key-note";
      button.disabled = true;
      try {
        await window.patt.api("DELETE", `/api/v1/admin/guild-sync/api-keys/${row.dataset.key}`);
        row.querySelector(".gs-key-status").textContent = "revoked";
        button.remove();
        note.setAttribute("role", "status");
        note.textContent = "Revoked.";
      } catch (error) {
        button.disabled = false;
        note.setAttribute("role", "alert");
        note.classList.add("gs-key-note-error");
        note.textContent = error.message;
      }
    }
  });

  // The key list again from the server after a change: the new key appears without a reload.
  function cell(text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    if (text instanceof Node) td.append(text); else td.textContent = text;
    return td;
  }
  function timeOrNever(iso) {
    if (!iso) { const span = document.createElement("span"); span.className = "muted"; span.textContent = "never"; return span; }
    const el = document.createElement("time");
    el.className = "js-time";
    el.setAttribute("datetime", iso);
    el.textContent = iso;
    return el;
  }
  async function refreshKeys() {
    const body = document.querySelector("#gs-key-table tbody");
    if (!body) return;
    const keys = await window.patt.api("GET", "/api/v1/admin/guild-sync/api-keys");
    const rows = keys.map((key) => {
      const tr = document.createElement("tr");
      tr.dataset.key = key.id;
      const actions = cell("");
      if (key.active && key.revocable) {
        const revoke = document.createElement("button");
        revoke.className = "button small danger js-key-revoke";
        revoke.type = "button";
        revoke.textContent = "Revoke";
        actions.append(revoke);
      }
      const note = document.createElement("span");
      note.className = "gs-key-note";
      actions.append(note);
      tr.append(cell(key.name), cell(`${key.key_prefix}…`, "mono small"), cell(key.owner || "operator"),
        cell(timeOrNever(key.created_at), "small"), cell(timeOrNever(key.last_used_at), "small"),
        cell(key.active ? "active" : "revoked", "gs-key-status"), actions);
      return tr;
    });
    if (rows.length) body.replaceChildren(...rows);
    humanTimes();
  }

  const form = $("gs-key-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      show("gs-key-error", "");
      try {
        const created = await window.patt.api("POST", "/api/v1/admin/guild-sync/api-keys", { name: form.elements.name.value.trim() });
        $("gs-key-value").textContent = created.key;
        show("gs-key-copied", "");
        $("gs-key-secret").hidden = false;
        form.reset();
        await refreshKeys();
      } catch (error) {
        show("gs-key-error", error.message);
      }
    });
  }
})();
