// Ranks, roles, invites and matching pages: buttons call the officers' JSON API.
(function () {
  "use strict";
  const errorBox = document.getElementById("ref-error");
  const statusBox = document.getElementById("ref-status");
  // The page's answer box, brought on screen when the button is far below it (core app.js say).
  function show(box, text) {
    if (!box) return;
    box.hidden = !text;
    window.patt.say(box, text);
  }
  // One request per click: the button stays disabled while it runs (and after a success that
  // reloads the page). A row's answer goes in the row, beside its buttons (`rowBox`); without
  // one the page's boxes say what happened.
  async function call(method, url, body, button, keepDisabled, rowBox) {
    if (rowBox) window.patt.say(rowBox, "Saving…");
    else { show(errorBox, ""); show(statusBox, ""); }
    if (button) button.disabled = true;
    try {
      const data = await window.patt.api(method, url, body);
      if (button && !keepDisabled) button.disabled = false;
      return data;
    } catch (error) {
      if (rowBox) window.patt.say(rowBox, error.message, true);
      else show(errorBox, error.message);
      throw error;
    }
  }

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
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const rankRow = button.closest("tr[data-rank]");
    const rowBox = button.closest("tr") ? button.closest("tr").querySelector(".rank-status") : null;
    try {
      if (button.classList.contains("js-rank-save")) {
        const data = await call("PATCH", `/api/v1/admin/ranks/${rankRow.dataset.rank}`, rankBody(rankRow), button, false, rowBox);
        window.patt.say(rowBox, `Saved ${data.name}; ${plural(data.players_changed, "player's rank", "players' ranks")} changed.`);
      } else if (button.classList.contains("js-rank-create")) {
        const data = await call("POST", "/api/v1/admin/ranks", rankBody(rankRow), button, true, rowBox);
        // The page reloads with the rank in its place; the answer goes to the new rank's row.
        window.patt.sayAfterReload(rowBox, `Added ${data.name}.`, {
          at: `#ranks-table tr[data-rank="${CSS.escape(String(data.id))}"] .rank-status`,
          orElse: { at: "#ranks-status", text: `Added ${data.name}.` },
        });
      } else if (button.classList.contains("js-rank-delete")) {
        if (!window.confirm("Delete this rank?")) { window.patt.say(rowBox, "Not deleted."); return; }
        await call("DELETE", `/api/v1/admin/ranks/${rankRow.dataset.rank}`, undefined, button, true, rowBox);
        // Its row goes with the reload: the answer stays above the table.
        const name = rankRow.querySelector('[name="name"]').defaultValue;
        window.patt.sayAfterReload(rowBox, `Deleted ${name}.`, { at: "#ranks-status" });
      } else if (button.classList.contains("js-role-save")) {
        const row = button.closest("tr[data-role]");
        await call("PATCH", `/api/v1/admin/roles/${row.dataset.role}`, { name: row.querySelector("input").value.trim() }, button, false, rowBox);
        window.patt.say(rowBox, "Renamed.");
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
      } else if (button.classList.contains("js-suggestion")) {
        const row = button.closest("tr[data-suggestion]");
        await call("POST", `/api/v1/admin/matching/suggestions/${row.dataset.suggestion}/${button.dataset.action}`, undefined, button, true);
        row.remove();
      }
    } catch (error) {
      button.disabled = false;
    }
  });

  // "Run matching now", optionally for characters of one rank and above: the suggestions list
  // re-read from the page (no reload: the choice stays selected), then the answer beside the button.
  function runSummary(run) {
    const c = run.counts || {};
    if (run.status === "skipped") return "Another matching run is still going; try again in a moment.";
    if (run.status !== "succeeded") return "Matching failed; the job log (/admin/jobs) has the details.";
    const scope = `${c.characters ?? 0} unlinked character${c.characters === 1 ? "" : "s"} looked at`;
    return `Done: ${scope}; ${c.created ?? 0} new, ${c.refreshed ?? 0} refreshed, ${c.removed ?? 0} removed, ${c.pending ?? 0} pending.`;
  }
  const runForm = document.getElementById("matching-run");
  if (runForm) {
    runForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = runForm.querySelector("button[type=submit]");
      const note = document.getElementById("matching-run-status");
      const level = runForm.elements.min_rank_level.value;
      const url = "/api/v1/admin/matching/run" + (level ? `?min_rank_level=${encodeURIComponent(level)}` : "");
      button.disabled = true;
      window.patt.say(note, "Running…");
      try {
        const run = await window.patt.api("POST", url);
        let text = runSummary(run);
        let failed = run.status !== "succeeded";
        try {
          await window.patt.reloadParts("suggestions-panel");  // before the answer: the list below matches what it says
        } catch (error) {
          text += ` ${error.message}`;
          failed = true;
        }
        window.patt.say(note, text, failed, "danger");
      } catch (error) {
        window.patt.say(note, error.message, true, "danger");
      } finally {
        button.disabled = false;
      }
    });
  }
})();
