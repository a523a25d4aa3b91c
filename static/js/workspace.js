// The coding workspace: selection → code picker → htmx post; highlights' tooltips, segment panel, jumps, undo.
import { offsetsToRange, rangeToOffsets } from "./offsets.js";

const text = () => document.getElementById("text");
const picker = document.getElementById("picker");
const tooltip = document.getElementById("tooltip");
const toast = document.getElementById("toast");
const RECENT_KEY = "crosscase:recent-codes";
const PARENT_KEY = "crosscase:in-vivo-parent";

let lastSelection = null; // {start, end} of the latest selection inside the text
let active = 0; // index of the highlighted option in the picker list
let options = []; // codes currently listed in the picker

// Where the picker and the tooltip float: rules in a constructed stylesheet, not style attributes, which the
// Content-Security-Policy refuses when htmx restores its snapshot of the page on Back.
const placement = new CSSStyleSheet();
document.adoptedStyleSheets = [...document.adoptedStyleSheets, placement];
const places = {};

function place(element, left, top) {
  places[element.id] = `#${element.id}{left:${left}px;top:${top}px}`;
  placement.replaceSync(Object.values(places).join(""));
}

function readJSON(id, fallback) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : fallback;
}

function showToast(message) {
  toast.textContent = message;
  toast.hidden = false;
  clearTimeout(showToast.timer);
  showToast.timer = setTimeout(() => (toast.hidden = true), 6000);
}

// Selection ------------------------------------------------------------------------------------------------

function currentOffsets() {
  const selection = window.getSelection();
  if (!selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!text().contains(range.commonAncestorContainer)) return null;
  return rangeToOffsets(text(), range);
}

function rememberSelection() {
  const offsets = currentOffsets();
  if (offsets) lastSelection = offsets;
  return offsets;
}

// Picker ---------------------------------------------------------------------------------------------------

function codable() {
  return readJSON("picker-codes", []).filter((code) => code.codable);
}

function recentIds() {
  const server = readJSON("recent-codes", []);
  let local = [];
  try {
    local = JSON.parse(localStorage.getItem(`${RECENT_KEY}:${text().dataset.transcript}`) || "[]");
  } catch {
    local = [];
  }
  return [...new Set([...local, ...server])].slice(0, 8);
}

function renderOptions() {
  const list = document.getElementById("picker-list");
  const query = document.getElementById("picker-filter").value.trim().toLowerCase();
  const codes = codable();
  const ticked = new Set(Array.from(list.querySelectorAll("input:checked")).map((input) => Number(input.value)));
  const recent = recentIds();
  let matches = codes.filter((code) => !query || code.path.toLowerCase().includes(query));
  const rank = (code) => (recent.includes(code.id) ? recent.indexOf(code.id) : recent.length + 1);
  if (!query) matches = [...matches].sort((a, b) => rank(a) - rank(b));
  options = matches.slice(0, 60);
  list.replaceChildren();
  options.forEach((code, index) => {
    const item = document.createElement("li");
    item.role = "option";
    item.id = `option-${code.id}`;
    item.dataset.index = index;
    item.className = index === active ? "active" : "";
    item.setAttribute("aria-selected", ticked.has(code.id) ? "true" : "false");
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "codes";
    box.value = code.id;
    box.checked = ticked.has(code.id);
    box.tabIndex = -1;
    const swatch = document.createElement("span");
    swatch.className = `swatch colour-${code.colour.slice(1)}`; // painted by paint.js
    const name = document.createElement("span");
    name.textContent = code.name;
    const path = document.createElement("small");
    path.className = "muted";
    path.textContent = code.path === code.name ? "" : ` ${code.path.slice(0, code.path.length - code.name.length - 3)}`;
    label.append(box, swatch, name, path);
    if (recent.includes(code.id) && !query) item.classList.add("recent");
    item.append(label);
    list.append(item);
  });
  // Ticked codes that the filter hides still go with the form.
  for (const id of ticked) {
    if (!options.some((code) => code.id === id)) {
      const hidden = document.createElement("input");
      hidden.type = "checkbox";
      hidden.name = "codes";
      hidden.value = id;
      hidden.checked = true;
      hidden.hidden = true;
      list.append(hidden);
    }
  }
  if (query && !codes.some((code) => code.name.toLowerCase() === query)) {
    const create = document.createElement("li");
    create.className = `create${options.length === 0 ? " active" : ""}`;
    create.role = "option";
    create.textContent = `Create “${document.getElementById("picker-filter").value.trim()}” as a new open code`;
    create.dataset.create = "true";
    list.append(create);
  }
  const filter = document.getElementById("picker-filter");
  const current = list.querySelector("li.active");
  filter.setAttribute("aria-activedescendant", current && current.id ? current.id : "");
}

