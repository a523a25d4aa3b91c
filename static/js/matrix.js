// The analysis pages: collapsing the matrix's code tree, marking the cell being read.
// Everything else (filters, drill-down) is htmx on plain links and forms, so the pages work without this file.

const COLLAPSED_KEY = "crosscase:matrix-collapsed";

function collapsedCodes() {
  try {
    return new Set(JSON.parse(sessionStorage.getItem(COLLAPSED_KEY) || "[]"));
  } catch {
    return new Set();
  }
}

function saveCollapsed(codes) {
  sessionStorage.setItem(COLLAPSED_KEY, JSON.stringify([...codes]));
}

// The rows below a row in the tree: the following rows until one at the same depth or shallower.
function descendants(row) {
  const depth = Number(row.dataset.depth);
  const found = [];
  for (let next = row.nextElementSibling; next; next = next.nextElementSibling) {
    if (Number(next.dataset.depth) <= depth) break;
    found.push(next);
  }
  return found;
}

// Hides the rows under every collapsed row; a row under a collapsed ancestor stays hidden when its own
// parent is expanded.
function applyCollapse(table) {
  const collapsed = collapsedCodes();
  const rows = [...table.querySelectorAll("tbody tr[data-code]")];
  let hideBelow = Infinity;
  for (const row of rows) {
    const depth = Number(row.dataset.depth);
    if (depth <= hideBelow) hideBelow = Infinity;
    row.hidden = depth > hideBelow;
    const toggle = row.querySelector(".toggle");
    const closed = collapsed.has(row.dataset.code);
    if (toggle) {
      toggle.setAttribute("aria-expanded", String(!closed));
      const name = row.querySelector(".code-name").textContent;
      toggle.setAttribute("aria-label", `${closed ? "Expand" : "Collapse"} ${name}`);
    }
    if (closed && !row.hidden && hideBelow === Infinity) hideBelow = depth;
  }
}

function setAll(table, collapse) {
  const codes = collapse
    ? new Set([...table.querySelectorAll("tbody tr[data-code]")].filter((r) => r.querySelector(".toggle")).map((r) => r.dataset.code))
    : new Set();
  saveCollapsed(codes);
  applyCollapse(table);
}

document.addEventListener("click", (event) => {
  const toggle = event.target.closest("table.matrix .toggle");
  if (toggle) {
    const row = toggle.closest("tr");
    const codes = collapsedCodes();
    if (codes.has(row.dataset.code)) codes.delete(row.dataset.code);
    else codes.add(row.dataset.code);
    saveCollapsed(codes);
    applyCollapse(row.closest("table"));
    return;
  }
  const bulk = event.target.closest("[data-tree]");
  if (bulk) {
    const table = document.getElementById("matrix");
    if (table) setAll(table, bulk.dataset.tree === "collapse");
    return;
  }
  const link = event.target.closest("td.cell a");
  if (link) {
    document.querySelectorAll("td.cell.selected").forEach((cell) => cell.classList.remove("selected"));
    link.closest("td").classList.add("selected");
  }
});

// Each new table (the filters swap it) keeps the rows collapsed that the reader collapsed.
document.addEventListener("htmx:afterSwap", (event) => {
  const table = document.getElementById("matrix");
  if (table) applyCollapse(table);
  const drilldown = document.getElementById("drilldown");
  if (event.detail.target && event.detail.target.id === "drilldown" && drilldown) {
    drilldown.focus({ preventScroll: true });
    drilldown.scrollIntoView({ block: "nearest" });
  }
});

const table = document.getElementById("matrix");
if (table) applyCollapse(table);
