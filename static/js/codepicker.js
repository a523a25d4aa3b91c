// The code picker: turns each <select multiple data-code-picker> of the analysis forms into a searchable tree.
// Typing filters the codes by name or path; the chosen codes show as chips above the box. The select stays in
// the form (hidden) and holds the choice, so the form submits what it always did, and without this script the
// plain select works as before.
//
// Keys in the box: ↓ / ↑ move through the list, Enter chooses or un-chooses the highlighted code, Esc closes
// the list, Backspace in an empty box removes the last chip.

let serial = 0;

function normal(text) {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

function enhance(select) {
  const id = `picker-${++serial}`;
  const label = document.querySelector(`label[for="${select.id}"]`);
  const picker = document.createElement("div");
  picker.className = "code-picker";

  const chips = document.createElement("ul");
  chips.className = "picker-chips";
  chips.setAttribute("aria-label", `Chosen: ${label ? label.textContent : "codes"}`);

  const input = document.createElement("input");
  input.type = "search";
  input.id = `${id}-input`;
  input.placeholder = "Type to find a code";
  input.autocomplete = "off";
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", `${id}-list`);

  const list = document.createElement("ul");
  list.id = `${id}-list`;
  list.className = "picker-options";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-multiselectable", "true");
  if (label) list.setAttribute("aria-label", label.textContent);
  list.hidden = true;

  const options = [...select.options].map((option, index) => {
    const item = document.createElement("li");
    item.id = `${id}-o${index}`;
    item.setAttribute("role", "option");
    item.dataset.value = option.value;
    const name = option.dataset.name || option.textContent.trim();
    const path = option.dataset.path || name;
    item.dataset.depth = option.dataset.depth || "0";
    // While searching, the list shows where each code sits: its ancestors, muted, before its name.
    const pathSpan = document.createElement("span");
    pathSpan.className = "picker-path";
    pathSpan.textContent = path.endsWith(name) ? path.slice(0, path.length - name.length) : "";
    const nameSpan = document.createElement("span");
    nameSpan.className = "picker-name";
    nameSpan.textContent = name;
    item.append(pathSpan, nameSpan);
    return { option, item, name, path, key: normal(path) };
  });
  list.append(...options.map(({ item }) => item));

  if (label) label.htmlFor = input.id;
  picker.append(chips, input, list);
  select.hidden = true;
  select.after(picker);

  let active = -1;
  // The chips in the order the codes were chosen (those chosen before, in the select's order).
  const chosen = options.filter(({ option }) => option.selected).map(({ option }) => option.value);

  function shown() {
    return options.filter(({ item }) => !item.hidden);
  }

  function highlight(index) {
    const visible = shown();
    visible.forEach(({ item }) => item.classList.remove("active"));
    active = Math.max(-1, Math.min(index, visible.length - 1));
    if (active < 0) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    const { item } = visible[active];
    item.classList.add("active");
    input.setAttribute("aria-activedescendant", item.id);
    item.scrollIntoView({ block: "nearest" });
  }

  function filter() {
    const words = normal(input.value).split(/\s+/).filter(Boolean);
    list.classList.toggle("searching", words.length > 0);
    for (const entry of options) {
      entry.item.hidden = !words.every((word) => entry.key.includes(word));
      // The tree while browsing (indented names), whole paths while searching.
      entry.item.className = words.length ? "" : `depth-${entry.item.dataset.depth}`;
    }
    highlight(words.length ? 0 : -1);
  }

  function open() {
    if (!list.hidden) return;
    filter();
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function draw() {
    chips.replaceChildren();
    for (const { option, item } of options) item.setAttribute("aria-selected", String(option.selected));
    for (const value of chosen) {
      const { option, name, path } = options.find((entry) => entry.option.value === value);
      const chip = document.createElement("li");
      chip.className = "picker-chip";
      chip.title = path;
      const text = document.createElement("span");
      text.textContent = name;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "picker-remove";
      remove.dataset.value = option.value;
      remove.setAttribute("aria-label", `Remove ${name}`);
      remove.textContent = "×";
      chip.append(text, remove);
      chips.append(chip);
    }
  }

  function toggle(value) {
    const entry = options.find(({ option }) => option.value === value);
    if (!entry) return;
    entry.option.selected = !entry.option.selected;
    if (entry.option.selected) chosen.push(value);
    else chosen.splice(chosen.indexOf(value), 1);
    draw();
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  input.addEventListener("focus", open);
  input.addEventListener("input", () => {
    list.hidden = true;
    open();
    filter();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      open();
      highlight(active + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active - 1);
    } else if (event.key === "Enter") {
      // Enter chooses a code while the list is open; with it closed it submits the form as usual.
      if (list.hidden || active < 0) return;
      event.preventDefault();
      toggle(shown()[active].option.value);
    } else if (event.key === "Escape") {
      if (list.hidden) return;
      event.preventDefault();
      close();
    } else if (event.key === "Backspace" && !input.value && chosen.length) {
      toggle(chosen[chosen.length - 1]);
    }
  });
  // Choosing with the mouse keeps the focus in the box.
  list.addEventListener("mousedown", (event) => event.preventDefault());
  list.addEventListener("click", (event) => {
    const item = event.target.closest("li[role=option]");
    if (item) toggle(item.dataset.value);
  });
  chips.addEventListener("click", (event) => {
    const remove = event.target.closest(".picker-remove");
    if (!remove) return;
    toggle(remove.dataset.value);
    input.focus();
  });
  // Leaving the picker closes the list and clears the search: the chips say what was chosen.
  picker.addEventListener("focusout", (event) => {
    if (picker.contains(event.relatedTarget)) return;
    close();
    input.value = "";
  });
  draw();
}

function enhanceAll(root) {
  for (const select of root.querySelectorAll("select[multiple][data-code-picker]")) {
    if (!select.hidden) enhance(select);
  }
}

enhanceAll(document);
