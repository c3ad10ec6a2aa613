// Officers add and delete quotes/titles through the JSON API; feedback appears next to the action.
(function () {
  "use strict";
  const say = (...args) => window.patt.say(...args); // patt_host core app.js
  document.querySelectorAll("form.mito-add").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = form.querySelector(".mito-feedback");
      const input = form.querySelector("input[name=text]");
      say(box, "Saving…");
      try {
        await window.patt.api("POST", `/api/v1/mito/${form.dataset.kind}`, { text: input.value });
        say(box, "Added.");
        setTimeout(() => window.location.reload(), 400);
      } catch (error) {
        say(box, error.message, true);
      }
    });
  });
  document.querySelectorAll(".js-mito-delete").forEach((button) => {
    button.addEventListener("click", async () => {
      const item = button.closest("li");
      const box = item.querySelector(".mito-feedback");
      say(box, "Deleting…");
      try {
        await window.patt.api("DELETE", `/api/v1/mito/${item.dataset.kind}/${item.dataset.id}`);
        item.remove();
      } catch (error) {
        say(box, error.message, true);
      }
    });
  });
})();
