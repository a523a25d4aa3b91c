// The codebook page. Everything here enhances what works without it: the tree folds with <details>, a code's
// name links to its page, ↑ / ↓ are forms, and each code's page has a Move form.
//
// - Arrow keys on the tree: ↓ / ↑ go to the next or previous visible code, → opens a code's sub-codes (then
//   goes to the first), ← closes them (or goes to the parent), Home / End to the first or last code.
// - Choosing a code (htmx on its link) shows it in the detail panel; the row is marked as chosen.
// - Drag and drop (owners): drop a code's row on another code to move it, with its sub-codes, under that code;
//   on the upper or lower edge of a sibling to put it before or after that sibling; on the "top level" zone to
//   make it a top-level code. The server checks the change and answers with the redrawn tree, or with the
//   reason it refused.
// - Redrawing the tree keeps the branches the reader folded, and the focus on the button that moved a code.

const status = document.getElementById("codebook-status");
const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
const EDGE = 0.3; // the share of a sibling's row, top and bottom, that means "before" / "after" it

function trees() {
  return document.getElementById("codebook-trees");
}

function nodeOf(element) {
  return element instanceof Element ? element.closest("#codebook-trees li.node") : null;
}

function linkOf(node) {
  return node.querySelector(":scope > .row .code-link");
}

function branchOf(node) {
  return node.querySelector(":scope > details.branch");
}

// Folding --------------------------------------------------------------------------------------------------

function closedCodes() {
  return new Set(
    [...document.querySelectorAll("#codebook-trees details.branch:not([open])")].map(
      (details) => details.closest("li.node").dataset.codeId,
    ),
  );
}

function restoreClosed(closed) {
  for (const id of closed) {
    const node = document.getElementById(`code-${id}`);
    const branch = node && branchOf(node);
    if (branch) branch.open = false;
  }
}

for (const button of document.querySelectorAll("[data-tree-all]")) button.hidden = false;

document.addEventListener("click", (event) => {
  const all = event.target.closest("[data-tree-all]");
  if (!all) return;
  const open = all.dataset.treeAll === "open";
  document.querySelectorAll("#codebook-trees details.branch").forEach((details) => (details.open = open));
});

// Arrow keys -----------------------------------------------------------------------------------------------

function visibleLinks() {
  return [...document.querySelectorAll("#codebook-trees .code-link")].filter((link) => link.checkVisibility());
}

document.addEventListener("keydown", (event) => {
  const link = event.target.closest && event.target.closest("#codebook-trees .code-link");
  if (!link || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const node = nodeOf(link);
  const branch = branchOf(node);
  const links = visibleLinks();
  const index = links.indexOf(link);
  let next = null;
  switch (event.key) {
    case "ArrowDown":
      next = links[index + 1];
      break;
    case "ArrowUp":
      next = links[index - 1];
      break;
    case "Home":
      next = links[0];
      break;
    case "End":
      next = links[links.length - 1];
      break;
    case "ArrowRight":
      if (branch && !branch.open) branch.open = true;
      else if (branch) next = linkOf(branch.querySelector("li.node"));
      break;
    case "ArrowLeft": {
      if (branch && branch.open) branch.open = false;
      else {
        const parent = nodeOf(node.parentElement);
        if (parent) next = linkOf(parent);
      }
      break;
    }
    default:
      return;
  }
  event.preventDefault();
  if (next) next.focus();
});

// The detail panel -----------------------------------------------------------------------------------------

document.addEventListener("htmx:afterSwap", (event) => {
  const panel = document.getElementById("code-panel");
  if (event.detail.target && event.detail.target.id === "code-panel" && panel) {
    const chosen = nodeOf(event.detail.requestConfig && event.detail.requestConfig.elt);
    document.querySelectorAll("#codebook-trees .row.chosen").forEach((row) => row.classList.remove("chosen"));
    document.querySelectorAll("#codebook-trees [aria-current]").forEach((link) => link.removeAttribute("aria-current"));
    if (chosen) {
      chosen.querySelector(":scope > .row").classList.add("chosen");
      linkOf(chosen).setAttribute("aria-current", "true");
    }
  }
});

// ↑ / ↓ with htmx: keep the folds and the focus ------------------------------------------------------------

let pending = null; // what the redraw should restore: folded branches, and which button to focus

document.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.detail.elt;
  if (!(form instanceof HTMLFormElement) || !form.closest("#codebook-trees .reorder")) return;
  pending = {
    closed: closedCodes(),
    code: nodeOf(form).dataset.codeId,
    direction: form.elements.direction.value,
  };
});

document.addEventListener("htmx:afterSwap", (event) => {
  if (!pending || !event.detail.target || event.detail.target.id !== "codebook-trees") return;
  const { closed, code, direction } = pending;
  pending = null;
  restoreClosed(closed);
  const node = document.getElementById(`code-${code}`);
  if (!node) return;
  const buttons = [...node.querySelectorAll(":scope > .row .reorder button")];
  const same = buttons[direction === "up" ? 0 : 1];
  (same && !same.disabled ? same : buttons.find((button) => !button.disabled) || linkOf(node)).focus();
  const name = node.dataset.name;
  say(`“${name}” moved ${direction}.`, false);
});

document.addEventListener("htmx:responseError", (event) => {
  if (!pending) return;
  pending = null;
  say(event.detail.xhr.responseText ? textOf(event.detail.xhr.responseText) : "Nothing was moved.", true);
});

// Drag and drop (owners) -----------------------------------------------------------------------------------

let dragged = null;

function say(text, isError) {
  status.replaceChildren();
  const message = document.createElement("p");
  message.className = `message ${isError ? "error" : "success"}`;
  message.textContent = text;
  status.append(message);
}

