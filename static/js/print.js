// Buttons marked data-print open the browser's print dialogue (the Content-Security-Policy forbids onclick).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
