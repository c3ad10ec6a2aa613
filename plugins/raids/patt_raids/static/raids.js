// Members' raids widgets: the answer buttons on an event page and the auto-invite switch on
// the profile. Each action's result is shown beside it.
(function () {
  "use strict";
  const event = document.getElementById("raids-event");
  const feedback = document.getElementById("raids-answer-feedback");
  document.querySelectorAll(".js-raids-answer").forEach((button) => {
    button.addEventListener("click", async () => {
      const buttons = document.querySelectorAll(".js-raids-answer");
      buttons.forEach((b) => { b.disabled = true; });
      feedback.classList.remove("error");
      feedback.textContent = "Saving…";
      try {
        const data = await window.patt.api("PUT", `/api/v1/raids/events/${event.dataset.event}/signup`, { status: button.dataset.status });
        buttons.forEach((b) => {
          const on = b.dataset.status === data.status;
          b.classList.toggle("secondary", !on);
          b.setAttribute("aria-pressed", String(on));
        });
        feedback.textContent = `Saved: you are ${data.status}. Reload to see the lists.`;
      } catch (error) {
        feedback.textContent = error.message;
        feedback.classList.add("error");
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    });
  });
  document.querySelectorAll(".js-raids-auto-invite").forEach((box) => {
    const form = box.closest("form");
    const say = form.querySelector(".raids-feedback");
    form.addEventListener("submit", (e) => e.preventDefault());
    box.addEventListener("change", async () => {
      say.classList.remove("error");
      say.textContent = "Saving…";
      try {
        const data = await window.patt.api("PUT", "/api/v1/raids/me/settings", { auto_invite_events: box.checked });
        say.textContent = data.auto_invite_events ? "Saved: accepted on new events." : "Saved: tentative on new events.";
      } catch (error) {
        box.checked = !box.checked;
        say.textContent = error.message;
        say.classList.add("error");
      }
    });
  });
})();
