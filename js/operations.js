// The operations bar under the map: axis pickers, the walk slider, groups A and B that make a
// named direction, and the latent-arithmetic box with its result. It only builds requests;
// widget.js sends them, draws the walk, groups and marks, and routes the replies back here.
// Every name shown (directions, labels, errors) is user text and goes in as textContent.

import { el } from "./dom.js";
import { axesAfterPick, formatWalk, projectionLabel, walkValue } from "./ops_format.js";

const WALK_STEPS = 9;
const WALK_SPAN = [-3, 3];
const ARITH_PLACEHOLDER = "king - man + woman"; // until the kernel suggests one of the map's own

function button(action, label, title) {
  const b = el("button", "lm-button lm-action", label);
  b.type = "button";
  b.dataset.action = action;
  b.title = title;
  return b;
}

function labelled(text, control) {
  const label = el("label", "lm-field");
  label.append(el("span", "lm-field-name", text), control);
  return label;
}

/** Refills a <select> with `names` (as text) and selects `current` when it is one of them. */
function fillSelect(select, names, current) {
  select.replaceChildren(
    ...names.map((name) => {
      const o = el("option", "", String(name));
      o.value = String(name);
      return o;
    }),
  );
  if (current != null && names.includes(current)) select.value = current;
}

/**
 * The arithmetic result's entries as shown: the label, its row when the label repeats among
 * the neighbours (digits: "3, 3, 3" says nothing about which 3s), and the score. A neighbour
 * without a usable `row` shows its label alone.
 * @param {unknown} neighbors `arithmetic_result`'s `[{label, score, row?}…]`
 * @returns {{label: string, row: string, title: string, score: string}[]}
 */
export function neighborEntries(neighbors) {
  const list = Array.isArray(neighbors) ? neighbors : [];
  const labels = list.map((n) => String(n?.label ?? ""));
  const seen = new Map();
  for (const label of labels) seen.set(label, (seen.get(label) ?? 0) + 1);
  return list.map((n, i) => {
    const row = Number.isInteger(n?.row) && n.row >= 0 ? `row ${n.row}` : "";
    const score = Number(n?.score);
    return {
      label: labels[i],
      row: seen.get(labels[i]) > 1 ? row : "",
      title: row,
      score: Number.isFinite(score) ? score.toFixed(2) : "",
    };
  });
}

