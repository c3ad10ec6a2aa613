// Members' raids widgets: the answer buttons on an event page and the auto-invite switch on
// the profile. Each action's result is shown beside it (the page's shared helpers, core app.js).
(function () {
  "use strict";
  const event = document.getElementById("raids-event");
  const feedback = document.getElementById("raids-answer-feedback");
  document.querySelectorAll(".js-raids-answer").forEach((button) => {
    button.addEventListener("click", async () => {
      const buttons = document.querySelectorAll(".js-raids-answer");
      buttons.forEach((b) => { b.disabled = true; });
      const data = await window.patt.send(feedback, "PUT", `/api/v1/raids/events/${event.dataset.event}/signup`,
        { status: button.dataset.status }, (d) => `Saved: you are ${d.status}.`);
      buttons.forEach((b) => { b.disabled = false; });
      if (!data) return;
      buttons.forEach((b) => {
        const on = b.dataset.status === data.status;
        b.classList.toggle("secondary", !on);
        b.setAttribute("aria-pressed", String(on));
      });
      window.patt.reloadParts("raids-composition", "raids-signups").catch(() => {}); // the lists are a convenience; the answer is saved
    });
  });
  document.querySelectorAll(".js-raids-auto-invite").forEach((box) => {
    const form = box.closest("form");
    const say = form.querySelector(".raids-feedback");
    form.addEventListener("submit", (e) => e.preventDefault());
    box.addEventListener("change", async () => {
      const data = await window.patt.send(say, "PUT", "/api/v1/raids/me/settings", { auto_invite_events: box.checked },
        (d) => (d.auto_invite_events ? "Saved: accepted on new events (the lowest rank: bench)." : "Saved: tentative on new events."));
      if (!data) box.checked = !box.checked;
    });
  });
})();
