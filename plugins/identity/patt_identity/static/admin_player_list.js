// Player Manager lists: the players' table (create, select, set rank in bulk) and the unlinked
// characters' tab (link through a searchable picker, apply suggestions in bulk, remove a stray
// character). Every answer is shown next to the control that asked.
(function () {
  "use strict";
  const api = (method, url, body) => window.patt.api(method, url, body);

  function say(box, text, kind) {
    box.textContent = text;
    box.className = "pm-status small " + (kind || "");
  }
  const statusOf = (scope) => scope.querySelector(".pm-status");
  async function attempt(box, work, done) {
    say(box, "Saving…");
    try {
      const data = await work();
      say(box, typeof done === "function" ? done(data) : done, "ok");
      return data;
    } catch (error) {
      say(box, error.message, "danger");
      return undefined;
    }
  }
  // Accent- and case-blind comparison keys, as the server's name keys are.
  const key = (text) => (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();

  const selectAll = document.getElementById("pm-select-all");
  const selected = () => Array.from(document.querySelectorAll(".pm-select:checked"));
  if (selectAll) {
    selectAll.addEventListener("change", () => {
      document.querySelectorAll(".pm-select:not(:disabled)").forEach((box) => { box.checked = selectAll.checked; });
    });
  }

  const create = document.getElementById("pm-create");
  if (create) {
    create.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = create.elements.display_name.value.trim();
      if (!name) return;
      const made = await attempt(statusOf(create), () => api("POST", "/api/v1/admin/players", { display_name: name }),
        (d) => `Created ${d.display_name}.`);
      if (made) window.location.assign(`/admin/players/${made.id}`);
    });
  }

  const bulkRank = document.getElementById("pm-bulk-rank");
  if (bulkRank) {
    bulkRank.addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = statusOf(bulkRank);
      const ids = selected().map((input) => Number(input.value));
      if (!ids.length) { say(box, "Select players in the table first.", "danger"); return; }
      const value = bulkRank.elements.rank.value;
      const done = await attempt(box,
        () => api("POST", "/api/v1/admin/players/rank", { player_ids: ids, rank_override_id: value === "" ? null : Number(value) }),
        (d) => `Rank set for ${d.players.length} player${d.players.length === 1 ? "" : "s"}.`);
      if (!done) return;
      for (const player of done.players) {
        const row = document.querySelector(`.pm-row[data-player="${player.id}"]`);
        if (!row) continue;
        const cell = row.querySelector(".pm-rank-cell");
        cell.textContent = player.rank_name || "—";
        if (player.rank_override_id) {
          const note = document.createElement("span");
          note.className = "muted small"; note.textContent = " (override)";
          cell.append(note);
        }
        row.querySelector(".pm-select").checked = false;
      }
      if (selectAll) selectAll.checked = false;
    });
  }

  // --- unlinked characters ----------------------------------------------------------------
  const unlinked = document.getElementById("pm-unlinked");
  if (!unlinked) return;

  function markLinked(row, text) {
    row.classList.add("linked");
    row.querySelectorAll("button, input").forEach((el) => { el.disabled = true; });
    const box = statusOf(row);
    say(box, text, "ok");
  }

  const bulkApply = document.getElementById("pm-bulk-apply");
  bulkApply.addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = statusOf(bulkApply);
    const ids = selected().map((input) => Number(input.value));
    if (!ids.length) { say(box, "Select suggestions in the table first.", "danger"); return; }
    const done = await attempt(box, () => api("POST", "/api/v1/admin/matching/suggestions/apply", { suggestion_ids: ids }),
      (d) => `Applied ${d.applied.length} of ${ids.length}` + (d.errors.length ? `; ${d.errors.length} not applied (see their rows).` : "."));
    if (!done) return;
    for (const item of done.applied) {
      const row = unlinked.querySelector(`.pm-row[data-character="${item.character_id}"]`);
      if (row) markLinked(row, `Linked to ${item.player_name}.`);
    }
    for (const error of done.errors) {
      const input = unlinked.querySelector(`.pm-select[value="${error.suggestion_id}"]`);
      if (input) say(statusOf(input.closest(".pm-row")), error.message, "danger");
    }
    if (selectAll) selectAll.checked = false;
  });

  // The picker: every active player with their main, searched as the officer types.
  const players = JSON.parse(document.getElementById("pm-player-data").textContent)
    .map(([id, name, main]) => ({ id, name, main, keys: key(name) + " " + key(main) }));
  const picker = document.getElementById("pm-picker");
  const search = document.getElementById("pm-picker-search");
  const results = document.getElementById("pm-picker-results");
  const empty = document.getElementById("pm-picker-empty");
  let pickingRow = null;

  function showMatches() {
    const wanted = key(search.value);
    const found = players.filter((p) => !wanted || p.keys.includes(wanted)).slice(0, 12);
    results.replaceChildren(...found.map((p) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button"; button.className = "button small secondary pm-choice"; button.dataset.player = p.id;
      button.textContent = p.name;
      if (p.main && key(p.main) !== key(p.name)) {
        const main = document.createElement("span");
        main.className = "muted small"; main.textContent = ` main: ${p.main}`;
        button.append(main);
      }
      item.append(button);
      return item;
    }));
    empty.hidden = found.length > 0;
  }
  search.addEventListener("input", showMatches);

  // A guild note usually names its player first ("Rocket's DH"): start the search there.
  const noteKey = (note) => ((note || "").split(/\s+/)[0] || "").split(/[-/]/)[0].replace(/['’]s$/i, "").replace(/[^\p{L}\p{N}]/gu, "");

  unlinked.addEventListener("click", async (event) => {
    const row = event.target.closest(".pm-row");
    if (!row) return;
    if (event.target.closest(".pm-pick")) {
      pickingRow = row;
      document.getElementById("pm-picker-name").textContent = row.dataset.name;
      const hint = noteKey(row.dataset.note);
      search.value = hint && players.some((p) => p.keys.includes(key(hint))) ? hint : "";
      showMatches();
      picker.showModal();
      search.focus();
    } else if (event.target.closest(".pm-remove")) {
      document.getElementById("pm-confirm-text").textContent =
        `Remove ${row.dataset.name}? Do this for a character no longer in the guild (or a stray upload): it disappears from these lists and its pending suggestions go. A roster sync that still finds it in the guild brings it back.`;
      const dialog = document.getElementById("pm-confirm");
      dialog.returnValue = "";
      dialog.showModal();
      const answer = await new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue), { once: true }));
      const box = statusOf(row);
      if (answer !== "yes") { say(box, "Not removed."); return; }
      if (await attempt(box, () => api("DELETE", `/api/v1/admin/characters/${row.dataset.character}`), "Removed.")) {
        row.classList.add("linked");
        row.querySelectorAll("button, input").forEach((el) => { el.disabled = true; });
      }
    }
  });

  results.addEventListener("click", async (event) => {
    const choice = event.target.closest(".pm-choice");
    if (!choice || !pickingRow) return;
    const row = pickingRow;
    const player = players.find((p) => p.id === Number(choice.dataset.player));
    picker.close("picked");
    const box = statusOf(row);
    if (await attempt(box, () => api("PUT", `/api/v1/admin/characters/${row.dataset.character}/player`, { player_id: player.id }),
      `Linked to ${player.name}.`)) {
      markLinked(row, `Linked to ${player.name}.`);
    }
  });
})();