export class OperationsBar {
  /**
   * @param {object} host
   * @param {(content: object, buffers?: DataView[]) => void} host.send a message to the kernel
   * @param {(direction: string, t: number) => void} host.walk a latest-wins walk request
   * @param {() => Uint32Array} host.selection the current selection
   * @param {() => void} host.changed groups, walk position or direction changed (redraw)
   */
  constructor(host) {
    this.host = host;
    this.axes = [];
    this.groupA = new Uint32Array(0);
    this.groupB = new Uint32Array(0);
    this.walkT = 0;
    this.arithId = 0;

    this.root = el("div", "lm-ops");
    this.root.setAttribute("role", "group");
    this.root.setAttribute("aria-label", "directions, walking and arithmetic");

    // Row 1: axes and walk.
    this.axisX = el("select", "lm-axis-x");
    this.axisY = el("select", "lm-axis-y");
    this.axisX.title = "Direction shown along the map's x axis";
    this.axisY.title = "Direction shown along the map's y axis";
    const axes = el("div", "lm-ops-group lm-ops-axes");
    this.orthogonal = button(
      "orthogonalize",
      "⊥",
      "Make the y axis orthogonal to the x axis (a new direction, y ⊥ x)",
    );
    this.gridButton = button(
      "grid",
      "Grid",
      "Decode a 7 × 7 grid over the x and y directions through the anchor (±2 SD each)",
    );
    // How entangled the directions in use are: cosines between them.
    this.entangled = el("span", "lm-entangled");
    this.entangled.title = "Cosine between the directions in use: 0 is independent, ±1 the same";
    axes.append(
      labelled("x", this.axisX),
      labelled("y", this.axisY),
      this.orthogonal,
      this.gridButton,
      this.entangled,
    );
    this.cosines = { names: [], matrix: [] };

    this.walkDirection = el("select", "lm-walk-direction");
    this.walkDirection.title = "Direction to walk along from the anchor";
    this.walk = el("input", "lm-walk");
    Object.assign(this.walk, { type: "range", min: "-3", max: "3", step: "0.05", value: "0" });
    this.walk.title = "Move the anchor along the direction, in data standard deviations";
    this.walk.setAttribute("aria-label", "walk (SD)");
    this.walkShown = el("span", "lm-walk-value", formatWalk(0));
    this.pinWalk = button(
      "pin-walk",
      "Pin strip",
      `Pin ${WALK_STEPS} steps of the walk from ${WALK_SPAN[0]} to +${WALK_SPAN[1]} SD`,
    );
    this.joinPins = button(
      "join-pins",
      "Join pins",
      "Decode the way between the last two pins (along the great circle for a generator's " +
        "Gaussian prior) and draw it on the map",
    );
    const walk = el("div", "lm-ops-group lm-ops-walk");
    walk.append(
      el("span", "lm-field-name", "walk (SD)"),
      this.walkDirection,
      this.walk,
      this.walkShown,
      this.pinWalk,
      this.joinPins,
    );
    const row1 = el("div", "lm-ops-row");
    row1.append(axes, walk);

    // Row 2: groups → direction, arithmetic.
    this.countA = el("span", "lm-group-count lm-group-a", "A: 0");
    this.countB = el("span", "lm-group-count lm-group-b", "B: 0");
    this.name = el("input", "lm-direction-name");
    Object.assign(this.name, { type: "text", placeholder: "name, e.g. smile", spellcheck: false });
    this.name.setAttribute("aria-label", "name of the new direction");
    this.make = button("make-direction", "Make direction", "A new direction: mean(A) − mean(B)");
    const groups = el("div", "lm-ops-group lm-ops-groups");
    groups.append(
      button("set-group-a", "A = selection", "Group A: the points selected now"),
      this.countA,
      button("set-group-b", "B = selection", "Group B: the points selected now"),
      this.countB,
      this.name,
      this.make,
      button(
        "local-directions",
        "Local directions",
        "The principal directions of the selected points: new axes and walks named local 1, 2, 3",
      ),
    );

    this.arith = el("input", "lm-arith");
    Object.assign(this.arith, {
      type: "text",
      placeholder: ARITH_PLACEHOLDER,
      spellcheck: false,
    });
    this.arith.setAttribute("aria-label", "latent arithmetic");
    const arith = el("div", "lm-ops-group lm-ops-arith");
    arith.append(this.arith, button("arith", "=", "Evaluate (Enter)"));
    const row2 = el("div", "lm-ops-row");
    row2.append(groups, arith);

    this.result = el("div", "lm-arith-output");
    this.result.hidden = true;
    this.root.append(row1, row2, this.result);

    this.handlers = [
      [this.root, "click", (e) => this.onClick(e)],
      [this.axisX, "change", () => this.pickAxis("x", this.axisX.value)],
      [this.axisY, "change", () => this.pickAxis("y", this.axisY.value)],
      [this.walk, "input", () => this.onWalk()],
      [this.walkDirection, "change", () => this.onWalkDirection()],
      [this.name, "input", () => this.updateEnabled()],
      [this.arith, "keydown", (e) => this.onArithKey(e)],
    ];
    for (const [target, type, fn] of this.handlers) target.addEventListener(type, fn);
    this.updateEnabled();
  }

