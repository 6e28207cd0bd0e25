// The moderation queue (templates/moderation/queue.html): where focus goes after a decision
// made with htmx, and single-key shortcuts. Everything works without it: each decision is
// a plain form. Shortcuts act only while focus is inside the queue, never while typing in
// a field, and not at all when the moderator switched them off (WCAG 2.1.4): the list
// then has no data-shortcuts="on".

const queue = document.querySelector("#queue");

function items() {
  return queue ? [...queue.querySelectorAll(":scope > .queue-item")] : [];
}

function focusItem(item) {
  if (item) {
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  }
}

// After a decision the item is replaced (or removed once it left the tab): the moderator
// goes on with the next one, or the one before when it was the last.
let following = null;
document.addEventListener("htmx:beforeRequest", (event) => {
  const item = event.detail.elt.closest?.(".queue-item");
  if (item) {
    following = { id: item.id, next: item.nextElementSibling ?? item.previousElementSibling };
  }
});
document.body.addEventListener("agora:decided", (event) => {
  const same = document.getElementById(`item-${event.detail.id}`);
  if (same) {
    // Still in the list: refused, or still waiting (pinned, featured). Stay on it.
    focusItem(same);
  } else if (following?.next?.isConnected) {
    focusItem(following.next);
  } else {
    const title = document.getElementById("queue-title");
    title?.setAttribute("tabindex", "-1");
    title?.focus();
  }
  following = null;
});
// A refusal (409) or a form error (400) comes back without that event: stay on the item.
document.addEventListener("htmx:afterSettle", (event) => {
  const status = event.detail.xhr?.status;
  if ((status === 409 || status === 400) && following) {
    focusItem(document.getElementById(following.id));
    following = null;
  }
});

const help = document.querySelector("#shortcuts-help");
const hint = document.querySelector("[data-shortcuts-hint]");

if (queue?.dataset.shortcuts === "on") {
  hint?.removeAttribute("hidden");
  let returnTo = null;

  function toggleHelp() {
    if (!help) {
      return;
    }
    if (help.open) {
      help.close();
    } else {
      returnTo = document.activeElement;
      help.showModal();
    }
  }
  help?.addEventListener("close", () => {
    if (returnTo?.isConnected) {
      returnTo.focus();
    }
  });
  help?.querySelector("[data-close-dialog]")?.addEventListener("click", () => help.close());
  help?.addEventListener("keydown", (event) => {
    if (event.key === "?") {
      event.preventDefault();
      help.close();
    }
  });

  queue.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (event.target.closest("input, textarea, select, [contenteditable]")) {
      return;
    }
    const all = items();
    const current = event.target.closest(".queue-item");
    const index = current ? all.indexOf(current) : -1;
    switch (event.key) {
      case "j":
        focusItem(all[Math.min(index + 1, all.length - 1)]);
        break;
      case "k":
        focusItem(all[Math.max(index - 1, 0)]);
        break;
      case "a": {
        const approve = current?.querySelector("form.decision--approve button");
        if (!approve) {
          return;
        }
        approve.click();
        break;
      }
      case "r": {
        const details = current?.querySelector(".queue-item__remove");
        if (!details) {
          return;
        }
        details.open = true;
        details.querySelector("[data-removal-rule]")?.focus();
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
}
