// The one small module for what htmx cannot do declaratively: where focus goes after a
// swap, what a screen reader hears about it, and two conveniences. Everything works
// without it; it only makes the htmx version as easy to follow as the plain one.

// One polite live region for the whole page, made here so the markup stays static.
const announcer = document.createElement("div");
announcer.className = "visually-hidden";
announcer.setAttribute("role", "status");
announcer.setAttribute("aria-live", "polite");
document.body.append(announcer);

function announce(message) {
  // Emptied first, so the same sentence twice is read twice.
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = message;
  }, 50);
}

// Move focus to something that cannot normally take it (an answer, a text).
function focusOn(element) {
  if (!element) {
    return;
  }
  if (!element.matches("a, button, input, select, textarea, [tabindex]")) {
    element.setAttribute("tabindex", "-1");
  }
  element.focus();
}

// The server says what happened (HX-Trigger after settle, in the reader's language).
document.body.addEventListener("agora:announce", (event) => announce(event.detail.message));
document.body.addEventListener("agora:posted", (event) => {
  focusOn(document.querySelector(`#a${event.detail.id} > details > article`));
  announce(event.detail.message);
});

// A vote button is disabled while its vote is sent, and its widget is then replaced:
// give focus back to the same button of the new widget.
let voteInFocus = null;
// The link that opened an inline form under an answer ("Reply", "Delete"), to return to.
let slotOpener = null;
document.addEventListener("htmx:beforeRequest", (event) => {
  const button = document.activeElement;
  voteInFocus = button?.matches?.(".vote__button")
    ? { action: button.form.getAttribute("action"), up: button.matches(".vote__button--up") }
    : null;
  if (event.detail.elt.getAttribute("data-hx-target")?.startsWith("#reply-")) {
    slotOpener = event.detail.elt;
  }
});

// After htmx swaps content in, move focus where the person's next step is.
document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.elt;
  if (voteInFocus) {
    const widget = document.querySelector(`form.vote[action="${voteInFocus.action}"]`);
    const direction = voteInFocus.up ? "up" : "down";
    voteInFocus = null;
    focusOn(widget?.querySelector(`.vote__button--${direction}`) ?? widget);
    return;
  }
  const wanted = target?.querySelector?.("[data-autofocus]");
  if (wanted) {
    wanted.focus();
  } else if (target?.matches?.(".answer__body:not(.preview)")) {
    focusOn(target); // an answer just edited or withdrawn
  }
});

// "Cancel" under an inline form (reply, delete) closes it where it opened, and gives
// focus back to the answer. Without JavaScript the same link goes back to the answer.
document.addEventListener("click", (event) => {
  const cancel = event.target.closest("[data-cancel]");
  const slot = cancel ? cancel.closest(".reply-slot") : null;
  if (!slot) {
    return;
  }
  event.preventDefault();
  const article = slot.closest("article");
  slot.replaceChildren();
  focusOn(slotOpener?.isConnected && article?.contains(slotOpener) ? slotOpener : article);
});

// A menu that takes effect when changed (the sort of answers): with JavaScript there is
// no need for its button, which stays for those without.
// From the keyboard, arrows only move through the choices (WCAG 3.2.2: no change of page
// on input): the button comes back, and Enter applies the choice.
for (const form of document.querySelectorAll("form[data-submit-on-change]")) {
  const button = form.querySelector("[data-without-js]");
  button?.setAttribute("hidden", "");
  let fromKeyboard = false;
  form.addEventListener("keydown", (event) => {
    fromKeyboard = event.key !== "Enter";
    if (event.key === "Enter" && event.target.matches("select")) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("pointerdown", () => {
    fromKeyboard = false;
  });
  form.addEventListener("change", () => {
    if (fromKeyboard) {
      button?.removeAttribute("hidden");
    } else {
      form.requestSubmit();
    }
  });
}

// Recent times read as "il y a 3 minutes" / "3 minutes ago", in the page's language; the
// exact date stays in the tooltip, and in the text without JavaScript. Done here rather
// than on the server because answers are rendered once and cached.
const RELATIVE_FOR = 7 * 24 * 3600; // seconds: older dates stay dates
const STEPS = [
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];
function relativeTimes(root) {
  const format = new Intl.RelativeTimeFormat(document.documentElement.lang || "fr", {
    numeric: "auto",
  });
  for (const time of root.querySelectorAll(".answer__meta time[datetime]")) {
    const seconds = (Date.parse(time.getAttribute("datetime")) - Date.now()) / 1000;
    if (Number.isNaN(seconds) || -seconds > RELATIVE_FOR) {
      continue;
    }
    const [unit, size] = STEPS.find(([, size]) => -seconds >= size) ?? ["second", 1];
    time.title ||= time.textContent;
    time.textContent = format.format(Math.round(seconds / size), unit);
  }
}
relativeTimes(document);
document.addEventListener("htmx:load", (event) => relativeTimes(event.detail.elt));

// A part of the site unavailable for a moment (503): htmx swaps nothing, so say it beside
// what the person used, once, and aloud.
document.body.addEventListener("agora:unavailable", (event) => {
  const where = event.detail.elt?.closest?.("form") ?? event.detail.elt;
  if (where && !where.nextElementSibling?.matches?.(".notice--unavailable")) {
    const notice = document.createElement("p");
    notice.className = "notice notice--error notice--unavailable";
    notice.textContent = event.detail.message;
    where.after(notice);
  }
  announce(event.detail.message);
});