function textOf(html) {
  return new DOMParser().parseFromString(html, "text/html").body.textContent.trim();
}

// Where a drop at `event` would put the dragged code: {target, place} with place "under", "before", "after"
// or "top"; null where it cannot go.
function dropAt(event) {
  if (!dragged || !(event.target instanceof Element)) return null;
  const top = event.target.closest("#codebook-trees [data-drop-top]");
  if (top) return { target: top, place: "top" };
  const row = event.target.closest("#codebook-trees li.node > .row");
  if (!row) return null;
  const node = row.parentElement;
  // Onto one of its own sub-codes it may be dropped: the server refuses it with the reason, which is shown.
  if (node === dragged) return null;
  let place = "under";
  if (node.dataset.parent === dragged.dataset.parent) {
    const box = row.getBoundingClientRect();
    const share = (event.clientY - box.top) / box.height;
    if (share < EDGE) place = "before";
    else if (share > 1 - EDGE) place = "after";
  }
  return { target: place === "top" ? top : row, node, place };
}

function clearMarks() {
  document
    .querySelectorAll(".drop-over, .drop-before, .drop-after")
    .forEach((element) => element.classList.remove("drop-over", "drop-before", "drop-after"));
}

async function send(url, fields, done) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  body.set("compact", trees().dataset.compact || "");
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": csrf, "HX-Request": "true" },
      credentials: "same-origin",
    });
  } catch {
    say(`${done.failed}: the server could not be reached.`, true);
    return;
  }
  const html = await response.text();
  if (!response.ok) {
    say(textOf(html) || `${done.failed}.`, true);
    return;
  }
  const closed = closedCodes();
  trees().outerHTML = html;
  restoreClosed(closed);
  if (window.htmx) window.htmx.process(trees()); // the redrawn ↑ / ↓ forms and code links
  say(done.ok, false);
}

function drop(node, { node: target, place }) {
  const name = node.dataset.name;
  const failed = `“${name}” was not moved`;
  if (place === "before" || place === "after") {
    const ok = `“${name}” moved ${place} “${target.dataset.name}”.`;
    send(node.dataset.reorderUrl, { [place]: target.dataset.codeId }, { ok, failed });
  } else if (place === "under") {
    const ok = `“${name}” moved under “${target.dataset.name}”.`;
    send(node.dataset.moveUrl, { parent: target.dataset.codeId }, { ok, failed });
  } else {
    send(node.dataset.moveUrl, { parent: "" }, { ok: `“${name}” moved to the top level.`, failed });
  }
}

document.addEventListener("dragstart", (event) => {
  const row = event.target instanceof Element ? event.target.closest("#codebook-trees .row[draggable]") : null;
  if (!row) return;
  dragged = row.parentElement;
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", dragged.dataset.name);
  dragged.classList.add("dragging");
});

document.addEventListener("dragend", () => {
  if (dragged) dragged.classList.remove("dragging");
  dragged = null;
  clearMarks();
});

document.addEventListener("dragover", (event) => {
  const spot = dropAt(event);
  if (!spot) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "move";
  const mark = { under: "drop-over", top: "drop-over", before: "drop-before", after: "drop-after" }[spot.place];
  if (!spot.target.classList.contains(mark)) {
    clearMarks();
    spot.target.classList.add(mark);
  }
});

document.addEventListener("dragleave", (event) => {
  const spot = dropAt(event);
  if (spot && !spot.target.contains(event.relatedTarget)) clearMarks();
});

document.addEventListener("drop", (event) => {
  const spot = dropAt(event);
  if (!spot) return;
  event.preventDefault();
  const node = dragged;
  clearMarks();
  drop(node, spot);
});

// Quick add (owners): the new code's row arrives in place; the form is emptied for the next one ---------------

function quickForm(event) {
  const form = event.detail.elt;
  return form instanceof HTMLFormElement && form.matches("[data-quick-add]") ? form : null;
}

document.addEventListener("htmx:configRequest", (event) => {
  if (quickForm(event) && trees()) event.detail.parameters.compact = trees().dataset.compact;
});

// The ↑ / ↓ of each code in a list: the first cannot go up, the last cannot go down.
function settleReorder(list) {
  const nodes = [...list.children].filter((child) => child.matches("li.node"));
  nodes.forEach((node, index) => {
    const [up, down] = node.querySelectorAll(":scope > .row .reorder button");
    if (up) up.disabled = index === 0;
    if (down) down.disabled = index === nodes.length - 1;
  });
}

document.addEventListener("htmx:afterRequest", (event) => {
  const form = quickForm(event);
  if (!form || !event.detail.successful) return;
  const id = event.detail.xhr.responseText.match(/id="code-(\d+)"/);
  const node = id && document.getElementById(`code-${id[1]}`);
  if (node) {
    settleReorder(node.parentElement);
    const branch = node.closest("details.branch");
    if (branch) branch.open = true;
  }
  form.reset();
  form.elements.name.focus();
});

// The "Under" list of the form above the tree comes again with every change to the tree; the code chosen in it
// stays chosen, also when the form is reset after an add.
document.addEventListener("htmx:oobBeforeSwap", (event) => {
  const { target, fragment } = event.detail;
  if (target.id !== "quick-add-under") return;
  const chosen = target.querySelector("select").value;
  for (const option of fragment.querySelectorAll("option")) option.defaultSelected = option.value === chosen;
});

document.addEventListener("htmx:responseError", (event) => {
  if (quickForm(event)) say(textOf(event.detail.xhr.responseText || "") || "The code was not added.", true);
});
