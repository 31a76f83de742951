// The one DOM helper the panels share: an element with a class and text (never HTML).

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text] set as textContent
 * @returns {HTMLElement}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
