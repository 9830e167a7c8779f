// Upvote and mark ("Seen", "Read later") buttons without a page reload. Without this
// script the same forms post and come back to the page; with it they post through
// fetch and update in place.
"use strict";

// Posts the form (plus the pressed button's own name and value when it has one) and
// hands the JSON answer to `done`; a visitor is sent to log in, a failure is said in
// the button's title.
const postInPlace = async (form, button, withButton, done) => {
  // A second click while the first is on its way would send the same wish twice.
  if (button.disabled) return;
  button.disabled = true;
  try {
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    const body = new FormData(form);
    if (withButton) body.append(button.name, button.value);
    const response = await fetch(form.action, {
      method: "POST",
      body,
      headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" },
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401 && data.login_url) {
      window.location.assign(data.login_url);
      return;
    }
    if (!response.ok) {
      button.title = data.error || "That did not work; please try again.";
      return;
    }
    button.title = "";
    done(data);
  } catch (error) {
    button.title = "That did not work; please try again.";
  } finally {
    button.disabled = false;
  }
};

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  if (form.hasAttribute("data-upvote")) {
    const button = form.querySelector("button");
    if (!button) return;
    event.preventDefault();
    postInPlace(form, button, false, (data) => {
      button.setAttribute("aria-pressed", data.voted ? "true" : "false");
      form.querySelector("input[name=vote]").value = data.voted ? "0" : "1";
      const count = form.querySelector(".count");
      if (count) count.textContent = String(data.upvotes);
    });
  } else if (form.hasAttribute("data-mark")) {
    const button = event.submitter;
    if (!(button instanceof HTMLButtonElement)) return;
    event.preventDefault();
    postInPlace(form, button, true, (data) => {
      button.setAttribute("aria-pressed", data.on ? "true" : "false");
      button.value = data.on ? "0" : "1";
    });
  }
});