function moveActive(step) {
  const items = document.querySelectorAll("#picker-list li");
  if (!items.length) return;
  active = (active + step + items.length) % items.length;
  items.forEach((item, index) => item.classList.toggle("active", index === active));
  items[active].scrollIntoView({ block: "nearest" });
}

function tickActive() {
  const item = document.querySelectorAll("#picker-list li")[active];
  if (!item) return false;
  if (item.dataset.create) {
    startNewCode(document.getElementById("picker-filter").value.trim());
    return true;
  }
  const box = item.querySelector("input");
  box.checked = !box.checked;
  item.setAttribute("aria-selected", box.checked ? "true" : "false");
  return box.checked;
}

function startNewCode(name) {
  const details = picker.querySelector(".new-code");
  details.open = true;
  document.getElementById("new-code").value = name;
}

function fillParents() {
  const select = document.getElementById("new-code-parent");
  const remembered = localStorage.getItem(PARENT_KEY) || "";
  select.replaceChildren(new Option("(top level)", ""));
  for (const code of readJSON("picker-codes", [])) {
    select.append(new Option(code.path, code.id, false, String(code.id) === remembered));
  }
}

function openPicker(offsets, quote) {
  if (!picker) return;
  picker.elements.start.value = offsets.start;
  picker.elements.end.value = offsets.end;
  picker.querySelector(".picker-quote").textContent = quote.length > 140 ? `${quote.slice(0, 140)}…` : quote;
  const filter = document.getElementById("picker-filter");
  filter.value = "";
  active = 0;
  document.getElementById("picker-list").replaceChildren();
  picker.querySelector(".new-code").open = false;
  document.getElementById("new-code").value = "";
  fillParents();
  picker.querySelector('input[name="valence"][value="none"]').checked = true;
  renderOptions();
  const range = offsetsToRange(text(), offsets.start, offsets.end);
  const box = range ? range.getBoundingClientRect() : text().getBoundingClientRect();
  picker.hidden = false;
  const width = picker.offsetWidth;
  place(
    picker,
    Math.max(8, Math.min(window.scrollX + box.left, window.scrollX + window.innerWidth - width - 16)),
    window.scrollY + box.bottom + 8,
  );
  filter.focus({ preventScroll: true });
}

function closePicker() {
  if (picker) picker.hidden = true;
}

function applyPicker() {
  // Enter applies the highlighted code together with any ticked ones.
  const list = document.getElementById("picker-list");
  const item = list.querySelectorAll("li")[active];
  const naming = document.getElementById("new-code").value.trim() !== "";
  // While a new code is being named it goes with the ticked codes only.
  if (!naming && item && item.dataset.create) {
    startNewCode(document.getElementById("picker-filter").value.trim());
  } else if (!naming && item) {
    const box = item.querySelector("input");
    if (box && !box.checked) tickActive();
  }
  const chosen = Array.from(list.querySelectorAll("input:checked")).map((input) => Number(input.value));
  const key = `${RECENT_KEY}:${text().dataset.transcript}`;
  localStorage.setItem(key, JSON.stringify([...new Set([...chosen, ...recentIds()])].slice(0, 8)));
  localStorage.setItem(PARENT_KEY, document.getElementById("new-code-parent").value);
  picker.requestSubmit();
}

function setValence(value) {
  picker.querySelector(`input[name="valence"][value="${value}"]`).checked = true;
}

function pickerKeys(event) {
  const filter = document.getElementById("picker-filter");
  if (event.key === "Escape") {
    event.preventDefault();
    closePicker();
    text().focus({ preventScroll: true });
  } else if (event.target === filter && event.key === "ArrowDown") {
    event.preventDefault();
    moveActive(1);
  } else if (event.target === filter && event.key === "ArrowUp") {
    event.preventDefault();
    moveActive(-1);
  } else if (event.target === filter && event.key === "Enter" && event.shiftKey) {
    event.preventDefault();
    tickActive();
  } else if (event.key === "Enter" && event.target.tagName !== "TEXTAREA" && event.target.tagName !== "BUTTON") {
    event.preventDefault();
    applyPicker();
  } else if (event.target === filter && filter.value === "" && ["+", "-", "0"].includes(event.key)) {
    // With an empty filter, + − 0 set the effect instead of typing.
    event.preventDefault();
    setValence({ "+": "positive", "-": "negative", 0: "none" }[event.key]);
  }
}

