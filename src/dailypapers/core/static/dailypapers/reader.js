// Keyboard shortcuts on list pages: j/k move between cards, o or Enter opens the
// focused paper, u upvotes it (through its own upvote form), / goes to the search
// box and ? shows the list of keys. Keys typed into a field are left alone.
"use strict";
(() => {
  const ITEMS = "main .card, main .results > li:not(.muted)";
  const FOCUSED = "kb-focused";
  let current = -1;

  const items = () => Array.from(document.querySelectorAll(ITEMS));

  const typing = (target) =>
    target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));

  const select = (index) => {
    const all = items();
    if (all.length === 0) return;
    const next = Math.max(0, Math.min(all.length - 1, index));
    all.forEach((el) => el.classList.remove(FOCUSED));
    const item = all[next];
    current = next;
    item.classList.add(FOCUSED);
    if (!item.hasAttribute("tabindex")) item.setAttribute("tabindex", "-1");
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
  };

  const focusedItem = () => {
    const all = items();
    const marked = all.findIndex((el) => el.classList.contains(FOCUSED));
    if (marked >= 0) current = marked;
    return marked >= 0 ? all[marked] : null;
  };

  const open = (item) => {
    // The title's link, not the first link (the vote box has one before it).
    const link = item.querySelector("h3 a") || item.querySelector("a");
    if (link) window.location.assign(link.href);
  };

  const upvote = (item) => {
    const form = item.querySelector("form[data-upvote]");
    if (form) form.requestSubmit();
  };

  let help = null;
  const toggleHelp = () => {
    if (!help) {
      help = document.createElement("dialog");
      help.className = "kb-help";
      help.setAttribute("aria-labelledby", "kb-help-title");
      const title = document.createElement("h2");
      title.id = "kb-help-title";
      title.textContent = "Keyboard shortcuts";
      const list = document.createElement("dl");
      const keys = [
        ["j / k", "next / previous paper"],
        ["o or Enter", "open the paper"],
        ["u", "upvote the paper"],
        ["/", "search"],
        ["?", "show or hide this help"],
        ["Esc", "close"],
      ];
      for (const [key, what] of keys) {
        const dt = document.createElement("dt");
        const kbd = document.createElement("kbd");
        kbd.textContent = key;
        dt.append(kbd);
        const dd = document.createElement("dd");
        dd.textContent = what;
        list.append(dt, dd);
      }
      const close = document.createElement("button");
      close.type = "button";
      close.textContent = "Close";
      close.addEventListener("click", () => help.close());
      help.append(title, list, close);
      document.body.append(help);
    }
    if (help.open) help.close();
    else help.showModal();
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    if (help && help.open) {
      if (event.key === "?") {
        event.preventDefault();
        help.close();
      }
      return;
    }
    const item = focusedItem();
    switch (event.key) {
      case "j":
        select(item ? current + 1 : 0);
        break;
      case "k":
        select(item ? current - 1 : 0);
        break;
      case "o":
        if (!item) return;
        open(item);
        break;
      case "Enter":
        // Enter on a link or button inside the card does what it always does.
        if (!item || event.target !== item) return;
        open(item);
        break;
      case "u":
        if (!item) return;
        upvote(item);
        break;
      case "/": {
        const search = document.getElementById("q") || document.getElementById("site-search");
        if (!search) return;
        search.focus();
        search.select();
        break;
      }
      case "?":
        toggleHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  // A click inside a card makes it the focused one, so j/k go on from there.
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target.closest(ITEMS) : null;
    if (!target) return;
    items().forEach((el) => el.classList.toggle(FOCUSED, el === target));
  });
})();
