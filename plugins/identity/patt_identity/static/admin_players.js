// Player Manager, one player's page: the fields save together and report next to Save; each
// character and the account buttons report beside themselves; unsaved edits are marked (and
// leaving the page asks first).
(function () {
  "use strict";
  const api = (method, url, body) => window.patt.api(method, url, body);

  // Feedback goes beside the control used: a player card's own status sits by Save; the
  // account buttons, each character and each form have theirs.
  function say(scope, text, kind) {
    const box = scope.matches(".pm-player")
      ? scope.querySelector(":scope > .pm-actions > .pm-status")
      : scope.querySelector(":scope > .pm-status");
    box.textContent = text;
    box.className = "pm-status small " + (kind || "");
  }
  async function attempt(scope, work, done) {
    say(scope, "Saving…");
    try {
      const data = await work();
      say(scope, typeof done === "function" ? done(data) : done, "ok");
      return data;
    } catch (error) {
      say(scope, error.message, "danger");
      return undefined;
    }
  }
  function markDirty(row, dirty) {
    row.classList.toggle("dirty", dirty);
    if (dirty) say(row, "Unsaved changes", "warn");
  }
  function discordId(input) {
    const value = input.value.trim();
    if (!value) return null;
    if (value === input.dataset.initial && input.dataset.id) return Number(input.dataset.id);
    const option = Array.from(document.querySelectorAll("#pm-discord-options option")).find((o) => o.value === value);
    if (!option) throw new Error(`No unlinked Discord user is called “${value}”.`);
    return Number(option.dataset.id);
  }

  const players = document.getElementById("pm-players");
  players.addEventListener("input", (event) => {
    const row = event.target.closest(".pm-player");
    if (row && event.target.matches(".pm-name, .pm-discord")) markDirty(row, true);
  });
  players.addEventListener("change", async (event) => {
    const row = event.target.closest(".pm-player");
    if (!row) return;
    if (event.target.matches(".pm-rank")) markDirty(row, true);
    if (event.target.matches(".pm-char-role")) {
      const select = event.target;
      const item = select.closest("[data-character]");
      const done = await attempt(item,
        () => api("PUT", `/api/v1/admin/players/${row.dataset.player}/characters/${item.dataset.character}/role`, { role: select.value }),
        `${item.querySelector("span span").textContent} is now ${select.value}.`);
      if (done) {
        // Only one main and one offspec: the previous holder becomes an alt on screen too.
        row.querySelectorAll(".pm-char-role").forEach((other) => {
          const id = Number(other.closest("[data-character]").dataset.character);
          other.value = id === done.main_character_id ? "main" : id === done.offspec_character_id ? "offspec" : "alt";
          other.dataset.initial = other.value;
        });
      } else {
        select.value = select.dataset.initial;
      }
    }
  });

  players.addEventListener("click", async (event) => {
    const row = event.target.closest(".pm-player");
    if (!row) return;
    const id = row.dataset.player;
    if (event.target.closest(".pm-save")) {
      const name = row.querySelector(".pm-name");
      const rank = row.querySelector(".pm-rank");
      const input = row.querySelector(".pm-discord");
      const saved = await attempt(row, async () => {
        // Only the fields this officer changed: another officer's edit of the others stays.
        const changes = {};
        if (name.value.trim() !== name.dataset.initial) changes.display_name = name.value.trim();
        if (rank.value !== rank.dataset.initial) changes.rank_override_id = rank.value === "" ? null : Number(rank.value);
        const discordChanged = input.value.trim() !== input.dataset.initial;
        const discord = discordChanged ? discordId(input) : null;
        if (Object.keys(changes).length) await api("PATCH", `/api/v1/admin/players/${id}`, changes);
        if (discordChanged) await api("PUT", `/api/v1/admin/players/${id}/discord`, { discord_user_id: discord });
        return { discordChanged, discord };
      }, "Saved.");
      if (saved) {
        row.classList.remove("dirty");
        name.dataset.initial = name.value.trim();
        rank.dataset.initial = rank.value;
        input.dataset.initial = input.value.trim();
        if (saved.discordChanged) input.dataset.id = saved.discord || "";
      }
    } else if (event.target.closest(".pm-active")) {
      const button = event.target.closest(".pm-active");
      const active = button.dataset.active === "true";
      if (await attempt(row, () => api("PATCH", `/api/v1/admin/players/${id}`, { is_active: active }),
        active ? "Reactivated." : "Deactivated.")) {
        row.classList.toggle("inactive", !active);
        button.dataset.active = String(!active);
        button.textContent = active ? "Deactivate" : "Reactivate";
      }
    } else if (event.target.closest(".pm-delete")) {
      if (!(await confirmDelete(row.dataset.name))) { say(row, "Not deleted."); return; }
      if (await attempt(row, () => api("DELETE", `/api/v1/admin/players/${id}`), "Deleted.")) {
        row.querySelectorAll("input, select, button").forEach((el) => { el.disabled = true; });
        row.classList.add("deleted");
      }
    } else if (event.target.closest(".pm-unlink")) {
      const item = event.target.closest("[data-character]");
      if (await attempt(item, () => api("PUT", `/api/v1/admin/characters/${item.dataset.character}/player`, { player_id: null }),
        `${item.querySelector("span span").textContent} unlinked.`)) {
        // Kept (greyed) with its answer beside it rather than vanishing from under the pointer.
        item.querySelectorAll("select, button").forEach((el) => { el.disabled = true; });
        item.classList.add("unlinked");
      }
    } else if (event.target.closest(".pm-reset")) {
      const result = await attempt(row.querySelector(".pm-account"), () => api("POST", `/api/v1/admin/players/${id}/password-reset`), "Reset link made.");
      if (result) showDelivery(row.querySelector(".pm-invite-result"), result, result.reset_url, "Reset link (works once)", "Password-reset link");
    } else if (event.target.closest(".pm-invite")) {
      // A second invite replaces the first: say so, the member may be holding the old code.
      const result = await attempt(row.querySelector(".pm-account"), () => api("POST", `/api/v1/admin/players/${id}/invite`),
        (data) => (data.replaced ? "New invite made. It replaces the earlier unused code, which no longer works." : "Invite made."));
      if (result) showDelivery(row.querySelector(".pm-invite-result"), result, result.register_url, "Invite", "Registration link");
    }
  });

  // An invite or reset link goes to the member by Discord DM; the officer sees it only when no
  // DM is possible, in this answer only (nothing can fetch it again), masked until revealed.
  function showDelivery(box, answer, url, what, label) {
    box.hidden = false;
    box.className = "pm-invite-result " + (answer.dm_sent ? "flash flash-success" : "flash flash-info");
    box.replaceChildren();
    const line = document.createElement("p");
    const expiry = document.createElement("p");
    expiry.className = "small";
    expiry.textContent = `${what} · expires ${window.patt.humanTime(answer.expires_at)} (${window.patt.humanTime(answer.expires_at, "relative")}).`;
    if (answer.dm_sent) {
      line.className = "pm-delivery";
      line.textContent = "Sent to the player by Discord DM (queued for the bot). Only they receive it.";
      box.append(line, expiry);
      return;
    }
    line.className = "pm-delivery";
    line.textContent = `Not sent by Discord DM: ${answer.reason || "no reason given"} Hand this to the player yourself; it is shown only this once:`;
    const link = document.createElement("input");
    link.readOnly = true; link.type = "password"; link.value = url; link.className = "pm-invite-link mono";
    link.autocomplete = "off"; link.setAttribute("aria-label", `${label} (hidden until shown)`);
    const reveal = document.createElement("button");
    reveal.type = "button"; reveal.className = "button small secondary pm-reveal"; reveal.textContent = "Show";
    reveal.addEventListener("click", () => {
      const hidden = link.type === "password";
      link.type = hidden ? "text" : "password";
      reveal.textContent = hidden ? "Hide" : "Show";
    });
    const copy = document.createElement("button");
    copy.type = "button"; copy.className = "button small"; copy.textContent = "Copy link";
    const copied = document.createElement("span");
    copied.className = "small"; copied.setAttribute("role", "status");
    copy.addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(url); copied.textContent = "Copied."; }
      catch (e) {
        link.type = "text"; link.select();
        copied.textContent = document.execCommand("copy") ? "Copied." : "Select the link and copy it.";
      }
    });
    const hint = document.createElement("p");
    hint.className = "small mono pm-masked";
    hint.textContent = answer.masked;
    box.append(line, hint, link, reveal, copy, copied, expiry);
  }

  const dialog = document.getElementById("pm-confirm");
  function confirmDelete(name) {
    document.getElementById("pm-confirm-text").textContent =
      `Delete ${name}? Their characters become unlinked and what the site's features store about them is removed. This cannot be undone.`;
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  window.addEventListener("beforeunload", (event) => {
    if (document.querySelector(".pm-player.dirty")) { event.preventDefault(); event.returnValue = ""; }
  });
})();
