// The page's screens and texts: what every shared module that draws on the
// page needs, in one module that imports none of them.

export const $ = (id) => document.getElementById(id);

// Each screen is a <section data-screen="name">; one is shown at a time.
export function showScreen(name) {
  for (const section of document.querySelectorAll("[data-screen]")) {
    section.hidden = section.dataset.screen !== name;
  }
  const first = document.querySelector(`[data-screen="${name}"] [data-autofocus]`);
  if (first) first.focus();
}

export function setText(id, text) {
  $(id).textContent = text;
}
