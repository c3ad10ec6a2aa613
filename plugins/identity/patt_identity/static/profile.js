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
})();
