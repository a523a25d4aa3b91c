// Colours, tree depth and heat that the server sends as class names: the Content-Security-Policy forbids
// style attributes, so a value travels in a class (`colour-1f77b4`; `u0-1f77b4` … `u4-…` for a coded run's
// underlines, bottom first; `depth-2`; `heat-370` for 0.370) and this script writes rules for them into
// constructed stylesheets, which the policy allows. app.css and matrix.css turn the custom properties set here
// (--c, --depth, --heat) into swatches, borders, indents and heat; a coded run gets its underlines and tint
// from one rule per combination of colours, written out in full so the browser has no var() to resolve for
// each of a long transcript's thousands of runs.
//
// Rules, not a style per element: the markup keeps no style attribute, so htmx's history snapshots restore
// under the policy too. Only the patterns below become rules: a class carries a six-digit colour or a small
// number, never anything else.
//
// A classic script in <head>, so nothing is drawn before its colour: while the page loads, each frame first
// reads the elements the parser has added since the last frame (the parser only appends, so a tree walk from
// the last element read finds them all); once it is parsed, an observer reads whatever htmx or another
// script inserts. New rules go into one new stylesheet per batch: inserting them one by one into a sheet the
// document already uses costs a restyle check each.
(() => {
  const TOKEN = /^(colour|u[0-4])-([0-9a-f]{6})$|^(depth|heat)-(\d{1,4})$/i;
  const seen = new Set(); // class attributes and selectors already handled
  let pending = "";

  function add(selector, declarations) {
    if (seen.has(selector)) return;
    seen.add(selector);
    pending += `${selector}{${declarations}}`;
  }

  function flush() {
    if (!pending) return;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(pending);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    pending = "";
  }

  function read(element) {
    const names = element.getAttribute("class");
    if (!names || !names.includes("-") || seen.has(names)) return;
    seen.add(names);
    const underlines = [];
    for (const token of names.split(/\s+/)) {
      const match = TOKEN.exec(token);
      if (!match) continue;
      const [, colourKind, hex, numberKind, digits] = match;
      const number = Number(digits);
      if (colourKind === "colour") add(`.${token}`, `--c:#${hex}`);
      else if (colourKind) underlines[Number(colourKind[1])] = hex;
      else if (numberKind === "depth" && number <= 99) add(`.${token}`, `--depth:${number}`);
      else if (numberKind === "heat" && number <= 1000) add(`.${token}`, `--heat:${number / 1000}`);
    }
    if (!underlines.length || underlines.includes(undefined)) return;
    // A run with more codings matches the rules of fewer too; its own, with more classes, wins.
    // Where each underline sits is in workspace.css.
    add(
      underlines.map((hex, index) => `.u${index}-${hex}`).join(""),
      `background-image:${underlines.map((hex) => `linear-gradient(#${hex},#${hex})`).join(",")};` +
        `background-color:#${underlines[0]}33`,
    );
  }

  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_ELEMENT);
  function readParsed() {
    while (walker.nextNode()) read(walker.currentNode);
    flush();
  }
  function frame() {
    readParsed();
    if (document.readyState === "loading") requestAnimationFrame(frame);
  }
  read(document.documentElement);
  requestAnimationFrame(frame);

  const observer = new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "attributes") read(record.target);
      for (const node of record.addedNodes) {
        if (node.nodeType !== Node.ELEMENT_NODE) continue;
        read(node);
        for (const element of node.querySelectorAll("[class]")) read(element);
      }
    }
    flush();
  });
  // "interactive" comes before deferred scripts and modules run, so they see every rule.
  document.addEventListener("readystatechange", function parsed() {
    document.removeEventListener("readystatechange", parsed);
    readParsed();
    observer.observe(document.documentElement, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["class"],
    });
  });
})();
