// The analysis pages: collapsing the matrix's code tree, marking the cell being read, and the drill-down drawer
// (the focus moves into it when a cell opens, Esc or Close shuts it and gives the focus back to the cell).
// Everything else (filters, drill-down) is htmx on plain links and forms, so the pages work without this file:
// there the drawer's Close is a link to the table without the cell.

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
  const close = event.target.closest("#drilldown [data-close-drawer]");
  if (close) {
    event.preventDefault();
    closeDrawer();
    return;
  }
  const link = event.target.closest("td.cell a");
  if (link) {
    opener = link;
    document.querySelectorAll("td.cell.selected").forEach((cell) => cell.classList.remove("selected"));
    link.closest("td").classList.add("selected");
  }
});

// The cell link that opened the drawer, to give the focus back to when it closes.
let opener = null;

function closeDrawer() {
  const drawer = document.getElementById("drilldown");
  if (!drawer || drawer.hidden) return;
  drawer.hidden = true;
  drawer.replaceChildren();
  document.querySelectorAll("td.cell.selected").forEach((cell) => cell.classList.remove("selected"));
  // Opened without this script (the page loaded with the cell), the opener is the selected cell's link.
  const back = opener && opener.isConnected ? opener : null;
  if (back) back.focus();
  opener = null;
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented) return;
  const drawer = document.getElementById("drilldown");
  if (drawer && !drawer.hidden) {
    event.preventDefault();
    closeDrawer();
  }
});

// Each new table (the filters swap it) keeps the rows collapsed that the reader collapsed.
document.addEventListener("htmx:afterSwap", (event) => {
  const table = document.getElementById("matrix");
  if (table) applyCollapse(table);
  const drilldown = document.getElementById("drilldown");
  if (event.detail.target && event.detail.target.id === "drilldown" && drilldown && !drilldown.hidden) {
    drilldown.focus({ preventScroll: true });
  }
});

const table = document.getElementById("matrix");
if (table) applyCollapse(table);
