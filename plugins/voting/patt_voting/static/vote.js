// Voting pages: the countdown and the ranking list (times in the viewer's zone: app.js).
// The ballot form works without this file (a rank select per entry); here it becomes a
// list you reorder by dragging, with buttons, or with the keyboard (arrows move, Delete
// removes), and the selects are filled from the list before the form is sent.
(function () {
  "use strict";

  function remaining(ms) {
    if (ms <= 0) return "(voting has ended)";
    const m = Math.floor(ms / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60);
    if (d > 0) return `(in ${d} d ${h} h)`;
    if (h > 0) return `(in ${h} h ${m % 60} min)`;
    return `(in ${m % 60} min)`;
  }
  const countdowns = document.querySelectorAll(".js-countdown");
  function tick() {
    countdowns.forEach((el) => { el.textContent = remaining(new Date(el.dataset.until) - Date.now()); });
  }
  if (countdowns.length) { tick(); setInterval(tick, 30000); }

  // Officers' forms: show the start time in the browser's zone and send its offset.
  document.querySelectorAll("input.js-local-input").forEach((input) => {
    const offset = input.form && input.form.querySelector(".js-tz-offset");
    if (offset) offset.value = String(new Date().getTimezoneOffset());
    const utc = new Date(input.dataset.utc);
    if (input.dataset.utc && !isNaN(utc)) {
      const local = new Date(utc.getTime() - utc.getTimezoneOffset() * 60000);
      input.value = local.toISOString().slice(0, 16);
    }
    const help = input.parentElement.querySelector(".js-tz-help");
    if (help) help.textContent = `Your local time (${Intl.DateTimeFormat().resolvedOptions().timeZone}).`;
  });

  const form = document.querySelector("form.js-ballot");
  if (!form) return;
  const picks = Number(form.dataset.picks);
  const items = Array.from(form.querySelectorAll(".vote-entry"));
  const nameOf = (li) => li.querySelector(".vote-entry-name").textContent;
  const selectOf = (li) => li.querySelector("select");
  let order = items
    .filter((li) => selectOf(li).value)
    .sort((a, b) => Number(selectOf(a).value) - Number(selectOf(b).value))
    .map((li) => li.dataset.entry);

  form.classList.add("enhanced");
  const panel = document.createElement("div");
  panel.className = "vote-ranking";
  panel.innerHTML = '<h3>Your ranking</h3><p class="small muted vote-hint">Add entries below, then drag them or use ↑ ↓ (or the arrow keys) to order them.</p><ol class="vote-ranked"></ol><p class="vote-live small" aria-live="polite"></p>';
  form.insertBefore(panel, form.querySelector(".vote-entries"));
  const list = panel.querySelector(".vote-ranked");
  const live = panel.querySelector(".vote-live");
  const byId = Object.fromEntries(items.map((li) => [li.dataset.entry, li]));

  items.forEach((li) => {
    const add = document.createElement("button");
    add.type = "button";
    add.className = "button small secondary vote-add";
    add.addEventListener("click", () => {
      const id = li.dataset.entry;
      if (order.includes(id)) order = order.filter((x) => x !== id);
      else if (order.length < picks) order.push(id);
      render(id);
    });
    li.appendChild(add);
  });

  function move(id, delta) {
    const i = order.indexOf(id), j = i + delta;
    if (i < 0 || j < 0 || j >= order.length) return;
    [order[i], order[j]] = [order[j], order[i]];
    render(id);
  }

  function button(label, title, action) {
    const b = document.createElement("button");
    b.type = "button"; b.className = "button small secondary"; b.textContent = label;
    b.setAttribute("aria-label", title); b.addEventListener("click", action);
    return b;
  }

  let dragged = null;
  function render(focusId) {
    items.forEach((li) => { selectOf(li).value = ""; });
    order.forEach((id, i) => { selectOf(byId[id]).value = String(i + 1); });
    list.innerHTML = "";
    order.forEach((id, i) => {
      const row = document.createElement("li");
      row.className = "vote-ranked-item"; row.tabIndex = 0; row.draggable = true; row.dataset.entry = id;
      const label = document.createElement("span");
      label.textContent = `${i + 1}. ${nameOf(byId[id])}`;
      row.append(label, button("↑", `Move ${nameOf(byId[id])} up`, () => move(id, -1)),
        button("↓", `Move ${nameOf(byId[id])} down`, () => move(id, 1)),
        button("✕", `Remove ${nameOf(byId[id])}`, () => { order = order.filter((x) => x !== id); render(); }));
      row.addEventListener("keydown", (ev) => {
        if (ev.key === "ArrowUp") { ev.preventDefault(); move(id, -1); }
        else if (ev.key === "ArrowDown") { ev.preventDefault(); move(id, 1); }
        else if (ev.key === "Delete" || ev.key === "Backspace") { ev.preventDefault(); order = order.filter((x) => x !== id); render(); }
      });
      row.addEventListener("dragstart", (ev) => { dragged = id; ev.dataTransfer.effectAllowed = "move"; });
      row.addEventListener("dragover", (ev) => { ev.preventDefault(); });
      row.addEventListener("drop", (ev) => {
        ev.preventDefault();
        if (dragged && dragged !== id) {
          // Dropped on a row: take its place (the rows between shift by one).
          const target = order.indexOf(id);
          order = order.filter((x) => x !== dragged);
          order.splice(target, 0, dragged);
          render(dragged);
        }
      });
      list.appendChild(row);
    });
    items.forEach((li) => {
      const ranked = order.includes(li.dataset.entry);
      const add = li.querySelector(".vote-add");
      add.textContent = ranked ? `#${order.indexOf(li.dataset.entry) + 1} · Remove` : "Add to ranking";
      add.disabled = !ranked && order.length >= picks;
      li.classList.toggle("is-ranked", ranked);
    });
    live.textContent = order.length ? `Ranking: ${order.map((id) => nameOf(byId[id])).join(", ")}.` : "Nothing ranked yet.";
    if (focusId) {
      const row = list.querySelector(`[data-entry="${focusId}"]`);
      if (row) row.focus();
    }
  }
  render();
})();
