// Profile: offer only the specs of the chosen character's class (the server checks too).
(function () {
  "use strict";
  function filterSpecs(characterSelect) {
    const specSelect = document.getElementById(characterSelect.dataset.specSelect);
    if (!specSelect) return;
    const chosen = characterSelect.selectedOptions[0];
    const classId = chosen ? chosen.dataset.class : "";
    for (const option of specSelect.options) {
      if (!option.value) continue;
      const fits = Boolean(classId) && option.dataset.class === classId;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) specSelect.value = "";
    }
  }
  document.querySelectorAll(".js-character").forEach((select) => {
    filterSpecs(select);
    select.addEventListener("change", () => filterSpecs(select));
  });

  // Timezone: the searchable list (the server checks the name too); what time it is there
  // now beside the field, and the device's own zone one click away.
  const zone = document.getElementById("profile-timezone");
  if (zone) {
    const offsets = new Map(Array.from(document.querySelectorAll("#timezones option"), (o) => [o.value.toLowerCase(), [o.value, o.textContent]]));
    const hint = document.querySelector(".js-tz-now");
    const device = document.querySelector(".js-tz-device");
    const show = () => {
      const found = offsets.get(zone.value.trim().toLowerCase());
      if (!zone.value.trim()) { hint.textContent = ""; return; }
      if (!found) { hint.textContent = "Not a timezone on the list yet: keep typing and pick one."; hint.className = "js-tz-now warn"; return; }
      const time = new Intl.DateTimeFormat(undefined, { timeZone: found[0], hour: "2-digit", minute: "2-digit" }).format(new Date());
      hint.textContent = `It is ${time} in ${found[0]} now (${found[1]}).`;
      hint.className = "js-tz-now muted";
    };
    let mine = "";
    try { mine = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { mine = ""; }
    if (mine && offsets.has(mine.toLowerCase())) {
      device.hidden = false;
      device.textContent = `Use this device's timezone (${mine})`;
      device.addEventListener("click", () => { zone.value = offsets.get(mine.toLowerCase())[0]; show(); zone.focus(); });
    }
    zone.addEventListener("input", show);
    show();
  }
})();
