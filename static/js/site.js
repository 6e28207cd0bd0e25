// The one small module for what htmx cannot do declaratively.

// After htmx swaps content in, move focus to the element that asks for it,
// so keyboard and screen-reader users land on what just appeared.
document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.elt;
  const wanted = target && target.querySelector ? target.querySelector("[data-autofocus]") : null;
  if (wanted) {
    wanted.focus();
  }
});

// "Cancel" under an inline reply form closes the form where it opened, and
// gives focus back to the answer's "Reply" link. Without JavaScript the same
// link simply goes back to the answer.
document.addEventListener("click", (event) => {
  const cancel = event.target.closest("[data-cancel]");
  const slot = cancel ? cancel.closest(".reply-slot") : null;
  if (!slot) {
    return;
  }
  event.preventDefault();
  slot.replaceChildren();
  const reply = slot.closest("article")?.querySelector(".answer__actions a[hx-get$='/reply/']");
  if (reply) {
    reply.focus();
  }
});

// A menu that takes effect when changed (the sort of answers): with JavaScript there is
// no need for its button, which stays for those without.
for (const form of document.querySelectorAll("form[data-submit-on-change]")) {
  form.querySelector("[data-without-js]")?.setAttribute("hidden", "");
  form.addEventListener("change", () => form.requestSubmit());
}
