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