// Segment panel, tooltips, jumps -----------------------------------------------------------------------------

function tipsFor(element) {
  const paragraph = element.closest(".para");
  return paragraph ? JSON.parse(paragraph.dataset.tips || "{}") : {};
}

function openSegment(id) {
  const url = text().dataset.segmentUrl.replace(/\/s\/0\/$/, `/s/${id}/`);
  htmx.ajax("GET", url, { target: "#segment-panel", swap: "outerHTML" });
}

function innermostSegment(run) {
  const tips = tipsFor(run);
  const ids = (run.dataset.s || "").split(" ").filter(Boolean);
  ids.sort((a, b) => {
    const ta = tips[a] || { start: 0, end: Infinity };
    const tb = tips[b] || { start: 0, end: Infinity };
    return ta.end - ta.start - (tb.end - tb.start);
  });
  return ids[0];
}

function describe(tips, ids) {
  const lines = [];
  for (const id of ids) {
    const tip = tips[id];
    if (!tip) continue;
    for (const code of tip.codes) {
      const sign = { positive: " (+)", negative: " (−)" }[code.valence] || "";
      lines.push(`${code.name}${sign} · ${code.coder}`);
    }
    if (tip.memo) lines.push(`Memo: ${tip.memo.length > 200 ? `${tip.memo.slice(0, 200)}…` : tip.memo}`);
  }
  return lines;
}

function showTooltip(anchor, ids) {
  const lines = describe(tipsFor(anchor), ids);
  if (!lines.length) return;
  tooltip.replaceChildren(
    ...lines.map((line) => {
      const row = document.createElement("div");
      row.textContent = line;
      return row;
    }),
  );
  const box = anchor.getBoundingClientRect();
  tooltip.hidden = false;
  place(tooltip, window.scrollX + box.left, window.scrollY + box.top - tooltip.offsetHeight - 6);
}

function hideTooltip() {
  tooltip.hidden = true;
}

const jumpPosition = new Map();

function jump(codeId, step) {
  const chips = Array.from(document.querySelectorAll(`#text .chip[data-code="${codeId}"]`));
  if (!chips.length) return;
  const previous = jumpPosition.has(codeId) ? jumpPosition.get(codeId) : step > 0 ? -1 : chips.length;
  const index = (previous + step + chips.length) % chips.length;
  jumpPosition.set(codeId, index);
  const chip = chips[index];
  chip.scrollIntoView({ block: "center" });
  chip.focus({ preventScroll: true });
  chip.classList.add("flash");
  setTimeout(() => chip.classList.remove("flash"), 1200);
}

function useSelectionForSpan(button) {
  const form = button.closest("form");
  const offsets = currentOffsets() || lastSelection;
  if (!offsets) {
    showToast("Select the new passage in the text first.");
    return;
  }
  form.elements.start.value = offsets.start;
  form.elements.end.value = offsets.end;
}

// Wiring ---------------------------------------------------------------------------------------------------

function onTextMouseUp(event) {
  if (event.target.closest(".pmargin")) return;
  setTimeout(() => {
    const offsets = rememberSelection();
    if (offsets && text().dataset.canCode === "true") {
      openPicker(offsets, window.getSelection().toString().trim());
    } else if (!offsets) {
      const run = event.target.closest(".hl");
      if (run) openSegment(innermostSegment(run));
    }
  }, 0);
}

function onTextKeyDown(event) {
  if (event.key === "Enter") {
    event.preventDefault();
    const offsets = rememberSelection();
    if (offsets && text().dataset.canCode === "true") openPicker(offsets, window.getSelection().toString().trim());
  }
}

function blockEditing(event) {
  if (text().contains(event.target)) event.preventDefault();
}

document.addEventListener("beforeinput", blockEditing);
document.addEventListener("paste", blockEditing);
document.addEventListener("drop", blockEditing);
document.addEventListener("cut", blockEditing);

