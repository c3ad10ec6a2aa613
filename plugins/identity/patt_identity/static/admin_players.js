// Player Manager: every control calls the officers' JSON API, then reloads the page.
(function () {
  "use strict";
  const errorBox = document.getElementById("pm-error");
  const statusBox = document.getElementById("pm-status");
  function show(box, text) { box.textContent = text; box.hidden = !text; }
  async function call(method, url, body, message) {
    show(errorBox, ""); show(statusBox, "");
    try {
      const data = await window.patt.api(method, url, body);
      if (message) show(statusBox, typeof message === "function" ? message(data) : message);
      return data;
    } catch (error) {
      show(errorBox, error.message);
      throw error;
    }
  }
  const reload = () => setTimeout(() => window.location.reload(), 600);
  const idOrNull = (value) => (value === "" ? null : Number(value));

  document.getElementById("pm-create").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = event.target.elements.display_name.value.trim();
    if (!name) return;
    await call("POST", "/api/v1/admin/players", { display_name: name }, `Created ${name}.`);
    reload();
  });

  document.getElementById("pm-players").addEventListener("click", async (event) => {
    const row = event.target.closest("tr[data-player]");
    if (!row) return;
    const id = row.dataset.player;
    if (event.target.closest(".pm-save")) {
      await call("PATCH", `/api/v1/admin/players/${id}`, {
        display_name: row.querySelector(".pm-name").value.trim(),
        rank_override_id: idOrNull(row.querySelector(".pm-rank").value),
      });
      await call("PUT", `/api/v1/admin/players/${id}/discord`, {
        discord_user_id: idOrNull(row.querySelector(".pm-discord").value),
      }, "Saved.");
      reload();
    } else if (event.target.closest(".pm-active")) {
      const active = event.target.closest(".pm-active").dataset.active === "true";
      await call("PATCH", `/api/v1/admin/players/${id}`, { is_active: active }, active ? "Reactivated." : "Deactivated.");
      reload();
    } else if (event.target.closest(".pm-invite")) {
      const data = await call("POST", `/api/v1/admin/players/${id}/invite`, undefined,
        (d) => `Invite code ${d.code} (expires ${d.expires_at}). ${d.dm_sent ? "Sent by Discord DM." : "Not sent by DM: " + d.reason + " Share it yourself: " + d.register_url}`);
      event.target.closest(".pm-invite").replaceWith(Object.assign(document.createElement("span"), { className: "mono", textContent: data.code }));
    }
  });

  document.getElementById("pm-characters").addEventListener("change", async (event) => {
    const select = event.target.closest(".pm-owner");
    if (!select) return;
    const row = select.closest("tr[data-character]");
    await call("PUT", `/api/v1/admin/characters/${row.dataset.character}/player`, { player_id: idOrNull(select.value) }, "Character link saved.");
    row.dataset.linked = select.value ? "yes" : "no";
  });

  const filter = document.getElementById("pm-filter");
  const unlinked = document.getElementById("pm-unlinked");
  function applyFilter() {
    const needle = filter.value.trim().toLowerCase();
    document.querySelectorAll(".pm-table tbody tr").forEach((row) => {
      const matches = !needle || (row.dataset.search || "").includes(needle);
      const linkOk = !unlinked.checked || row.dataset.linked !== "yes";
      row.hidden = !(matches && linkOk);
    });
  }
  filter.addEventListener("input", applyFilter);
  unlinked.addEventListener("change", applyFilter);
})();
