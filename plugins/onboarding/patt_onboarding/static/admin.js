// Onboarding queue: retry / resolve / dismiss a session; the outcome shows under its buttons.
(function () {
  "use strict";

  const say = (box, text, failed) => window.patt.say(box, text, failed, "onb-error"); // core app.js

  document.querySelectorAll(".onb-session").forEach((item) => {
    const id = item.dataset.id;
    const box = item.querySelector(".onb-feedback");
    const buttons = item.querySelectorAll(".onb-actions button");
    const actions = [["js-retry", "retry"], ["js-resolve", "resolve"], ["js-dismiss", "dismiss"]];
    actions.forEach(([cls, action]) => {
      const button = item.querySelector("." + cls);
      if (!button) return;
      button.addEventListener("click", async () => {
        // Dismissing closes the session for good, without linking or telling the member.
        if (action === "dismiss" && !window.confirm(
          `Dismiss the onboarding of ${item.dataset.name}? It is closed without linking anything, and they are not told.`
        )) return;
        buttons.forEach((b) => { b.disabled = true; });
        say(box, "Working…");
        try {
          const result = await window.patt.api("POST", `/api/v1/onboarding/sessions/${id}/${action}`, {});
          say(box, result.message);
          const state = item.querySelector(".onb-state");
          if (state) {
            state.textContent = result.state.replace(/_/g, " ");
            state.className = `badge onb-state onb-state-${result.state}`;
          }
          // A session still waiting can be acted on again; a closed one is done.
          if (result.state === "pending_verification") buttons.forEach((b) => { b.disabled = false; });
        } catch (error) {
          say(box, error.message, true);
          buttons.forEach((b) => { b.disabled = false; });
        }
      });
    });
  });
})();
