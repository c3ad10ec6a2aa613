// Player Manager: the current season's raid attendance beside each player on the page,
// fetched from the raids plugin's officers' API once the page (and app.js) has loaded.
document.addEventListener("DOMContentLoaded", () => {
  "use strict";
  // The list's table rows (name cell) and a player's own page (its account line).
  const rows = document.querySelectorAll(".pm-row[data-player], .pm-player[data-player]");
  if (!rows.length) return;
  window.patt.api("GET", "/api/v1/admin/raids/attendance").then((data) => {
    const season = data.season ? ` (${data.season})` : "";
    rows.forEach((row) => {
      const totals = data.players[row.dataset.player];
      const span = document.createElement("span");
      span.className = "raids-pm small muted";
      span.dataset.raidsAttendance = row.dataset.player;
      const sentence = totals
        ? `Raids${season}: attended ${totals.attended}/${totals.marked} (${totals.pct}%), noted absences ${totals.noted_absence}`
        : `Raids${season}: no attendance recorded`;
      if (row.classList.contains("pm-row")) {
        // One short word group beside the name, so the list keeps one line per player.
        span.textContent = totals ? ` · attended ${totals.attended}/${totals.marked}` : " · no raids";
        span.title = sentence;
        span.style.whiteSpace = "nowrap";
      } else {
        span.textContent = sentence;
        span.style.display = "block";
      }
      (row.querySelector("td[data-label=Player], .pm-account") || row).appendChild(span);
    });
  }).catch(() => { /* the Player Manager works without it */ });
});
