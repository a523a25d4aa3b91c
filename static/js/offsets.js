// Offsets between the DOM and Transcript.text.
//
// The server counts Unicode code points (Python str indices); the DOM counts UTF-16 code units, in which a
// character outside the Basic Multilingual Plane (CJK Extension B, emoji) takes two. Every text run the server
// renders carries data-o, its offset in code points, and holds exactly text[data-o : data-o + length].

const RUN = "[data-o]";

export function codePoints(text) {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

// UTF-16 index in `text` of the code point number `points` (clamped to the text).
export function unitIndex(text, points) {
  let i = 0;
  for (let seen = 0; seen < points && i < text.length; seen++) {
    const unit = text.charCodeAt(i);
    i += unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length ? 2 : 1;
  }
  return i;
}

// Moves a UTF-16 offset that falls between the two halves of a surrogate pair to a whole-character boundary:
// backwards for a start, forwards for an end.
function snap(text, offset, forward) {
  if (offset > 0 && offset < text.length) {
    const before = text.charCodeAt(offset - 1);
    if (before >= 0xd800 && before <= 0xdbff) return forward ? offset + 1 : offset - 1;
  }
  return offset;
}

function runsIn(root) {
  return Array.from(root.querySelectorAll(RUN));
}

function runEnd(run) {
  return Number(run.dataset.o) + codePoints(run.textContent);
}

// The run at or after `node` in document order (or the last one before it, with `after` false).
function neighbourRun(root, node, after) {
  const runs = runsIn(root);
  if (after) {
    return runs.find((run) => node.compareDocumentPosition(run) & Node.DOCUMENT_POSITION_FOLLOWING || run.contains(node)) || null;
  }
  return runs.reverse().find((run) => node.compareDocumentPosition(run) & Node.DOCUMENT_POSITION_PRECEDING || run.contains(node)) || null;
}

// Code point offset of a DOM position (node, offset) inside root; `isEnd` decides how ambiguous positions snap.
export function toOffset(root, node, offset, isEnd) {
  if (node.nodeType === Node.TEXT_NODE) {
    const run = node.parentElement && node.parentElement.closest(RUN);
    if (run && root.contains(run)) {
      let units = snap(node.data, offset, isEnd);
      // Text before this node inside the same run (runs hold one text node, but be safe).
      let before = "";
      for (let sibling = node.previousSibling; sibling; sibling = sibling.previousSibling) {
        before = sibling.textContent + before;
      }
      return Number(run.dataset.o) + codePoints(before + node.data.slice(0, units));
    }
  }
  // A position between elements, or inside something that is not text (margin, paragraph number).
  let anchor = node;
  if (node.nodeType === Node.ELEMENT_NODE && offset < node.childNodes.length) anchor = node.childNodes[offset];
  else if (node.nodeType === Node.ELEMENT_NODE && node.childNodes.length) {
    const run = neighbourRun(root, node.lastChild, false) ;
    if (run) return runEnd(run);
  }
  const inRun = anchor.nodeType === Node.ELEMENT_NODE && anchor.matches(RUN) ? anchor : null;
  if (inRun) return Number(inRun.dataset.o);
  const run = isEnd ? neighbourRun(root, anchor, false) : neighbourRun(root, anchor, true);
  if (!run) return isEnd ? 0 : Number(root.dataset.length || 0);
  return isEnd ? runEnd(run) : Number(run.dataset.o);
}

// [start, end) in code points of a DOM Range inside root, or null when it covers no text.
export function rangeToOffsets(root, range) {
  const start = toOffset(root, range.startContainer, range.startOffset, false);
  const end = toOffset(root, range.endContainer, range.endOffset, true);
  return end > start ? { start, end } : null;
}

// The DOM position of a code point offset: the run containing it and the UTF-16 index inside its text node.
export function toDomPoint(root, offset) {
  const runs = runsIn(root);
  let low = 0;
  let high = runs.length - 1;
  let found = null;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (Number(runs[middle].dataset.o) <= offset) {
      found = runs[middle];
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  if (!found) return null;
  const text = found.firstChild;
  const inside = offset - Number(found.dataset.o);
  if (!text || inside > codePoints(found.textContent)) return null;
  return { node: text, offset: unitIndex(text.data, inside) };
}

// A DOM Range for [start, end) in code points.
export function offsetsToRange(root, start, end) {
  const from = toDomPoint(root, start);
  const to = toDomPoint(root, end);
  if (!from || !to) return null;
  const range = document.createRange();
  range.setStart(from.node, from.offset);
  range.setEnd(to.node, to.offset);
  return range;
}
