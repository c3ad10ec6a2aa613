// Crafting Corner: search as you type, browse by profession and expansion, recipe detail with
// crafters grouped by player, guild orders. Text goes in through textContent only.
(function () {
  "use strict";
  const layout = document.querySelector(".craft-layout");
  if (!layout) return;
  const loggedIn = layout.dataset.loggedIn === "true";
  const $ = (id) => document.getElementById(id);
  const say = (...args) => window.patt.say(...args); // patt_host core app.js
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  let current = null;

  function resultItem(recipe, showProfession) {
    const li = el("li");
    const button = el("button", "craft-result");
    button.type = "button";
    button.dataset.id = recipe.id;
    button.appendChild(el("span", "craft-result-name", recipe.name));
    const meta = showProfession ? `${recipe.profession} · ${recipe.expansion} · ` : "";
    const crafters = recipe.crafter_count === 1 ? "1 crafter" : `${recipe.crafter_count} crafters`;
    button.appendChild(el("span", "muted small", meta + crafters));
    button.addEventListener("click", () => showRecipe(recipe.id, button));
    li.appendChild(button);
    return li;
  }

  function fill(list, recipes, showProfession) {
    list.replaceChildren(...recipes.map((r) => resultItem(r, showProfession)));
  }

  // --- search as you type (2+ characters; the latest answer wins) ---
  const input = $("craft-search");
  const results = $("craft-results");
  const searchBox = $("craft-search-feedback");
  let timer = null;
  let asked = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) {
      results.replaceChildren();
      say(searchBox, q.length ? "Keep typing…" : "");
      return;
    }
    timer = setTimeout(async () => {
      const ticket = ++asked;
      say(searchBox, "Searching…");
      try {
        const recipes = await window.patt.api("GET", `/api/v1/crafting/recipes?q=${encodeURIComponent(q)}`);
        if (ticket !== asked) return;
        fill(results, recipes, true);
        say(searchBox, recipes.length ? `${recipes.length} found` : "Nobody in the guild knows a recipe like that (yet).");
      } catch (error) {
        if (ticket === asked) say(searchBox, error.message, true);
      }
    }, 150);
  });

  // --- browse ---
  const browseList = $("craft-browse-results");
  const browseBox = $("craft-browse-feedback");
  document.querySelectorAll(".js-expansion").forEach((button) => {
    button.addEventListener("click", async () => {
      const { profession, expansion } = button.dataset;
      say(browseBox, "Loading…");
      try {
        const url = `/api/v1/crafting/recipes?profession=${encodeURIComponent(profession)}&expansion=${encodeURIComponent(expansion)}`;
        const recipes = await window.patt.api("GET", url);
        fill(browseList, recipes, false);
        say(browseBox, `${profession} · ${expansion}: ${recipes.length} recipes`);
      } catch (error) {
        say(browseBox, error.message, true);
      }
    });
  });

  // --- detail ---
  const detail = $("craft-detail");
  function crafterItem(group) {
    const li = el("li", "craft-crafter");
    const head = el("div");
    head.appendChild(el("strong", "", group.name));
    if (group.player && group.character.name !== group.player) head.appendChild(el("span", "", ` (${group.character.name})`));
    const bits = [group.rank, group.character.class].filter(Boolean).join(" · ");
    if (bits) head.appendChild(el("span", "muted small", ` ${bits}`));
    if (group.last_seen) head.appendChild(el("span", "muted small", ` · seen ${window.patt.humanTime(group.last_seen, "relative")}`));
    li.appendChild(head);
    if (group.alts.length) {
      li.appendChild(el("div", "craft-alts", "also on " + group.alts.map((a) => a.name).join(", ")));
    }
    return li;
  }
  async function showRecipe(id, button) {
    document.querySelectorAll(".craft-result.selected").forEach((b) => b.classList.remove("selected"));
    if (button) button.classList.add("selected");
    detail.hidden = false;
    $("craft-detail-name").textContent = "Loading…";
    try {
      const recipe = await window.patt.api("GET", `/api/v1/crafting/recipes/${id}`);
      current = recipe;
      $("craft-detail-name").textContent = recipe.name;
      const characters = recipe.crafter_count === 1 ? "1 character" : `${recipe.crafter_count} characters`;
      const players = recipe.player_count === 1 ? "1 player" : `${recipe.player_count} players`;
      $("craft-detail-meta").textContent = `${recipe.profession} · ${recipe.expansion} · ${characters}, ${players}`;
      $("craft-detail-wowhead").href = recipe.wowhead_url;
      $("craft-crafters").replaceChildren(...recipe.crafters.map(crafterItem));
      const order = $("craft-order");
      if (order) order.hidden = !loggedIn;
      const login = $("craft-order-login");
      if (login) login.hidden = loggedIn;
      say($("craft-order-feedback"), "");
      if (window.matchMedia("(max-width: 800px)").matches) detail.scrollIntoView({ behavior: "smooth" });
    } catch (error) {
      $("craft-detail-name").textContent = error.message;
    }
  }

  // --- orders ---
  const orderForm = $("craft-order");
  if (orderForm) {
    orderForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const box = $("craft-order-feedback");
      if (!current) return;
      const note = orderForm.elements.note.value.trim();
      say(box, "Posting…");
      try {
        await window.patt.api("POST", "/api/v1/crafting/orders", {
          recipe_id: current.id,
          quantity: Number(orderForm.elements.quantity.value || 1),
          note: note || null,
        });
        say(box, "Posted: the crafters have been asked.");
        orderForm.elements.note.value = "";
        loadOrders();
      } catch (error) {
        say(box, error.message, true);
      }
    });
  }
  const ordersBody = $("craft-orders-body");
  // What the last action on an order said, shown beside its buttons after the list reloads.
  const outcome = new Map();
  const LABELS = { claim: "Claim", done: "Done", cancel: "Cancel" };
  const DONE = { claim: "Claimed: it is yours to craft.", done: "Marked done.", cancel: "Cancelled." };
  async function act(order, action, box, buttons) {
    buttons.forEach((b) => { b.disabled = true; });
    say(box, "Saving…");
    try {
      await window.patt.api("POST", `/api/v1/crafting/orders/${order.id}/${action}`, {});
      outcome.set(order.id, DONE[action]);
      await loadOrders();
    } catch (error) {
      buttons.forEach((b) => { b.disabled = false; });
      say(box, error.message, true);
    }
  }
  function cell(label, className, text) {
    const td = el("td", className, text);
    td.dataset.label = label;
    return td;
  }
  function orderRow(order) {
    const row = el("tr");
    row.dataset.id = order.id;
    const name = el("td", "craft-order-recipe");
    name.appendChild(el("strong", "", order.recipe));
    if (order.note) name.appendChild(el("div", "muted small craft-order-note", order.note));
    row.append(
      name,
      cell("Qty", "", String(order.quantity)),
      cell("Asked by", "", order.requester || "—"),
      cell("Status", "", order.status + (order.claimed_by ? ` (${order.claimed_by})` : "")),
    );
    // The buttons, then their feedback: on a phone the row is a card (the core table-cards) and
    // this cell its line under the recipe, the feedback beside the buttons.
    const actions = el("td", "craft-order-actions-cell card-actions");
    const box = el("div", "craft-order-actions");
    const feedback = el("span", "craft-feedback small");
    feedback.setAttribute("role", "status");
    feedback.setAttribute("aria-live", "polite");
    const buttons = order.actions.map((action) => {
      const button = el("button", "button small secondary", LABELS[action] || action);
      button.type = "button";
      button.dataset.action = action;
      button.setAttribute("aria-label", `${LABELS[action] || action}: ${order.recipe}`);
      return button;
    });
    buttons.forEach((button) => button.addEventListener("click", () => act(order, button.dataset.action, feedback, buttons)));
    box.append(...buttons);
    if (outcome.has(order.id)) feedback.textContent = outcome.get(order.id);
    actions.append(box, feedback);
    row.appendChild(actions);
    return row;
  }
  async function loadOrders() {
    if (!ordersBody) return;
    const box = $("craft-orders-feedback");
    try {
      const orders = await window.patt.api("GET", "/api/v1/crafting/orders");
      if (!orders.length) {
        const row = el("tr");
        const empty = el("td", "muted", "No open guild orders.");
        empty.colSpan = 5;
        row.appendChild(empty);
        ordersBody.replaceChildren(row);
        return;
      }
      ordersBody.replaceChildren(...orders.map(orderRow));
      say(box, "");
    } catch (error) {
      say(box, error.message, true);
    }
  }
  loadOrders();
})();
