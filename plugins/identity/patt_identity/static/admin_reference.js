// Ranks, roles, invites and matching pages: buttons call the officers' JSON API.
(function () {
  "use strict";
  const errorBox = document.getElementById("ref-error");
  const statusBox = document.getElementById("ref-status");
  function show(box, text) { if (box) { box.textContent = text; box.hidden = !text; } }
  async function call(method, url, body) {
    show(errorBox, ""); show(statusBox, "");
    try {
      return await window.patt.api(method, url, body);
    } catch (error) {
      show(errorBox, error.message);
      throw error;
    }
  }
  const reload = () => setTimeout(() => window.location.reload(), 600);

  function rankBody(row) {
    const value = (name) => row.querySelector(`[name="${name}"]`).value.trim();
    const number = (name) => (value(name) === "" ? null : Number(value(name)));
    return {
      name: value("name"),
      level: number("level"),
      description: value("description") || null,
      wow_rank_index: number("wow_rank_index"),
      discord_role_id: value("discord_role_id") || null,
      scheduling_weight: number("scheduling_weight") ?? 0,
    };
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const rankRow = button.closest("tr[data-rank]");
    try {
      if (button.classList.contains("js-rank-save")) {
        const data = await call("PATCH", `/api/v1/admin/ranks/${rankRow.dataset.rank}`, rankBody(rankRow));
        show(statusBox, `Saved ${data.name}; ${data.players_changed} player rank(s) changed.`);
      } else if (button.classList.contains("js-rank-create")) {
        await call("POST", "/api/v1/admin/ranks", rankBody(rankRow));
        reload();
      } else if (button.classList.contains("js-rank-delete")) {
        if (!window.confirm("Delete this rank?")) return;
        await call("DELETE", `/api/v1/admin/ranks/${rankRow.dataset.rank}`);
        reload();
      } else if (button.classList.contains("js-role-save")) {
        const row = button.closest("tr[data-role]");
        await call("PATCH", `/api/v1/admin/roles/${row.dataset.role}`, { name: row.querySelector("input").value.trim() });
        show(statusBox, "Role renamed.");
      } else if (button.classList.contains("js-invite-revoke")) {
        // Two steps, both answered in the row: the first click asks, the second revokes.
        const row = button.closest("tr[data-invite]");
        const note = row.querySelector(".invite-note");
        if (!button.dataset.armed) {
          button.dataset.armed = "1";
          button.textContent = "Confirm revoke";
          note.textContent = "The code will stop working. Click again to revoke, or Esc to keep it.";
          const stop = () => {
            document.removeEventListener("keydown", disarm); document.removeEventListener("click", disarm);
          };
          const disarm = (e) => {
            if (!button.isConnected || !button.dataset.armed) return stop();  // revoked or re-armed meanwhile
            if (e.type === "keydown" && e.key !== "Escape") return;
            if (e.type === "click" && row.contains(e.target)) return;  // the arming click and the confirm
            delete button.dataset.armed; button.textContent = "Revoke"; note.textContent = "Kept.";
            stop();
          };
          // Attached now (not after a tick): an Esc pressed right after the click must keep the code.
          document.addEventListener("keydown", disarm); document.addEventListener("click", disarm);
          return;
        }
        button.disabled = true;
        try {
          await window.patt.api("DELETE", `/api/v1/admin/invites/${row.dataset.invite}`);
        } catch (error) {
          note.textContent = error.message; note.className = "invite-note small danger"; button.disabled = false;
          return;
        }
        row.querySelector("[class^=status-]").textContent = "revoked";
        note.textContent = "Revoked: the code no longer works."; note.className = "invite-note small ok";
        button.remove();
      } else if (button.classList.contains("js-matching-run")) {
        button.disabled = true;
        const run = await call("POST", "/api/v1/admin/matching/run");
        show(statusBox, `Matching ${run.status}: ${Object.entries(run.counts).map(([k, v]) => `${k} ${v}`).join(", ")}`);
        reload();
      } else if (button.classList.contains("js-suggestion")) {
        const row = button.closest("tr[data-suggestion]");
        await call("POST", `/api/v1/admin/matching/suggestions/${row.dataset.suggestion}/${button.dataset.action}`);
        row.remove();
      }
    } catch (error) {
      button.disabled = false;
    }
  });
})();
