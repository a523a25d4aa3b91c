// Batch upload with a progress bar per file: each file is posted on its own, so one refusal never stops the
// others and every file shows its own result. Without this script the form posts all files at once.

const form = document.querySelector(".upload-form");
const input = form.querySelector('input[type="file"]');
const table = document.querySelector(".upload-results");
const results = table.querySelector("[data-results]");
const dropzone = form.querySelector("[data-dropzone]");

function row(name) {
  const tr = document.createElement("tr");
  const file = document.createElement("td");
  file.textContent = name;
  const status = document.createElement("td");
  const bar = document.createElement("progress");
  bar.max = 100;
  bar.value = 0;
  bar.setAttribute("aria-label", `Uploading ${name}`);
  status.append(bar);
  tr.append(file, status);
  return { tr, bar, status };
}

function send(file) {
  const { tr, bar, status } = row(file.name);
  results.append(tr);
  const data = new FormData(form);
  data.delete("files");
  data.append("files", file, file.name);
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.oneUrl);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
    });
    xhr.addEventListener("load", () => {
      const template = document.createElement("template");
      template.innerHTML = xhr.responseText.trim();
      const answer = template.content.querySelector("tr");
      if (answer) {
        tr.replaceWith(answer);
      } else {
        status.textContent = `Refused: the server answered ${xhr.status}.`;
        status.className = "error";
      }
      resolve();
    });
    xhr.addEventListener("error", () => {
      status.textContent = "Refused: the connection failed; nothing was saved. Try again.";
      status.className = "error";
      resolve();
    });
    xhr.send(data);
  });
}

form.addEventListener("submit", async (event) => {
  const files = Array.from(input.files);
  if (!files.length) return; // let the server say what is missing
  event.preventDefault();
  table.hidden = false;
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  for (const file of files) {
    await send(file); // one at a time: progress stays readable and the server is never flooded
  }
  input.value = "";
  button.disabled = false;
});

for (const name of ["dragenter", "dragover"]) {
  dropzone.addEventListener(name, (event) => {
    event.preventDefault();
    dropzone.classList.add("over");
  });
}
dropzone.addEventListener("dragleave", () => dropzone.classList.remove("over"));
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropzone.classList.remove("over");
  input.files = event.dataTransfer.files;
  input.dispatchEvent(new Event("change"));
});
