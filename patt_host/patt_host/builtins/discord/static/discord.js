// Discord admin pages: settings form, dry run, notification retry and flush.
(function () {
  "use strict";
  // The answer beside an action, red when it failed (core app.js patt.say).
  const say = (id, text, failed) => window.patt.say(document.getElementById(id), text, failed, "danger");

  const form = document.getElementById("discord-config");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const features = {};
      form.querySelectorAll('input[name="dm_feature"]').forEach((box) => { features[box.value] = box.checked; });
      const interval = parseInt(data.get("role_sync_interval_hours"), 10);
      const body = {
        guild_discord_id: data.get("guild_discord_id") || null,
        role_sync_mode: data.get("role_sync_mode"),
        role_sync_interval_hours: Number.isNaN(interval) ? null : interval,
        default_announcement_channel_id: data.get("default_announcement_channel_id") || null,
        audit_channel_id: data.get("audit_channel_id") || null,
        bot_dm_enabled: form.querySelector('input[name="bot_dm_enabled"]').checked,
        dm_features: features,
      };
      // One save per click; the answer (red when refused) under the button.
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      say("config-result", "Saving…");
      try {
        const saved = await window.patt.api("PATCH", "/api/v1/discord/config", body);
        say("config-result", "Saved.");
        // "Run role sync now" only does something once a direction is chosen.
        const off = saved.role_sync_mode === "off";
        const run = document.getElementById("run-role-sync");
        if (run && !document.getElementById("bot-off")) run.disabled = off;
        const hint = document.getElementById("role-sync-off");
        if (hint) hint.hidden = !off;
      } catch (error) {
        say("config-result", error.message, true);
      } finally {
        button.disabled = false;
      }
    });
  }

  const dryRun = document.getElementById("dry-run");
  if (dryRun) {
    dryRun.addEventListener("click", async () => {
      dryRun.disabled = true;
      say("dry-run-result", "Computing the plan…");
      try {
        const run = await window.patt.api("POST", "/api/v1/discord/role-sync/dry-run", {});
        // The page reloads with the plan under "Last run"; the answer stays beside the button.
        window.patt.sayAfterReload(document.getElementById("dry-run-result"), `${run.planned} change(s) planned; nothing was sent.`);
      } catch (error) {
        say("dry-run-result", error.message, true);
        dryRun.disabled = false;
      }
    });
  }

  // Retry a notification: the answer beside the button, in the row again after the reload
  // (or beside "Send pending now" when a status filter no longer lists the row).
  document.addEventListener("click", async (event) => {
    const button = event.target.closest(".js-retry");
    if (!button) return;
    const id = button.dataset.id;
    const note = button.closest("tr").querySelector(".js-retry-status");
    button.disabled = true;
    window.patt.say(note, "Queueing…");
    try {
      await window.patt.api("POST", `/api/v1/notifications/${encodeURIComponent(id)}/retry`, {});
      window.patt.sayAfterReload(note, "Queued for another try.", {
        at: `#outbox tr[data-id="${CSS.escape(id)}"] .js-retry-status`,
        orElse: { at: "#flush-result", text: `Notification #${id} is queued for another try.` },
      });
    } catch (error) {
      window.patt.say(note, error.message, true, "danger");
      button.disabled = false;
    }
  });

  // "Send pending now": the delivery run's counts beside the button, then the table and the
  // counts above it as they are now.
  function flushed(run) {
    if (run.status === "skipped") return ["Another delivery run is sending right now; the table shows its progress.", false];
    if (run.status === "failed") return [`The delivery run failed: ${run.error || "see Jobs"}.`, true];
    if (run.unreachable) return ["Discord could not be reached; the messages stay queued.", true];
    const total = run.sent + run.failed + run.retrying + run.skipped;
    if (!total) return ["Nothing was waiting to be sent.", false];
    let text = `Sent ${run.sent}, failed ${run.failed}`;
    if (run.retrying) text += `, ${run.retrying} to retry later`;
    if (run.skipped) text += `, ${run.skipped} skipped`;
    return [`${text}.`, Boolean(run.failed)];
  }
  // A run still sending when the request answered (a paced backlog) is followed for as long
  // as the delivery job may run (its timeout, 600 s, at a poll a second).
  const FOLLOW_POLLS = 600;
  const sentCount = () => {
    const link = document.querySelector('#outbox-counts [data-status="sent"]');
    return link ? Number(link.dataset.count) || 0 : 0;
  };
  const countsOf = (run) => {
    const counts = run.counts || {};
    const keys = ["sent", "failed", "retrying", "skipped", "unreachable"];
    return { status: run.status, error: run.error, ...Object.fromEntries(keys.map((k) => [k, Number(counts[k]) || 0])) };
  };
  const flush = document.getElementById("flush");
  if (flush) {
    flush.addEventListener("click", async () => {
      flush.disabled = true;
      say("flush-result", "Sending…");
      try {
        // "N sent so far" counts from the outbox as it is now (the page may be old).
        await window.patt.reloadParts("outbox-counts");
        const before = sentCount();
        let run = await window.patt.api("POST", "/api/v1/notifications/flush", {});
        if (run.status === "running") {
          say("flush-result", "Still sending (Discord paces the messages)…");
          // The outbox counts beside the button move as it goes; no other run sends meanwhile.
          const ended = run.job_run_id && await window.patt.followRun({ id: run.job_run_id, polls: FOLLOW_POLLS }, async (seen) => {
            if (seen.status !== "running") return;
            await window.patt.reloadParts("outbox-counts");
            say("flush-result", `Sending… ${Math.max(sentCount() - before, 0)} sent so far.`);
          });
          if (!ended) {
            await window.patt.reloadParts("outbox-counts", "outbox");
            say("flush-result", "Still sending; Jobs shows the delivery run when it ends.");
            return;
          }
          run = countsOf(ended);
        }
        await window.patt.reloadParts("outbox-counts", "outbox");
        say("flush-result", ...flushed(run));
      } catch (error) {
        say("flush-result", error.message, true);
      } finally {
        flush.disabled = false;
      }
    });
  }
})();
