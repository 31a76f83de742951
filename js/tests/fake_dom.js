// A small stand-in for the browser's document: enough of the DOM for the panels built with
// dom.js (elements, text, classes, attributes, listeners) to run in node.

class FakeClassList {
  constructor(node) {
    this.node = node;
  }

  get names() {
    return this.node.className.split(/\s+/).filter(Boolean);
  }

  contains(name) {
    return this.names.includes(name);
  }

  add(...names) {
    this.node.className = [...new Set([...this.names, ...names])].join(" ");
  }

  remove(...names) {
    this.node.className = this.names.filter((n) => !names.includes(n)).join(" ");
  }

  toggle(name, force) {
    const on = force ?? !this.contains(name);
    if (on) this.add(name);
    else this.remove(name);
    return on;
  }
}

export class FakeElement {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.className = "";
    this.children = [];
    this.text = "";
    this.attributes = {};
    this.listeners = {};
    this.style = { setProperty: () => {} };
    this.dataset = {};
    this.hidden = false;
    this.title = "";
    this.value = "";
    this.classList = new FakeClassList(this);
    this.writes = 0; // textContent assignments, to check that unchanged text is not rewritten
    this.clientWidth = 0; // never laid out: a canvas caption waits for a frame to paint
    this.clientHeight = 0;
  }

  get textContent() {
    return this.children.length ? this.children.map((c) => c.textContent).join("") : this.text;
  }

  set textContent(value) {
    this.writes += 1;
    this.children = [];
    this.text = String(value);
  }

  append(...nodes) {
    for (const node of nodes) {
      node.parentNode = this;
      this.children.push(node);
    }
  }

  replaceChildren(...nodes) {
    this.children = [];
    this.text = "";
    this.append(...nodes);
  }

  setAttribute(name, value) {
    this.attributes[name] = String(value);
  }

  getAttribute(name) {
    return this.attributes[name] ?? null;
  }

  addEventListener(type, fn) {
    this.listeners[type] = [...(this.listeners[type] ?? []), fn];
  }

  removeEventListener(type, fn) {
    this.listeners[type] = (this.listeners[type] ?? []).filter((f) => f !== fn);
  }

  get options() {
    return this.children.filter((c) => c.tagName === "OPTION");
  }

  /** Descendants with every class of a ".a.b" selector, in document order. */
  querySelectorAll(selector) {
    const wanted = selector.split(".").filter(Boolean);
    const found = [];
    const visit = (node) => {
      for (const child of node.children) {
        if (wanted.every((name) => child.classList.contains(name))) found.push(child);
        visit(child);
      }
    };
    visit(this);
    return found;
  }

  querySelector(selector) {
    return this.querySelectorAll(selector)[0] ?? null;
  }
}

/** Puts a fake `document` (and the few globals the panels touch) on globalThis, once. */
export function installFakeDocument() {
  globalThis.document ??= { createElement: (tag) => new FakeElement(tag) };
  globalThis.window ??= { devicePixelRatio: 1 };
  globalThis.ResizeObserver ??= class {
    observe() {}
    disconnect() {}
  };
  globalThis.requestAnimationFrame ??= () => 0;
  globalThis.cancelAnimationFrame ??= () => {};
}
