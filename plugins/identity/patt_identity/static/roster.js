// Roster table: instant search and click-to-sort headers (the page works without it).
(function () {
  "use strict";
  const table = document.getElementById("roster-table");
  if (!table) return;
  const body = table.tBodies[0];
  // The players' rows (not the "nobody has a main yet" row).
  const rows = Array.from(body.rows).filter((row) => !row.classList.contains("roster-none"));
  const texts = rows.map((row) => row.textContent.toLowerCase());
  const search = document.getElementById("roster-search");
  const count = document.getElementById("roster-count");
  const noMatch = document.getElementById("roster-no-match");
  if (search) {
    search.addEventListener("input", () => {
      const typed = search.value.trim();
      const needle = typed.toLowerCase();
      let shown = 0;
      rows.forEach((row, i) => {
        const visible = !needle || texts[i].includes(needle);
        row.hidden = !visible;
        if (visible) shown += 1;
      });
      if (count) count.textContent = `${shown} player${shown === 1 ? "" : "s"}`;
      // A search that hides every row says so, instead of leaving a bare table header.
      if (noMatch) {
        noMatch.hidden = !(needle && rows.length && shown === 0);
        noMatch.textContent = `No player matches “${typed}”. Search by name, class, spec or rank.`;
      }
    });
  }
  // Page-level "Show alts": opens or closes every row's <details> (each also works alone, without JS).
  const toggleAlts = document.getElementById("roster-toggle-alts");
  if (toggleAlts) {
    toggleAlts.hidden = false;
    toggleAlts.addEventListener("click", () => {
      const open = toggleAlts.getAttribute("aria-pressed") !== "true";
      table.querySelectorAll("details.roster-alts").forEach((details) => { details.open = open; });
      toggleAlts.setAttribute("aria-pressed", String(open));
      toggleAlts.textContent = open ? "Hide alts" : "Show alts";
    });
  }
  table.tHead.querySelectorAll("th[data-sort]").forEach((th, column) => {
    th.tabIndex = 0;
    th.classList.add("sortable");
    let ascending = th.dataset.sort === "text";
    const sort = () => {
      const numeric = th.dataset.sort === "num";
      const key = (row) => {
        const cell = row.cells[column];
        // A cell's data-value (e.g. the main's name, without its alts list) wins over its text.
        if (!numeric) return (cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent).trim().toLowerCase();
        return Number(cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent) || 0;
      };
      const sorted = rows.slice().sort((a, b) => {
        const x = key(a), y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      sorted.forEach((row) => body.appendChild(row));
      table.tHead.querySelectorAll("th").forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      ascending = !ascending;
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
})();
