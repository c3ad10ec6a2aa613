// Player Manager: the current season's raid attendance beside each player (data from the
// raids plugin's JSON island on the page).
(function () {
  "use strict";
  const island = document.getElementById("raids-pm-attendance");
  if (!island) return;
  const data = JSON.parse(island.textContent);
  document.querySelectorAll(".pm-player[data-player]").forEach((row) => {
    const totals = data.players[row.dataset.player];
    const place = row.querySelector(".pm-account") || row;
    const span = document.createElement("span");
    span.className = "raids-pm small muted";
    span.dataset.raidsAttendance = row.dataset.player;
    const season = data.season ? ` (${data.season})` : "";
    span.textContent = totals
      ? `Raids${season}: attended ${totals.attended}/${totals.marked} (${totals.pct}%), noted absences ${totals.noted_absence}`
      : `Raids${season}: no attendance recorded`;
    place.appendChild(span);
  });
})();
