// Upvote buttons without a page reload. Without this script the same forms post
// and come back to the page; with it they post through fetch and update in place.
"use strict";
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upvote")) return;
  event.preventDefault();
  const button = form.querySelector("button");
  // A second click while the first is on its way would send the same wish twice.
  if (!button || button.disabled) return;
  button.disabled = true;
  try {
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401 && data.login_url) {
      window.location.assign(data.login_url);
      return;
    }
    if (!response.ok) {
      button.title = data.error || "Voting failed; please try again.";
      return;
    }
    button.title = "";
    button.setAttribute("aria-pressed", data.voted ? "true" : "false");
    form.querySelector("input[name=vote]").value = data.voted ? "0" : "1";
    const count = form.querySelector(".count");
    if (count) count.textContent = String(data.upvotes);
  } catch (error) {
    button.title = "Voting failed; please try again.";
  } finally {
    button.disabled = false;
  }
});
