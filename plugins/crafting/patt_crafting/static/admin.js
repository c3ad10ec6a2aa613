// Officers' crafting page: force refresh, override, channel; feedback beside each action.
(function () {
  "use strict";
  // The page's shared helpers (patt_host core app.js), looked up when called.
  const say = (...args) => window.patt.say(...args);
  const send = (...args) => window.patt.send(...args);
  const sync = document.querySelector(".js-craft-sync");
  if (sync) {
    sync.addEventListener("click", async () => {
      sync.disabled = true;
      await send(document.getElementById("craft-sync-feedback"), "POST", "/api/v1/crafting/admin/sync", {}, "Started: reload in a minute to see the run.");
      sync.disabled = false;
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