  /** Fills the axis pickers from `_axis_options` and `_axes` (empty for a non-linear map). */
  setAxes(options, axes, projection) {
    const names = Array.isArray(options) ? options.map(String) : [];
    this.axes = Array.isArray(axes) && axes.length >= 2 ? [String(axes[0]), String(axes[1])] : [];
    const linear = this.axes.length === 2;
    for (const [select, k] of [
      [this.axisX, 0],
      [this.axisY, 1],
    ]) {
      if (linear) {
        // A current axis missing from the options still shows as itself.
        const list = names.includes(this.axes[k]) ? names : [this.axes[k], ...names];
        fillSelect(select, list, this.axes[k]);
      } else {
        fillSelect(select, [projectionLabel(projection)], null);
      }
      select.disabled = !linear || names.length === 0;
    }
    this.orthogonal.disabled = !linear;
    this.gridButton.disabled = !linear;
    this.showEntangled();
  }

  /** Takes `_direction_cosines` ({names, matrix}) and says how entangled the ones in use are. */
  setCosines(cosines) {
    const ok = cosines && Array.isArray(cosines.names) && Array.isArray(cosines.matrix);
    this.cosines = ok ? cosines : { names: [], matrix: [] };
    this.showEntangled();
  }

  showEntangled() {
    const { names, matrix } = this.cosines;
    const cos = (a, b) => {
      const i = names.indexOf(a),
        j = names.indexOf(b);
      return i >= 0 && j >= 0 ? matrix[i]?.[j] : undefined;
    };
    const parts = [];
    const [x, y] = this.axes;
    const w = this.direction;
    if (x !== undefined && y !== undefined) parts.push(["x·y", cos(x, y)]);
    if (w && x !== undefined && w !== x && w !== y) parts.push(["walk·x", cos(w, x)]);
    if (w && y !== undefined && w !== x && w !== y) parts.push(["walk·y", cos(w, y)]);
    this.entangled.textContent = parts
      .filter(([, v]) => typeof v === "number" && Number.isFinite(v))
      .map(([k, v]) => `cos ${k} ${v.toFixed(2)}`)
      .join(" · ");
  }

  /** Fills the walk's direction picker from `_walk_options`, keeping the choice if it stays. */
  setWalkOptions(options) {
    const names = Array.isArray(options) ? options.map(String) : [];
    const before = this.walkDirection.value;
    fillSelect(this.walkDirection, names, names.includes(before) ? before : names[0]);
    this.updateEnabled();
    this.showEntangled();
  }

  /**
   * The arithmetic box's placeholder: an expression over the map's own labels (`'3' - '8' +
   * '1'` for digits), or the usual example when `text` is empty.
   * @param {string} text
   */
  setArithmeticHint(text) {
    const hint = typeof text === "string" && text.trim() ? text : ARITH_PLACEHOLDER;
    if (this.arith.placeholder !== hint) this.arith.placeholder = hint;
  }

  get direction() {
    return this.walkDirection.value;
  }

  /**
   * @param {Uint32Array} a point indices of group A
   * @param {Uint32Array} b point indices of group B
   */
  setGroups(a, b) {
    this.groupA = a;
    this.groupB = b;
    this.updateEnabled();
    this.host.changed();
  }

  /** Forgets groups whose indices no longer name points (a different data set). */
  fitGroups(n) {
    const fits = (g) => g.length === 0 || g[g.length - 1] < n;
    if (fits(this.groupA) && fits(this.groupB)) return;
    this.groupA = new Uint32Array(0);
    this.groupB = new Uint32Array(0);
    this.updateEnabled();
  }

  /**
   * Shows an `arithmetic_result` reply: the error (caret line kept aligned) or the nearest
   * labels. Replies to anything but the latest expression are dropped.
   */
  showArithmetic(msg) {
    if (msg.id !== this.arithId) return;
    this.result.replaceChildren();
    this.result.hidden = false;
    if (!msg.ok) {
      this.result.append(el("pre", "lm-arith-error", String(msg.error ?? "error")));
      return;
    }
    const list = el("ol", "lm-arith-result");
    for (const n of neighborEntries(msg.neighbors)) {
      const item = el("li", "");
      item.append(el("span", "lm-arith-label", n.label));
      // "3 · row 412": which point, when several neighbours share a label.
      if (n.row) item.append(el("span", "lm-arith-row", `· ${n.row}`));
      if (n.title) item.title = n.title;
      item.append(el("span", "lm-arith-score", n.score));
      list.append(item);
    }
    this.result.append(el("span", "lm-field-name", "nearest:"), list);
  }

