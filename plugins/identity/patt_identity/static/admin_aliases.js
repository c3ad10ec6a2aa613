// Note aliases: add one for a player picked from the list, remove one; answers beside each control.
(function () {
  "use strict";
  const api = (method, url, body) => window.patt.api(method, url, body);
  function say(box, text, kind) { box.textContent = text; box.className = "pm-status small " + (kind || ""); }

  const form = document.getElementById("alias-add");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = form.querySelector(".pm-status");
    const match = /#(\d+)\s*$/.exec(form.elements.player.value);
    if (!match) { say(box, "Pick a player from the list.", "danger"); form.elements.player.focus(); return; }
    say(box, "Saving…");
    try {
      const made = await api("POST", "/api/v1/admin/matching/aliases", { player_id: Number(match[1]), alias: form.elements.alias.value.trim() });
      say(box, `“${made.alias}” now means ${made.player_name}.`, "ok");
      form.elements.alias.value = "";
    } catch (error) {
      say(box, error.message, "danger");
    }
  });

  document.getElementById("alias-table").addEventListener("click", async (event) => {
    const button = event.target.closest(".alias-remove");
    if (!button) return;
    const row = button.closest("tr");
    const box = row.querySelector(".pm-status");
    say(box, "Removing…");
    try {
      await api("DELETE", `/api/v1/admin/matching/aliases/${row.dataset.alias}`);
      say(box, "Removed.", "ok");
      button.disabled = true;
      row.classList.add("linked");
    } catch (error) {
      say(box, error.message, "danger");
    }
  });
})();
