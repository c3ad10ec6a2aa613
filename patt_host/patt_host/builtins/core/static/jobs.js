// "Run now" buttons on the admin jobs page.
document.addEventListener("click", async (event) => {
  const button = event.target.closest(".js-run-job");
  if (!button) return;
  button.disabled = true;
  try {
    const result = await window.patt.api("POST", `/api/v1/jobs/${encodeURIComponent(button.dataset.job)}/run`, {});
    button.textContent = result.runner === "arq" ? "Queued" : "Started";
    setTimeout(() => window.location.reload(), 1500);
  } catch (error) {
    button.textContent = error.message;
  }
});