  // ---- events ----------------------------------------------------------------------------

  onClick(event) {
    const b = event.target.closest("button[data-action]");
    if (!b || !this.root.contains(b) || b.disabled) return;
    const action = b.dataset.action;
    if (action === "set-group-a" || action === "set-group-b") {
      // The kernel copies its own selection (no group has to travel, however large); the
      // group shows here at once and comes back as a trait for every view.
      const group = action === "set-group-a" ? "A" : "B";
      this.host.send({ type: "set_group", group });
      const copy = Uint32Array.from(this.host.selection());
      this.setGroups(group === "A" ? copy : this.groupA, group === "B" ? copy : this.groupB);
    } else if (action === "make-direction") {
      this.host.send({ type: "make_direction", name: this.name.value.trim() });
    } else if (action === "orthogonalize" && this.axes.length === 2) {
      this.host.send({ type: "orthogonalize", name: this.axes[1], against: this.axes[0] });
    } else if (action === "grid" && this.axes.length === 2) {
      this.host.send({ type: "grid", x: this.axes[0], y: this.axes[1], steps: [7, 7] });
    } else if (action === "join-pins") {
      this.host.send({ type: "join_pins", steps: WALK_STEPS });
    } else if (action === "local-directions") {
      this.host.send({ type: "local_directions", k: 3 });
    } else if (action === "pin-walk") {
      this.host.send({
        type: "pin_walk",
        direction: this.direction,
        steps: WALK_STEPS,
        span: [...WALK_SPAN],
      });
    } else if (action === "arith") {
      this.sendArithmetic();
    }
  }

  pickAxis(which, name) {
    if (this.axes.length !== 2) return;
    const [x, y] = axesAfterPick(this.axes, which, name);
    // Show the choice at once; `_axes` from the kernel confirms it (or a notice says why not,
    // and syncAxes puts the pickers back).
    this.axisX.value = x;
    this.axisY.value = y;
    this.host.send({ type: "set_axes", x, y });
  }

  /** Puts the pickers back on `_axes` (after a refused change). */
  syncAxes() {
    if (this.axes.length !== 2) return;
    this.axisX.value = this.axes[0];
    this.axisY.value = this.axes[1];
  }

  onWalk() {
    this.walkT = walkValue(this.walk.value);
    this.walkShown.textContent = formatWalk(this.walkT);
    if (this.direction) this.host.walk(this.direction, this.walkT);
    this.host.changed();
  }

  onWalkDirection() {
    this.host.changed();
    this.showEntangled();
    if (this.direction && this.walkT !== 0) this.host.walk(this.direction, this.walkT);
  }

  onArithKey(event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    this.sendArithmetic();
  }

  sendArithmetic() {
    const expression = this.arith.value.trim();
    if (!expression) return;
    this.arithId += 1;
    this.host.send({ type: "arithmetic", id: this.arithId, expression });
  }

  updateEnabled() {
    this.countA.textContent = `A: ${this.groupA.length}`;
    this.countB.textContent = `B: ${this.groupB.length}`;
    this.make.disabled =
      this.groupA.length === 0 || this.groupB.length === 0 || this.name.value.trim() === "";
    const canWalk = this.walkDirection.options.length > 0;
    this.walk.disabled = !canWalk;
    this.walkDirection.disabled = !canWalk;
    this.pinWalk.disabled = !canWalk;
  }

  /** The kernel is gone: every control here asks it, so none takes input any more. */
  disable() {
    this.root.inert = true;
    this.root.classList.add("lm-ops-off");
  }

  dispose() {
    for (const [target, type, fn] of this.handlers) target.removeEventListener(type, fn);
  }
}
