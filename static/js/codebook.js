// Drag and drop on the codebook page (owners): drop a code's row on another code to move it, with its sub-codes,
// under that code, or on the "top level" zone. The server checks the move (no cycles, no duplicate names among
// siblings) and answers with the redrawn tree, or with the reason it refused. Without this script each code's
// page has a plain Move form.

const status = document.getElementById("codebook-status");
const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
let dragged = null;

function dropTarget(element) {
  if (!(element instanceof Element)) return null;
  return element.closest("#codebook-trees tr[data-code-id], #codebook-trees [data-drop-top]");
}

function clearMarks() {
  document.querySelectorAll(".drop-over").forEach((element) => element.classList.remove("drop-over"));
}

function say(text, isError) {
  status.replaceChildren();
  const message = document.createElement("p");
  message.className = `message ${isError ? "error" : "success"}`;
  message.textContent = text;
  status.append(message);
}

async function move(row, target) {
  const parent = target.dataset.codeId || "";
  const name = row.dataset.name;
  const body = new FormData();
  body.set("parent", parent);
  let response;
  try {
    response = await fetch(row.dataset.moveUrl, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": csrf, "HX-Request": "true" },
      credentials: "same-origin",
    });
  } catch {
    say(`“${name}” was not moved: the server could not be reached.`, true);
    return;
  }
  const html = await response.text();
  if (!response.ok) {
    const answer = new DOMParser().parseFromString(html, "text/html");
    say(answer.body.textContent.trim() || `“${name}” was not moved.`, true);
    return;
  }
  document.getElementById("codebook-trees").outerHTML = html;
  say(parent ? `“${name}” moved under “${target.dataset.name}”.` : `“${name}” moved to the top level.`, false);
}

document.addEventListener("dragstart", (event) => {
  const row = event.target instanceof Element ? event.target.closest("tr[data-move-url]") : null;
  if (!row) return;
  dragged = row;
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", row.dataset.name);
  row.classList.add("dragging");
});

document.addEventListener("dragend", () => {
  if (dragged) dragged.classList.remove("dragging");
  dragged = null;
  clearMarks();
});

document.addEventListener("dragover", (event) => {
  const target = dropTarget(event.target);
  if (!dragged || !target || target === dragged) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "move";
  if (!target.classList.contains("drop-over")) {
    clearMarks();
    target.classList.add("drop-over");
  }
});

document.addEventListener("dragleave", (event) => {
  const target = dropTarget(event.target);
  if (target && !target.contains(event.relatedTarget)) target.classList.remove("drop-over");
});

document.addEventListener("drop", (event) => {
  const target = dropTarget(event.target);
  if (!dragged || !target || target === dragged) return;
  event.preventDefault();
  const row = dragged;
  clearMarks();
  move(row, target);
});
