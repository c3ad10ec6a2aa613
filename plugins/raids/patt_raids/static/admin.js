// Officers' raids pages: the weekly schedule (add, save, delete), a new event (its roster
// preview's answer per raider included), editing and cancelling one, members' answers set by
// an officer, attendance marks in bulk and the Raid-Helper connection test. Every action
// answers in the feedback beside it.
(function () {
  "use strict";
  // The page's shared helpers (patt_host core app.js), looked up when called.
  const say = (...args) => window.patt.say(...args);
  const send = (...args) => window.patt.send(...args);
  // One request per click: the button stays disabled until the answer is in (a double click
  // would add a night twice, or show the second request's refusal for a save that worked).
  async function once(button, call) {
    if (!button) return call();
    if (button.disabled) return null;
    button.disabled = true;
    try {
      return await call();
    } finally {
      button.disabled = false;
    }
  }
  const submitOf = (form) => form.querySelector("button[type=submit]");
  function recurringBody(form, isNew) {
    const f = form.elements;
    const body = {
      label: f.label.value.trim(),
      event_type: f.event_type.value,
      day_of_week: Number(f.day_of_week.value),
      default_start_time: f.default_start_time.value,
      default_duration_minutes: Number(f.default_duration_minutes.value),
      display_on_public: f.display_on_public.checked,
    };
    const channel = f.discord_channel_id.value;
    if (isNew) {
      if (channel) body.discord_channel_id = channel;
    } else {
      body.discord_channel_id = channel;
      body.is_active = f.is_active.checked;
    }
    return body;
  }
  // The fields the new-event and edit-event forms share.
  function eventFields(f) {
    return {
      title: f.title.value, // the server trims it, and says what is wrong with it
      event_date: f.event_date.value,
      start_time: f.start_time.value,
      timezone: f.timezone.value.trim(),
      duration_minutes: Number(f.duration_minutes.value),
    };
  }
  document.querySelectorAll(".raids-recurring-row").forEach((form) => {
    const box = form.querySelector(".raids-feedback");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      once(submitOf(form), () => send(box, "PATCH", `/api/v1/admin/raids/recurring-events/${form.dataset.id}`,
        recurringBody(form, false), "Saved. Events already booked keep their time: edit them on their pages."));
    });
    const remove = form.querySelector(".js-raids-delete");
    remove.addEventListener("click", async () => {
      if (!window.confirm("Delete this night? Booked events stay.")) return;
      const data = await once(remove, () => send(box, "DELETE", `/api/v1/admin/raids/recurring-events/${form.dataset.id}`, undefined, "Deleted."));
      if (data) form.querySelectorAll("input, select, button").forEach((el) => { el.disabled = true; });
    });
  });
  const newNight = document.getElementById("raids-recurring-new");
  if (newNight) {
    newNight.addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = newNight.querySelector(".raids-feedback");
      const data = await once(submitOf(newNight), () => send(box, "POST", "/api/v1/admin/raids/recurring-events",
        recurringBody(newNight, true), (d) => `Added ${d.day_name}. Reload to edit it.`));
      if (data) newNight.reset();
    });
  }
  // The New event form's roster preview: each raider's answer by rule (the row's
  // data-default), or the one an officer picks; the counts follow every pick. Rows left on
  // "default" are not sent: the server applies the rule to them.
  const rosterRows = () => Array.from(document.querySelectorAll("#raids-roster .raids-roster-row"));
  const COUNTED = ["accepted", "tentative", "bench", "absent", "skip"];
  function showRoster() {
    const counts = Object.fromEntries(COUNTED.map((key) => [key, 0]));
    let changed = 0;
    rosterRows().forEach((row) => {
      const picked = row.querySelector(".js-raids-override").value;
      const status = picked || row.dataset.default;
      counts[status] += 1;
      if (picked) changed += 1;
      row.dataset.effective = status;
      row.classList.toggle("raids-changed", Boolean(picked));
    });
    const box = document.getElementById("raids-roster-counts");
    if (!box) return;
    // The same line as pages.roster_counts, plus how many rows were changed.
    const parts = COUNTED.filter((key) => counts[key] || ["accepted", "tentative", "bench"].includes(key))
      .map((key) => `${key === "skip" ? "skipped" : key} ${counts[key]}`);
    box.textContent = parts.join(" · ") + (changed ? ` — ${changed} changed` : "");
  }
  function overrides() {
    const picked = {};
    rosterRows().forEach((row) => {
      const value = row.querySelector(".js-raids-override").value;
      if (value) picked[row.dataset.player] = value;
    });
    return picked;
  }
  rosterRows().forEach((row) => row.querySelector(".js-raids-override").addEventListener("change", showRoster));
  showRoster(); // a browser may restore picks on back/forward: count what is shown
  const newEvent = document.getElementById("raids-event-new");
  if (newEvent) {
    newEvent.addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = newEvent.elements;
      const body = { ...eventFields(f), event_type: f.event_type.value };
      if (f.channel_id.value) body.channel_id = f.channel_id.value;
      if (f.description.value.trim()) body.description = f.description.value.trim();
      const picked = overrides();
      if (Object.keys(picked).length) body.player_overrides = picked;
      const box = newEvent.querySelector(".raids-feedback");
      const data = await once(submitOf(newEvent), () => send(box, "POST", "/api/v1/admin/raids/events", body, "Created."));
      if (data) {
        newEvent.reset();
        showRoster();
        box.textContent = "Created: ";
        const link = document.createElement("a");
        link.href = `/admin/raids/events/${data.id}`;
        link.textContent = data.title;
        box.appendChild(link);
      }
    });
  }
  const editEvent = document.getElementById("raids-event-edit");
  if (editEvent) {
    editEvent.addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = editEvent.elements;
      const body = { ...eventFields(f), description: f.description.value.trim() };
      const box = editEvent.querySelector(".raids-feedback");
      const data = await once(submitOf(editEvent), () => send(box, "PATCH", `/api/v1/admin/raids/events/${editEvent.dataset.event}`, body,
        (d) => (d.changed.length ? "Saved: members and the Discord post see the change." : "Nothing changed.")));
      if (data) {
        document.getElementById("raids-event-title").textContent = data.title;
        document.getElementById("raids-event-start").textContent =
          `${window.patt.humanTime(data.start_time_utc)} (booked ${window.patt.humanTime(data.event_date, "date")}, ${data.local_start_time} ${data.timezone})`;
        document.getElementById("raids-event-duration").textContent = `${data.duration_minutes} min`;
      }
    });
  }
  document.querySelectorAll(".js-raids-cancel").forEach((button) => {
    button.addEventListener("click", async () => {
      const row = button.closest("[data-id]");
      if (!window.confirm(`Cancel “${row.dataset.title}”? Members see it as cancelled.`)) return;
      const data = await once(button, () => send(row.querySelector(".raids-feedback"), "POST", `/api/v1/admin/raids/events/${row.dataset.id}/cancel`, {}, "Cancelled."));
      if (data) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = "cancelled";
        row.querySelector("a").after(" ", badge);
        button.remove();
      }
    });
  });
  const sheet = document.getElementById("raids-attendance");
  if (sheet) {
    const picks = () => Array.from(sheet.querySelectorAll(".js-raids-pick"));
    sheet.querySelector(".js-raids-all").addEventListener("change", (event) => {
      picks().forEach((box) => { box.checked = event.target.checked; });
    });
    sheet.querySelector(".js-raids-accepted").addEventListener("click", () => {
      picks().forEach((box) => { box.checked = box.closest("tr").dataset.status === "accepted"; });
    });
    sheet.querySelectorAll(".js-raids-bulk").forEach((button) => {
      button.addEventListener("click", async () => {
        const box = document.getElementById("raids-bulk-feedback");
        const rows = picks().filter((b) => b.checked).map((b) => b.closest("tr"));
        if (!rows.length) { say(box, "Select members first.", true); return; }
        const marks = {};
        rows.forEach((row) => { marks[row.dataset.player] = button.dataset.mark; });
        const data = await once(button, () => send(box, "PUT", `/api/v1/admin/raids/events/${sheet.dataset.event}/attendance`, { marks },
          (d) => `Marked ${d.marked} as ${button.dataset.mark.replace("_", " ")}.`));
        if (data) rows.forEach((row) => { row.querySelector(".raids-mark").textContent = button.dataset.mark.replace("_", " "); });
      });
    });
    // An officer's answer for a member (also one with no signup yet), saved when picked. The
    // row follows at once; the counts and the composition are read again from the page.
    sheet.querySelectorAll(".js-raids-signup").forEach((select) => {
      const row = select.closest("tr");
      const box = row.querySelector(".raids-signup .raids-feedback");
      select.addEventListener("change", async () => {
        const name = row.dataset.name;
        select.disabled = true;
        const data = await send(box, "PUT", `/api/v1/admin/raids/events/${sheet.dataset.event}/signup`,
          { player_id: Number(row.dataset.player), status: select.value },
          (d) => (d.changed ? `Saved: ${name} is ${d.status}.` : `${name} was ${d.status} already.`));
        select.disabled = false;
        if (!data) { select.value = row.dataset.status; return; } // refused: show what is saved
        row.dataset.status = data.status;
        row.classList.remove("raids-unanswered");
        select.className = `js-raids-signup status-${data.status}`;
        const none = select.querySelector("option[value='']");
        if (none) none.remove();
        row.querySelector(".raids-source").textContent = "by an officer";
        if (data.changed) window.patt.reloadParts("raids-signup-counts", "raids-composition").catch(() => {}); // a convenience: the answer is saved
      });
    });
  }
  const raidHelper = document.getElementById("raids-raid-helper");
  if (raidHelper) {
    const button = raidHelper.querySelector(".js-raids-rh-test");
    button.addEventListener("click", async () => {
      const box = raidHelper.querySelector(".raids-feedback");
      button.disabled = true;
      say(box, "Asking Raid-Helper…");
      // `patt demo` without a real Raid-Helper: say it is the demo's fake that answered.
      const who = raidHelper.dataset.demo === "true" ? "the demo's fake Raid-Helper" : "Raid-Helper";
      try {
        const data = await window.patt.api("POST", "/api/v1/admin/raids/raid-helper/test", {});
        const events = data.event_count === 1 ? "1 event" : `${data.event_count} events`;
        say(box, `Connected: ${who} accepts the key for server ${data.server_id} (${events} posted there).`);
      } catch (error) {
        say(box, `Not connected: ${error.message}`, true);
      } finally {
        button.disabled = false;
      }
    });
  }
})();
