// Shared page helpers: mobile nav, and fetch() that carries the CSRF token.
(function () {
  "use strict";
  const token = document.querySelector('meta[name="csrf-token"]');
  window.patt = {
    csrf: token ? token.content : "",
    async api(method, url, body) {
      const headers = { "X-CSRF-Token": window.patt.csrf, Accept: "application/json" };
      const init = { method, headers, credentials: "same-origin" };
      if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      const response = await fetch(url, init);
      let payload = null;
      try { payload = await response.json(); } catch (e) { payload = null; }
      if (!response.ok || !payload || payload.ok === false) {
        const message = payload && payload.error ? payload.error.message : `Request failed (${response.status})`;
        const error = new Error(message);
        error.status = response.status;
        throw error;
      }
      return payload.data;
    },
  };
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
})();
