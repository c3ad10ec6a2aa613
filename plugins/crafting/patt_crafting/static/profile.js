// The "ping me for guild orders" switch on the profile page: saved at once, result beside it.
(function () {
  "use strict";
  document.querySelectorAll(".js-crafting-ping").forEach((box) => {
    const feedback = box.closest("form").querySelector(".crafting-feedback");
    box.closest("form").addEventListener("submit", (event) => event.preventDefault());
    box.addEventListener("change", async () => {
      feedback.classList.remove("error");
      feedback.textContent = "Saving…";
      try {
        const data = await window.patt.api("PUT", "/api/v1/crafting/preferences", { ping_for_orders: box.checked });
        // Guild orders off (no crafters' channel): the switch is kept, but nobody is pinged yet.
        const on = box.closest("form").dataset.ordersOpen === "true";
        const pinged = on ? "Saved: you will be pinged." : "Saved: you will be pinged once guild orders are on.";
        feedback.textContent = data.ping_for_orders ? pinged : "Saved: no pings.";
      } catch (error) {
        box.checked = !box.checked;
        feedback.textContent = error.message;
        feedback.classList.add("error");
      }
    });
  });
})();
