// "Run now" on the admin jobs page: the answer beside the button (queued, then how the run
// went), and the "Recent runs" table refreshed in place (a page reload would lose the answer).
// patt.followRun follows a run through the job-runs API for other pages' actions too.
(function () {
  "use strict";
  const POLL_MS = 1000;
  const POLLS = 60;
  const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function latestRun(job) {
    const runs = await window.patt.api("GET", `/api/v1/jobs/runs?job=${encodeURIComponent(job)}&limit=1`);
    return runs.length ? runs[0] : null;
  }
  // Poll a run until it ends: run `id` when the caller has it, else the first run of `job`
  // after run id `after` (a run queued for the worker has no id yet). `update(run)` sees it at
  // each poll; resolves with the ended run, or null if it is still going after `polls` polls.
  async function followRun({ job, id, after = 0, polls = POLLS }, update) {
    for (let i = 0; i < polls; i += 1) {
      await wait(POLL_MS);
      const run = id
        ? await window.patt.api("GET", `/api/v1/jobs/runs/${encodeURIComponent(id)}`)
        : await latestRun(job);
      if (!run || run.id <= after) continue;
      if (update) await update(run);
      if (run.status !== "running") return run;
    }
    return null;
  }
  window.patt.followRun = followRun;

  // Follow the run started after `before` (a run id, or 0) until it ends or we stop looking.
  async function follow(job, before, box) {
    let shown = false;
    const run = await followRun({ job, after: before }, async (seen) => {
      if (!shown || seen.status !== "running") {
        shown = true;
        await window.patt.reloadParts("runs-table");
      }
      if (seen.status === "running") window.patt.say(box, `Running (run #${seen.id})…`);
    });
    if (!run) {
      window.patt.say(box, "Still waiting for the run to start or finish; Recent runs below shows it when it does.");
      return;
    }
    // A failed run says why, and so does a skipped one (switched off, nothing to work with).
    const failed = run.status === "failed";
    const why = run.status !== "succeeded" && run.error ? `: ${run.error.split("\n")[0]}` : ".";
    window.patt.say(box, `Run #${run.id} ${run.status}${why}`, failed);
  }
  document.addEventListener("click", async (event) => {
    const button = event.target.closest(".js-run-job");
    if (!button) return;
    const job = button.dataset.job;
    const box = button.parentElement.querySelector(".js-run-status");
    button.disabled = true;
    try {
      const last = await latestRun(job);
      const result = await window.patt.api("POST", `/api/v1/jobs/${encodeURIComponent(job)}/run`, {});
      window.patt.say(box, result.runner === "arq" ? "Queued for the worker." : "Started.");
      await follow(job, last ? last.id : 0, box);
    } catch (error) {
      window.patt.say(box, error.message, true);
    } finally {
      button.disabled = false;
    }
  });
})();
