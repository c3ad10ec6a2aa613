// Officers' crafting page: force refresh, override, channel; feedback beside each action.
(function () {
  "use strict";
  // The page's shared helpers (patt_host core app.js), looked up when called.
  const say = (...args) => window.patt.say(...args);
  const send = (...args) => window.patt.send(...args);
  // Force refresh: start the sync, then follow its run (a new row in the history) until it
  // ends, for at most POLL_LIMIT seconds, and say what it did; the facts and the history then
  // show it too. A demo guild takes a second or two, a large real guild a minute or more.
  const sync = document.querySelector(".js-craft-sync");
  const POLL_MS = 1000;
  const POLL_LIMIT = 120;
  const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
  function outcome(run) {
    const counts = `${run.characters} characters (${run.not_modified} unchanged), ${run.failures} failed, `
      + `character–recipe pairs +${run.recipes_added} / −${run.recipes_removed}`;
    const took = run.duration_seconds ? ` in ${run.duration_seconds.toFixed(1)} s` : "";
    if (run.status === "failed") return [`The sync failed${took}: ${run.error_message || counts}.`, true];
    if (run.status === "partial") return [`Done with failures${took}: ${counts}.`, true];
    return [`Done${took}: ${counts}.`, false];
  }
  async function follow(box, after) {
    for (let second = 0; second < POLL_LIMIT; second += POLL_MS / 1000) {
      await pause(POLL_MS);
      const run = (await window.patt.api("GET", "/api/v1/crafting/admin/status")).runs[0];
      if (!run || run.id <= after) {
        say(box, "Queued: waiting for the sync to start…");
      } else if (run.status === "running") {
        say(box, run.progress_total ? `Running: ${run.progress_done} of ${run.progress_total} characters…` : "Running…");
      } else {
        sync.dataset.lastRun = run.id;
        say(box, ...outcome(run));
        await window.patt.reloadParts("craft-facts", "craft-admin-runs");
        return;
      }
    }
    say(box, "Still not finished: the sync goes on, and its run appears in the Sync history below when it ends.");
  }
  if (sync) {
    sync.addEventListener("click", async () => {
      const box = document.getElementById("craft-sync-feedback");
      sync.disabled = true;
      try {
        if (await send(box, "POST", "/api/v1/crafting/admin/sync", {}, "Started…") !== null) {
          await follow(box, Number(sync.dataset.lastRun || 0));
        }
      } catch (error) {
        say(box, error.message, true);
      } finally {
        sync.disabled = false;
      }
    });
  }
  const override = document.getElementById("craft-override");
  override.addEventListener("submit", (event) => {
    event.preventDefault();
    const until = override.elements.until.value || null;
    send(override.querySelector(".craft-feedback"), "PATCH", "/api/v1/crafting/admin/config", { cadence_override_until: until });
  });
  override.querySelector(".js-clear-override").addEventListener("click", () => {
    override.elements.until.value = "";
    send(override.querySelector(".craft-feedback"), "PATCH", "/api/v1/crafting/admin/config", { cadence_override_until: null }, "Override ended.");
  });
  const channel = document.getElementById("craft-channel");
  channel.addEventListener("submit", (event) => {
    event.preventDefault();
    send(channel.querySelector(".craft-feedback"), "PATCH", "/api/v1/crafting/admin/config", { crafters_corner_channel_id: channel.elements.channel.value || null });
  });
})();
