// The toolbar above the map: the tool buttons (one pressed) and the action buttons. Buttons
// carry `data-tool` / `data-action` (docs/protocol.md), which the e2e tests click by; the
// widget decides what an action does.

import { el } from "./dom.js";

const TOOLS = [
  [
    "pan",
    "Pan",
    "Drag: pan · wheel: zoom · click a point: select (shift: toggle) · double-click: fit",
  ],
  ["lasso", "Lasso", "Drag around points to select them (shift: add)"],
  ["pin", "Pin", "Click to pin a synthetic point (or press p over the map)"],
  ["anchor", "Anchor", "Click a point or a spot to make it the anchor"],
];
const ACTIONS = [
  ["toggle-labels", "Labels", "Write the points' labels on the map"],
  ["toggle-thumbnails", "Pictures", "Draw each point's picture once zoomed in"],
  ["toggle-atlas", "Atlas", "Tile the view with what the model decodes at a grid of spots"],
  ["clear-selection", "Clear selection", "Escape"],
  ["clear-pins", "Clear pins", ""],
  ["reset-view", "Reset view", "Fit all points"],
  ["save-png", "PNG", "Download the map as shown as a picture (latent_map.png)"],
  ["toggle-ops", "Operations", "Show or hide axes, walking, directions and arithmetic"],
];

export class Toolbar {
  /**
   * @param {(tool: string) => void} onTool a tool button was pressed
   * @param {(action: string) => void} onAction an action button was pressed
   */
  constructor(onTool, onAction) {
    this.root = el("div", "lm-toolbar");
    this.tools = new Map();
    for (const [tool, label, title] of TOOLS) {
      const b = el("button", "lm-button lm-tool", label);
      b.type = "button";
      b.dataset.tool = tool;
      b.title = title;
      this.tools.set(tool, b);
      this.root.append(b);
    }
    this.root.append(el("span", "lm-spacer"));
    for (const [action, label, title] of ACTIONS) {
      const b = el("button", "lm-button lm-action", label);
      b.type = "button";
      b.dataset.action = action;
      b.title = title;
      this.root.append(b);
    }
    this.labelsToggle = this.root.querySelector('[data-action="toggle-labels"]');
    this.labelsToggle.hidden = true; // shown once there are labels to write
    this.picturesToggle = this.root.querySelector('[data-action="toggle-thumbnails"]');
    this.picturesToggle.hidden = true; // shown for a map of images
    this.atlasToggle = this.root.querySelector('[data-action="toggle-atlas"]');
    this.atlasToggle.hidden = true; // shown for a model that decodes
    this.opsToggle = this.root.lastElementChild;
    this.opsToggle.classList.add("lm-ops-toggle");
    this.opsToggle.setAttribute("aria-expanded", "true");

    this.onClick = (event) => {
      const b = event.target.closest("button");
      if (!b || !this.root.contains(b)) return;
      if (b.dataset.tool) onTool(b.dataset.tool);
      if (b.dataset.action) onAction(b.dataset.action);
    };
    this.root.addEventListener("click", this.onClick);
  }

  /** Shows `tool` as the pressed one. */
  showTool(tool) {
    for (const [name, b] of this.tools) {
      b.classList.toggle("lm-active", name === tool);
      b.setAttribute("aria-pressed", String(name === tool));
    }
  }

  /** Shows the labels toggle (only when the points have labels to write) and its state. */
  showLabels(available, on) {
    this.labelsToggle.hidden = !available;
    this.labelsToggle.classList.toggle("lm-active", on);
    this.labelsToggle.setAttribute("aria-pressed", String(on));
  }

  /** Shows the pictures toggle (only for a map of images) and its state. */
  showPictures(available, on) {
    this.picturesToggle.hidden = !available;
    this.picturesToggle.classList.toggle("lm-active", on);
    this.picturesToggle.setAttribute("aria-pressed", String(on));
  }

  /** Shows the atlas toggle (only for a model that decodes) and its state. */
  showAtlas(available, on) {
    this.atlasToggle.hidden = !available;
    this.atlasToggle.classList.toggle("lm-active", on);
    this.atlasToggle.setAttribute("aria-pressed", String(on));
  }

  /**
   * The kernel is gone (or a saved page never had one): the tools and actions named (by
   * `data-tool` / `data-action`) ask it, so they are disabled, their titles saying why.
   * @param {string} note
   * @param {string[]} names
   */
  disableKernelTools(note, names) {
    for (const name of names) {
      const b = this.tools.get(name) ?? this.root.querySelector(`[data-action="${name}"]`);
      if (!b) continue;
      b.disabled = true;
      b.title = note;
      b.classList.add("lm-needs-kernel");
    }
  }

  /** Puts an element (the search box) among the tools, before the action buttons. */
  addTool(element) {
    this.root.insertBefore(element, this.root.querySelector(".lm-spacer"));
  }

  /** Shows whether the operations bar is open. */
  showOps(open) {
    this.opsToggle.setAttribute("aria-expanded", String(open));
  }

  dispose() {
    this.root.removeEventListener("click", this.onClick);
  }
}
