// Officers add and delete quotes/titles through the JSON API. The feedback appears next to
// the action, and what the change affects (the count in the heading, the list) is reloaded
// from the server with the core helper, so the page shows what is stored without a reload.
(function () {
  "use strict";
  const patt = window.patt; // patt_host core app.js: api, say, send, reloadParts
  const stale = "Reload the page to see the list as it is now.";

  // Listeners on the document: reloadParts swaps the list, and its buttons keep working.
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form.mito-add");
    if (!form) return;
    event.preventDefault();
    const box = form.querySelector(".mito-feedback");
    const input = form.querySelector("input[name=text]");
    const kind = form.dataset.kind;
    const added = await patt.send(box, "POST", `/api/v1/mito/${kind}`, { text: input.value }, "Added.");
    if (added === null) return; // send showed why
    input.value = "";
    await patt.reloadParts(`mito-${kind}-count`, `mito-${kind}-list`).catch(() => patt.say(box, `Added. ${stale}`));
  });

  document.addEventListener("click", async (event) => {
    const button = event.target.closest(".js-mito-delete");
    if (!button) return;
    const item = button.closest("li");
    const box = item.querySelector(".mito-feedback");
    const text = item.querySelector(".mito-text").textContent;
    if (!window.confirm(`Delete this ${item.dataset.label}?\n\n${text}`)) return;
    button.disabled = true;
    patt.say(box, "Deleting…");
    try {
      await patt.api("DELETE", `/api/v1/mito/${item.dataset.kind}/${item.dataset.id}`);
    } catch (error) {
      button.disabled = false;
      patt.say(box, error.message, true);
      return;
    }
    // The row stays until the next change, struck through, with "Deleted." beside it.
    item.classList.add("mito-deleted");
    button.remove();
    patt.say(box, "Deleted.");
    await patt.reloadParts(`mito-${item.dataset.kind}-count`).catch(() => patt.say(box, `Deleted. ${stale}`));
  });
})();