document.addEventListener("mouseup", (event) => {
  if (text() && text().contains(event.target)) onTextMouseUp(event);
});
document.addEventListener("keydown", (event) => {
  if (text() && text().contains(event.target) && !event.target.closest(".pmargin")) onTextKeyDown(event);
  if ((event.ctrlKey || event.metaKey) && event.key === "z" && !event.target.closest("input, textarea, select")) {
    event.preventDefault();
    const undo = document.querySelector("#undo-bar button:not([disabled])");
    if (undo) htmx.ajax("POST", undo.form.action, { source: undo.form, swap: "none" });
  }
});
document.addEventListener("selectionchange", () => {
  if (text()) rememberSelection();
});
document.addEventListener("click", (event) => {
  const chip = event.target.closest(".chip");
  if (chip) openSegment(chip.dataset.segment);
  const jumpButton = event.target.closest(".jump button");
  if (jumpButton) jump(jumpButton.dataset.code, jumpButton.classList.contains("next") ? 1 : -1);
  if (event.target.closest(".close-segment")) {
    document.getElementById("segment-panel").replaceChildren();
  }
  if (event.target.closest(".use-selection")) useSelectionForSpan(event.target.closest(".use-selection"));
  const add = event.target.closest(".add-codes");
  if (add) {
    const range = offsetsToRange(text(), Number(add.dataset.start), Number(add.dataset.end));
    if (range) {
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
    openPicker({ start: Number(add.dataset.start), end: Number(add.dataset.end) }, range ? range.toString() : "");
  }
  if (picker && !picker.hidden && !picker.contains(event.target) && !text().contains(event.target)) closePicker();
  const option = event.target.closest("#picker-list li");
  if (option && option.dataset.create) startNewCode(document.getElementById("picker-filter").value.trim());
});
document.addEventListener("mouseover", (event) => {
  const run = event.target.closest && event.target.closest("#text .hl");
  if (run) showTooltip(run, (run.dataset.s || "").split(" "));
  else if (!event.target.closest || !event.target.closest(".chip")) hideTooltip();
});
document.addEventListener("focusin", (event) => {
  const chip = event.target.closest && event.target.closest(".chip");
  if (chip) showTooltip(chip, [chip.dataset.segment]);
});
document.addEventListener("focusout", hideTooltip);

if (picker) {
  picker.addEventListener("keydown", pickerKeys);
  document.getElementById("picker-filter").addEventListener("input", () => {
    active = 0;
    renderOptions();
  });
  picker.querySelector(".picker-cancel").addEventListener("click", closePicker);
  picker.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful) {
      closePicker();
      window.getSelection().removeAllRanges();
    }
  });
}

document.addEventListener("input", (event) => {
  if (event.target.id !== "code-search") return;
  const query = event.target.value.trim().toLowerCase();
  for (const row of document.querySelectorAll("#code-panel .code-row")) {
    row.hidden = Boolean(query) && !row.dataset.name.includes(query);
  }
});

// Actions keep the text's current filters, so the paragraphs they send back are drawn the same way.
document.body.addEventListener("htmx:configRequest", (event) => {
  const filters = text() && text().dataset.filters;
  if (event.detail.verb === "post" && filters) {
    event.detail.path += (event.detail.path.includes("?") ? "&" : "?") + filters;
  }
});
document.body.addEventListener("htmx:responseError", (event) => {
  const html = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
  showToast(html.body.textContent.trim() || "That did not work; reload the page and try again.");
});
document.body.addEventListener("counts", (event) => {
  for (const [codeId, count] of Object.entries(event.detail)) {
    const row = document.querySelector(`#code-panel .code-row[data-code="${codeId}"]`);
    if (!row) continue;
    row.querySelector(".count").textContent = count;
    row.querySelector(".jump").hidden = count === 0;
  }
});
document.body.addEventListener("segment-saved", (event) => {
  const chip = document.querySelector(`#text .chip[data-segment="${event.detail.id}"]`);
  if (chip) chip.classList.add("flash");
});

function openFromHash() {
  const match = /^#s(\d+)$/.exec(window.location.hash);
  if (!match) return;
  const chip = document.querySelector(`#text .chip[data-segment="${match[1]}"]`);
  if (chip) chip.scrollIntoView({ block: "center" });
  openSegment(match[1]);
}
openFromHash();
window.addEventListener("hashchange", openFromHash);
