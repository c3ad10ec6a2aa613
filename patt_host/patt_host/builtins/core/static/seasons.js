// The officers' seasons page: flags saved as they change, a new season added; feedback beside each.
(function () {
  "use strict";
  const send = (...args) => window.patt.send(...args); // core app.js
  document.querySelectorAll(".js-season-flag").forEach((box) => {
    box.addEventListener("change", async () => {
      const row = box.closest("tr");
      box.disabled = true;
      const ok = await send(row.querySelector("[role=status]"), "PATCH", `/api/v1/admin/seasons/${row.dataset.id}`, { [box.dataset.field]: box.checked });
      if (!ok) box.checked = !box.checked;
      box.disabled = false;
    });
  });
  const form = document.getElementById("season-new");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = form.elements;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true; // one season per click
    const box = form.querySelector("[role=status]");
    const added = (season) => `Added ${season.display_name}.`;
    const season = await send(box, "POST", "/api/v1/admin/seasons", {
      expansion_name: f.expansion_name.value.trim(),
      season_number: Number(f.season_number.value),
      start_date: f.start_date.value,
      is_new_expansion: f.is_new_expansion.checked,
    }, added);
    // The page reloads with the season in the table; the answer stays under the button.
    if (season) window.patt.sayAfterReload(box, added(season), { at: "#season-new [role=status]" });
    else button.disabled = false;
  });
})();
