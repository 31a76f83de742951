// The anywidget entry: builds the DOM, wires the model's traits and messages to the map,
// overlay, preview panel, legend and operations bar, and turns pointer input into tools.
// Protocol: docs/protocol.md (trait names, message shapes, data- attributes, class names).

import "./widget.css";
import { decodeAt, imagePixels, parseClientDecoder, recordFeatures } from "./client_decoder.js";
import {
  codesOf,
  float32Of,
  float64Of,
  sortedUnique,
  splitBytes,
  toDataView,
  uint32Of,
} from "./codecs.js";
import { DecodeClient } from "./decode_client.js";
import { el } from "./dom.js";
import { pointsInPolygon, toggle, union } from "./lasso.js";
import { renderLegend, renderStatus } from "./legend.js";
import { MapRenderer, pointSize } from "./map_renderer.js";
import { OperationsBar } from "./operations.js";
import { Overlay } from "./overlay.js";
import { PreviewPanel } from "./preview_panel.js";
import { SpatialGrid } from "./spatial_grid.js";
import { fitView, panBy, pixelsPerUnit, resizeView, toData, zoomAbout, zoomLevel } from "./view.js";

const PICK_RADIUS_PX = 6;
const DRAG_THRESHOLD_PX = 3;
const LASSO_STEP_PX = 2;
const WALK_TRAIL = 16; // walk positions kept for the trail on the map
const NOTICE_MS = { info: 5000, error: 10000 };
const MAX_MESSAGE_BYTES = 8 << 20; // below the server's 10 MiB websocket message limit
const REST_MS = 100; // a client-decoded spot is sent to the kernel once the pointer rests
/** Crisp points come back this long after the last pan or zoom step (cached frames till then). */
const SETTLE_MS = 150;

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
  ["clear-selection", "Clear selection", "Escape"],
  ["clear-pins", "Clear pins", ""],
  ["reset-view", "Reset view", "Fit all points"],
];

/** Reads the theme colours for the overlay from JupyterLab's CSS variables. */
function readTheme(node) {
  const css = getComputedStyle(node);
  const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
  return {
    fg: v("--jp-ui-font-color1", "rgba(0, 0, 0, 0.87)"),
    muted: v("--jp-ui-font-color2", "rgba(0, 0, 0, 0.54)"),
    bg: v("--jp-layout-color0", "#ffffff"),
    font: v("--jp-ui-font-family", "system-ui, sans-serif"),
  };
}

function sameView(a, b) {
  return a.x0 === b.x0 && a.x1 === b.x1 && a.y0 === b.y0 && a.y1 === b.y1;
}

/** Whether two Uint32Arrays hold the same values (a null never does). */
function sameValues(a, b) {
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isSortedUnique(a) {
  for (let i = 1; i < a.length; i++) if (a[i] <= a[i - 1]) return false;
  return true;
}

function render({ model, el: host }) {
  // Every request names its view, so that replies reach the view that asked.
  const viewId = Math.random().toString(36).slice(2);
  function send(content, buffers) {
    const message = { ...content, view: viewId };
    if (buffers) model.send(message, undefined, buffers);
    else model.send(message);
  }

  // ---- DOM -------------------------------------------------------------------------------
  const root = el("div", "lm-root");
  const toolbar = el("div", "lm-toolbar");
  const toolButtons = new Map();
  for (const [tool, label, title] of TOOLS) {
    const b = el("button", "lm-button lm-tool", label);
    b.type = "button";
    b.dataset.tool = tool;
    b.title = title;
    toolButtons.set(tool, b);
    toolbar.append(b);
  }
  toolbar.append(el("span", "lm-spacer"));
  for (const [action, label, title] of ACTIONS) {
    const b = el("button", "lm-button lm-action", label);
    b.type = "button";
    b.dataset.action = action;
    b.title = title;
    toolbar.append(b);
  }
  const opsToggle = el("button", "lm-button lm-action lm-ops-toggle", "Operations");
  opsToggle.type = "button";
  opsToggle.dataset.action = "toggle-ops";
  opsToggle.title = "Show or hide axes, walking, directions and arithmetic";
  opsToggle.setAttribute("aria-expanded", "true");
  toolbar.append(opsToggle);

  const body = el("div", "lm-body");
  const main = el("div", "lm-main");
  const map = el("div", "lm-map");
  map.tabIndex = 0;
  map.setAttribute("role", "application");
  map.setAttribute("aria-label", "latent space map");
  const glCanvas = el("canvas", "lm-gl");
  const overlayCanvas = el("canvas", "lm-overlay");
  const glMessage = el("div", "lm-gl-message");
  glMessage.hidden = true;
  map.append(glCanvas, overlayCanvas, glMessage);
  const status = el("div", "lm-status");
  const notice = el("div", "lm-notice");
  notice.setAttribute("role", "status");
  notice.hidden = true;
  const statusBar = el("div", "lm-statusbar");
  statusBar.append(status, notice);
  const ops = new OperationsBar({
    send,
    walk: walkTo,
    selection: () => s.selection,
    changed: () => {
      publish();
      schedule();
    },
  });
  main.append(toolbar, map, statusBar, ops.root);

  const side = el("div", "lm-side");
  const preview = new PreviewPanel();
  const legend = el("div", "lm-legend");
  side.append(preview.root, legend);
  body.append(main, side);
  root.append(body);
  host.append(root);

  // ---- state -----------------------------------------------------------------------------
  const s = {
    positions: new Float32Array(0),
    n: 0,
    grid: null,
    fit: { x0: -1, x1: 1, y0: -1, y1: 1 },
    view: { x0: -1, x1: 1, y0: -1, y1: 1 },
    width: 0,
    height: 0,
    dpr: 1,
    selection: new Uint32Array(0),
    selectedShown: 0,
    flags: new Uint8Array(0),
    pins: new Float64Array(0),
    tool: "pan",
    cursor: null, // {x, y, px, py} of the pointer over the map
    hover: -1, // index of the hovered point
    drag: null,
    frames: 0,
    drawn: 0,
    theme: readTheme(root),
    walk: null, // recent walk positions, interleaved, newest last
    walkDirection: "",
    notice: "",
    noticeTimer: 0,
    raf: 0,
    disposed: false,
    settleTimer: 0, // set while a pan or zoom is under way (cleared SETTLE_MS after the last step)
    glKey: null, // what the map canvas shows now: {view, size, version, kind}
    frameKind: "",
    frameMs: 0,
    client: null, // the decoder run in the page (parseClientDecoder), or null
    selectionMessages: 0, // selections sent in parts, for the kernel to tell them apart
    restTimer: 0, // asks the kernel about a client-decoded spot once the pointer rests there
    clientPreviews: 0,
    previewSeq: 0, // bumped per preview put on screen; a slower older one must not claim it
    previewMs: -1,
    themeChanged: false, // JupyterLab's theme changed: colours to read again in the next frame
  };
  let lastWrittenSelection = null; // the DataView we set on `_selection` ourselves
  let lastSentInParts = null; // the indices sent as `selection_part`s, for the kernel to set

  const renderer = new MapRenderer(glCanvas, {
    onContextLost() {
      showGlMessage(
        "The map's WebGL context was lost. It will come back when the browser restores it.",
      );
    },
    onContextRestored() {
      glMessage.hidden = true;
      schedule();
    },
  });
  if (!renderer.ok) showGlMessage("This browser cannot draw the map: WebGL2 is not available.");
  const overlay = new Overlay(overlayCanvas);
  const decoder = new DecodeClient((content) => send(content));

  function showGlMessage(text) {
    glMessage.textContent = text;
    glMessage.hidden = false;
  }

  // ---- frames ----------------------------------------------------------------------------
  function schedule() {
    if (!s.raf && !s.disposed) s.raf = requestAnimationFrame(frame);
  }

  function frame() {
    s.raf = 0;
    if (s.width <= 0 || s.height <= 0) return;
    if ((window.devicePixelRatio || 1) !== s.dpr) applySize();
    if (s.themeChanged) {
      s.themeChanged = false;
      s.theme = readTheme(root);
      preview.repaint();
    }
    const t0 = performance.now();
    const zoom = zoomLevel(s.view, s.fit);
    const size = pointSize(s.n, zoom);
    const drawn = drawMap(size);
    overlay.draw({
      view: s.view,
      theme: s.theme,
      axisTitles: model.get("_axis_titles") || [],
      lasso: s.drag?.lasso ? s.drag.lasso : null,
      pins: s.pins,
      anchor: model.get("_anchor_xy"),
      hover:
        s.hover >= 0 && s.hover < s.n
          ? { x: s.positions[2 * s.hover], y: s.positions[2 * s.hover + 1], radius: size / 2 }
          : null,
      cursor: s.cursor,
      positions: s.positions,
      groups: [ops.groupA, ops.groupB],
      pointRadius: size / 2,
      marks: marks(),
      walk: s.walk,
    });
    if (drawn >= 0) {
      // Only a benchmark asks for finish (data-measure): it stalls the page until the GPU is done.
      if (root.dataset.measure !== undefined) renderer.finish();
      s.frameMs = performance.now() - t0;
      s.frames += 1;
      s.drawn = drawn;
    }
    publish();
  }

  /**
   * Draws the map's points when they changed; the cached picture, moved, while a pan or zoom
   * is under way (see MapRenderer.drawCached); nothing when only the overlay changed (the
   * canvas keeps showing its last frame). Returns the number of points shown, -1 if none.
   */
  function drawMap(size) {
    const key = s.glKey;
    const same =
      key !== null &&
      key.version === renderer.version &&
      key.selection === renderer.selectionVersion &&
      key.size === size &&
      sameView(key.view, s.view);
    if (same && (key.kind === "points" || s.settleTimer !== 0)) {
      s.frameKind = "overlay";
      return s.drawn;
    }
    if (s.settleTimer !== 0 && renderer.drawCached(s.view)) {
      s.glKey = { ...glKey(size), kind: "cached" };
      s.frameKind = "cached";
      return renderer.cache.drawn;
    }
    const drawn = renderer.draw(s.view, size);
    s.glKey = drawn >= 0 ? { ...glKey(size), kind: "points" } : null;
    s.frameKind = "points";
    return drawn;
  }

  /** What a frame on the canvas shows: the view, the point size, the renderer's versions. */
  function glKey(size) {
    return {
      view: s.view,
      size,
      version: renderer.version,
      selection: renderer.selectionVersion,
    };
  }

  /**
   * Notes a pan or zoom step: cached frames until the view has been still for SETTLE_MS and
   * no pan drag is under way (a paused drag whose button is still down has not ended).
   */
  function interacting() {
    clearTimeout(s.settleTimer);
    s.settleTimer = setTimeout(settle, SETTLE_MS);
  }

  function settle() {
    if (s.drag?.moved && s.tool === "pan") {
      s.settleTimer = setTimeout(settle, SETTLE_MS);
      return;
    }
    s.settleTimer = 0;
    schedule();
  }

  function publish() {
    // Only changed attributes are written: each write is a DOM mutation (and style work).
    const values = {
      frames: String(s.frames),
      drawn: String(s.drawn),
      view: JSON.stringify(s.view),
      selected: String(s.selectedShown),
      pins: String(s.pins.length >> 1),
      tool: s.tool,
      axes: JSON.stringify(model.get("_axes") || []),
      marks: String(marks().length),
      walkT: String(ops.walkT),
      groupA: String(ops.groupA.length),
      groupB: String(ops.groupB.length),
      notice: s.notice,
      frameKind: s.frameKind,
      frameMs: s.frameMs.toFixed(2),
    };
    if (s.previewMs >= 0) values.previewMs = s.previewMs.toFixed(2);
    const d = root.dataset;
    for (const [key, value] of Object.entries(values)) if (d[key] !== value) d[key] = value;
  }

  function marks() {
    const m = model.get("_marks");
    return Array.isArray(m) ? m : [];
  }

  function applySize() {
    s.dpr = window.devicePixelRatio || 1;
    const oldHeight = s.height;
    const showingAll = s.width === 0 || sameView(s.view, s.fit);
    s.height = Math.max(50, Number(model.get("height")) || 420);
    map.style.height = `${s.height}px`;
    s.width = map.clientWidth;
    if (s.grid) {
      s.fit = fitView(s.grid.bounds, s.width, s.height);
      s.view = showingAll ? { ...s.fit } : resizeView(s.view, oldHeight, s.width, s.height);
    }
    renderer.resize(s.width, s.height, s.dpr);
    overlay.resize(s.width, s.height, s.dpr);
    s.theme = readTheme(root);
  }

  // ---- traits → state --------------------------------------------------------------------
  function loadPoints() {
    s.positions = float32Of(model.get("_points"));
    s.n = s.positions.length >> 1;
    s.grid = new SpatialGrid(s.positions);
    s.fit = fitView(s.grid.bounds, s.width, s.height);
    s.view = { ...s.fit };
    s.hover = -1;
    s.walk = null; // its positions were on the old map
    ops.fitGroups(s.n);
    renderer.setPoints(s.positions);
    loadCodes();
    applySelection(s.selection);
    decoder.reset();
    schedule();
  }

  function loadCodes() {
    const codes = codesOf(model.get("_codes"), model.get("_code_width"));
    renderer.setCodes(codes.length >= s.n ? codes : null);
    schedule();
  }

  function loadPalette() {
    const palette = model.get("_palette") || [];
    renderer.setPalette(palette);
    renderLegend(legend, model.get("_legend"), palette);
    schedule();
  }

  function loadGroups() {
    ops.setGroups(uint32Of(model.get("_group_a")), uint32Of(model.get("_group_b")));
  }

  function loadSelection() {
    const value = model.get("_selection");
    if (value === lastWrittenSelection) return; // our own write echoing back
    let sel = uint32Of(value);
    if (sameValues(sel, lastSentInParts)) return; // our own parts, joined by the kernel
    if (!isSortedUnique(sel)) sel = sortedUnique(sel);
    applySelection(sel);
  }

  function loadPins() {
    s.pins = float64Of(model.get("_pins"));
    publish();
    schedule();
  }

  /** Shows a selection on the map (flags for the GPU), without writing the trait. */
  function applySelection(sel) {
    s.selection = sel;
    if (s.flags.length !== s.n) s.flags = new Uint8Array(s.n);
    else s.flags.fill(0);
    let shown = 0;
    for (let k = 0; k < sel.length; k++) {
      const i = sel[k];
      if (i < s.n) {
        s.flags[i] = 1;
        shown++;
      }
    }
    s.selectedShown = shown;
    renderer.setSelection(s.flags, shown, shown === sel.length ? sel : sel.subarray(0, shown));
    publish();
    schedule();
  }

  /** Shows a selection and writes it to `_selection` for Python. */
  function setSelection(sel) {
    applySelection(sel);
    if (sel.byteLength <= MAX_MESSAGE_BYTES) {
      lastWrittenSelection = toDataView(sel);
      model.set("_selection", lastWrittenSelection);
      model.save_changes();
      return;
    }
    // Jupyter's server refuses websocket messages over 10 MiB (over ~2.6M points here): the
    // kernel gets the selection in parts, joins them and sets `_selection` itself.
    lastSentInParts = sel;
    const parts = splitBytes(sel, MAX_MESSAGE_BYTES);
    const id = ++s.selectionMessages;
    parts.forEach((part, k) => {
      send({ type: "selection_part", id, part: k, parts: parts.length }, [part]);
    });
  }

  function setPins(pins) {
    s.pins = pins;
    model.set("_pins", toDataView(pins));
    model.save_changes();
    publish();
    schedule();
  }

  function addPin(x, y) {
    const next = new Float64Array(s.pins.length + 2);
    next.set(s.pins);
    next[s.pins.length] = x;
    next[s.pins.length + 1] = y;
    setPins(next);
  }

  function setTool(tool) {
    s.tool = tool;
    for (const [name, b] of toolButtons) {
      b.classList.toggle("lm-active", name === tool);
      b.setAttribute("aria-pressed", String(name === tool));
    }
    root.dataset.tool = tool;
    publish();
  }

  // ---- picking and preview ---------------------------------------------------------------
  function localPoint(event) {
    const r = glCanvas.getBoundingClientRect();
    const px = event.clientX - r.left,
      py = event.clientY - r.top;
    const d = toData(s.view, s.width, s.height, px, py);
    return { px, py, x: d.x, y: d.y };
  }

  function pick(x, y) {
    if (!s.grid || s.n === 0) return -1;
    const ppu = pixelsPerUnit(s.view, s.width, s.height);
    return s.grid.nearest(x, y, PICK_RADIUS_PX / ppu.x, PICK_RADIUS_PX / ppu.y);
  }

  /** @param {number} [since] when the pointer event happened (performance.now() clock) */
  function hoverAt(p, since = performance.now()) {
    s.cursor = p;
    const i = pick(p.x, p.y);
    s.hover = i;
    const can = model.get("_decoder")?.can_decode !== false;
    clearTimeout(s.restTimer);
    if (i >= 0) {
      decoder.request(s.positions[2 * i], s.positions[2 * i + 1], i);
    } else if (can && s.client) {
      showClientPreview(p.x, p.y, since);
      decoder.supersede(); // replies on their way are for older positions
      // The kernel's reply only adds the distance line: ask once the pointer rests. Asking
      // on every move would keep the kernel (and JupyterLab's busy indicator) churning.
      s.restTimer = setTimeout(() => decoder.request(p.x, p.y, null), REST_MS);
    } else if (can) {
      decoder.request(p.x, p.y, null);
    } else {
      // Nothing to ask the kernel: empty space cannot be decoded by this model.
      const reason = model.get("_decoder")?.reason || "This model cannot decode empty space.";
      preview.showNote("empty space", reason);
      decoder.supersede();
    }
    schedule();
  }

  /**
   * Decodes empty space in the browser (affine and small MLP decoders) and shows it at once;
   * the kernel's reply for the same spot follows and takes its place.
   */
  function showClientPreview(x, y, since) {
    const d = s.client;
    const values = decodeAt(d, x, y);
    if (d.kind === "image") preview.showClient("empty space", x, y, imagePixels(d, values), null);
    else preview.showClient("empty space", x, y, null, recordFeatures(d, values));
    s.previewSeq++;
    s.previewMs = performance.now() - since;
    root.dataset.previewId = `c${++s.clientPreviews}`;
    root.dataset.previewSource = "client";
    publish();
  }

  function loadClientDecoder() {
    s.client = parseClientDecoder(model.get("_client_decoder"), model.get("_client_weights"));
    decoder.reset(); // the same spot may decode differently now
  }

  /** A walk step: shares the decode's latest-wins slot, so the newest request wins. */
  function walkTo(direction, t) {
    if (direction !== s.walkDirection) s.walk = null;
    s.walkDirection = direction;
    decoder.walk(direction, t);
  }

  /** Keeps the walk trail in step with the preview on display. */
  function trackWalk(msg) {
    const xy = msg.walk_xy;
    if (Array.isArray(xy) && Number.isFinite(xy[0]) && Number.isFinite(xy[1])) {
      const trail = s.walk ?? [];
      trail.push(xy[0], xy[1]);
      s.walk = trail.length > 2 * WALK_TRAIL ? trail.slice(-2 * WALK_TRAIL) : trail;
    } else {
      s.walk = null; // a hover preview took the panel back
    }
    schedule();
  }

  function showNotice(msg) {
    s.notice = String(msg.text ?? "");
    const level = msg.level === "error" ? "error" : "info";
    notice.textContent = s.notice;
    notice.classList.toggle("lm-notice-error", level === "error");
    notice.hidden = s.notice === "";
    clearTimeout(s.noticeTimer);
    s.noticeTimer = setTimeout(() => {
      notice.hidden = true;
    }, NOTICE_MS[level]);
    ops.syncAxes(); // a refused set_axes leaves the pickers on the old axes
    publish();
  }

  function onCustomMessage(msg, buffers) {
    // A widget shown twice has two views; each takes only the replies to its own requests.
    if (msg?.view !== undefined && msg.view !== viewId) return;
    if (msg?.type === "arithmetic_result") ops.showArithmetic(msg);
    else if (msg?.type === "notice") showNotice(msg);
    if (msg?.type !== "preview") return;
    if (!decoder.receive(msg)) return;
    trackWalk(msg);
    // data-preview-id names the preview on screen: set it once an image has decoded, unless a
    // newer preview has replaced it meanwhile.
    const seq = ++s.previewSeq;
    preview.show(msg, buffers || []).then(
      () => {
        if (s.disposed || s.previewSeq !== seq) return;
        root.dataset.previewId = String(msg.id);
        root.dataset.previewSource = "kernel";
      },
      () => {},
    );
  }

  // ---- pointer input ---------------------------------------------------------------------
  function onPointerDown(event) {
    if (event.button !== 0) return;
    map.focus({ preventScroll: true });
    const p = localPoint(event);
    map.setPointerCapture(event.pointerId);
    s.drag = {
      id: event.pointerId,
      start: p,
      startView: s.view,
      moved: false,
      shift: event.shiftKey,
      lasso: s.tool === "lasso" ? [p.x, p.y] : null,
      lastPx: p.px,
      lastPy: p.py,
    };
    if (s.tool === "pan") map.classList.add("lm-dragging");
    event.preventDefault();
  }

  function onPointerMove(event) {
    const p = localPoint(event);
    const drag = s.drag;
    if (!drag || drag.id !== event.pointerId) {
      hoverAt(p, event.timeStamp);
      return;
    }
    s.cursor = p;
    const dx = p.px - drag.start.px,
      dy = p.py - drag.start.py;
    if (!drag.moved && Math.hypot(dx, dy) >= DRAG_THRESHOLD_PX) drag.moved = true;
    if (s.tool === "pan" && drag.moved) {
      s.view = panBy(drag.startView, s.width, s.height, dx, dy);
      s.hover = -1;
      interacting();
    } else if (drag.lasso && Math.hypot(p.px - drag.lastPx, p.py - drag.lastPy) >= LASSO_STEP_PX) {
      drag.lasso.push(p.x, p.y);
      drag.lastPx = p.px;
      drag.lastPy = p.py;
    }
    schedule();
  }

  function onPointerUp(event) {
    const drag = s.drag;
    if (!drag || drag.id !== event.pointerId) return;
    s.drag = null;
    map.classList.remove("lm-dragging");
    if (map.hasPointerCapture(event.pointerId)) map.releasePointerCapture(event.pointerId);
    const p = localPoint(event);
    if (s.tool === "lasso") {
      const poly = drag.lasso;
      if (poly && poly.length >= 6) {
        const inside = pointsInPolygon(s.positions, s.grid, poly);
        setSelection(drag.shift || event.shiftKey ? union(s.selection, inside) : inside);
      }
    } else if (!drag.moved) {
      click(p, event.shiftKey);
    }
    hoverAt(p);
  }

  function onPointerCancel(event) {
    if (s.drag && s.drag.id === event.pointerId) {
      s.drag = null;
      map.classList.remove("lm-dragging");
      schedule();
    }
  }

  function click(p, shift) {
    if (s.tool === "pan") {
      const i = pick(p.x, p.y);
      if (i < 0) return; // a click on empty space changes nothing
      setSelection(shift ? toggle(s.selection, i) : Uint32Array.of(i));
    } else if (s.tool === "pin") {
      addPin(p.x, p.y);
    } else if (s.tool === "anchor") {
      const i = pick(p.x, p.y);
      const x = i >= 0 ? s.positions[2 * i] : p.x;
      const y = i >= 0 ? s.positions[2 * i + 1] : p.y;
      send({ type: "set_anchor", index: i >= 0 ? i : null, x, y });
    }
  }

  function onPointerLeave() {
    if (s.drag) return;
    s.cursor = null;
    s.hover = -1;
    schedule();
  }

  function onWheel(event) {
    event.preventDefault();
    const p = localPoint(event);
    const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? s.height : 1;
    const delta = Math.max(-300, Math.min(300, event.deltaY * unit));
    const next = zoomAbout(s.view, p.x, p.y, Math.exp(-delta * 0.002), s.fit);
    if (next === s.view) return;
    s.view = next;
    interacting();
    if (s.drag?.startView) {
      // Keep panning smoothly when the wheel turns mid-drag.
      s.drag.startView = next;
      s.drag.start = p;
    }
    if (!s.drag) hoverAt(localPoint(event), event.timeStamp);
    schedule();
  }

  function onDoubleClick(event) {
    if (s.tool !== "pan") return;
    event.preventDefault();
    resetView();
  }

  function resetView() {
    s.view = { ...s.fit };
    schedule();
  }

  // Shortcuts act while the pointer is over the map (no click needed to focus it first),
  // unless the user is typing in an editor or a field.
  function onKeyDown(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (!s.cursor || isEditable(event.target)) return;
    if (event.key === "p" || event.key === "P") {
      addPin(s.cursor.x, s.cursor.y);
      event.preventDefault();
      event.stopPropagation(); // keep JupyterLab's own shortcuts out of it
    } else if (event.key === "Escape") {
      setSelection(new Uint32Array(0));
      event.preventDefault();
      event.stopPropagation();
    }
  }

  function loadAxes() {
    ops.setAxes(model.get("_axis_options"), model.get("_axes"), model.get("_projection"));
    publish();
  }

  function onToolbarClick(event) {
    const b = event.target.closest("button");
    if (!b || !toolbar.contains(b)) return;
    if (b.dataset.tool) setTool(b.dataset.tool);
    const action = b.dataset.action;
    if (action === "clear-selection") setSelection(new Uint32Array(0));
    else if (action === "clear-pins") setPins(new Float64Array(0));
    else if (action === "reset-view") resetView();
    else if (action === "toggle-ops") {
      ops.root.hidden = !ops.root.hidden;
      b.setAttribute("aria-expanded", String(!ops.root.hidden));
    }
  }

  // ---- wiring ----------------------------------------------------------------------------
  const traitHandlers = {
    "change:_points": loadPoints,
    "change:_codes": loadCodes,
    "change:_code_width": loadCodes,
    "change:_palette": loadPalette,
    "change:_legend": loadPalette,
    "change:_selection": loadSelection,
    "change:_group_a": loadGroups,
    "change:_group_b": loadGroups,
    "change:_pins": loadPins,
    "change:_anchor_xy": () => {
      s.walk = null;
      decoder.reset(); // the same walk step from a new anchor is a new request
      schedule();
    },
    "change:_axis_options": loadAxes,
    "change:_axes": loadAxes,
    "change:_projection": loadAxes,
    "change:_walk_options": () => ops.setWalkOptions(model.get("_walk_options")),
    "change:_marks": () => {
      publish();
      schedule();
    },
    "change:_axis_titles": schedule,
    "change:_decoder": () => preview.setDecoder(model.get("_decoder")),
    "change:_client_decoder": loadClientDecoder,
    "change:_client_weights": loadClientDecoder,
    "change:_status": () => renderStatus(status, model.get("_status")),
    "change:height": () => {
      applySize();
      schedule();
    },
    "msg:custom": onCustomMessage,
  };
  for (const [name, fn] of Object.entries(traitHandlers)) model.on(name, fn);

  const domHandlers = [
    [map, "pointerdown", onPointerDown],
    [map, "pointermove", onPointerMove],
    [map, "pointerup", onPointerUp],
    [map, "pointercancel", onPointerCancel],
    [map, "pointerleave", onPointerLeave],
    [map, "wheel", onWheel, { passive: false }],
    [map, "dblclick", onDoubleClick],
    [window, "keydown", onKeyDown, true],
    [toolbar, "click", onToolbarClick],
  ];
  for (const [target, type, fn, options] of domHandlers) target.addEventListener(type, fn, options);

  const resizeObserver = new ResizeObserver(() => {
    const before = s.width;
    applySize();
    if (s.width !== before) schedule();
  });
  resizeObserver.observe(map);

  // JupyterLab marks a theme change on <body>; the overlay and the caption paint with its
  // colours, read again in the next frame.
  const themeObserver = new MutationObserver(() => {
    s.themeChanged = true;
    schedule();
  });
  themeObserver.observe(document.body, {
    attributes: true,
    attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"],
  });

  // Initial state from the traits.
  preview.setDecoder(model.get("_decoder"));
  loadClientDecoder();
  renderStatus(status, model.get("_status"));
  loadPalette();
  loadAxes();
  ops.setWalkOptions(model.get("_walk_options"));
  s.pins = float64Of(model.get("_pins"));
  {
    let sel = uint32Of(model.get("_selection"));
    if (!isSortedUnique(sel)) sel = sortedUnique(sel);
    s.selection = sel;
  }
  loadGroups();
  loadPoints();
  setTool("pan");
  applySize();
  schedule();

  return () => {
    s.disposed = true;
    if (s.raf) cancelAnimationFrame(s.raf);
    clearTimeout(s.noticeTimer);
    clearTimeout(s.settleTimer);
    clearTimeout(s.restTimer);
    for (const [name, fn] of Object.entries(traitHandlers)) model.off(name, fn);
    for (const [target, type, fn, options] of domHandlers)
      target.removeEventListener(type, fn, options);
    resizeObserver.disconnect();
    themeObserver.disconnect();
    decoder.dispose();
    ops.dispose();
    preview.dispose();
    renderer.dispose();
    root.remove();
  };
}

function isEditable(target) {
  return (
    target instanceof Element &&
    (target.isContentEditable ||
      target.closest("input, textarea, select, [contenteditable], .cm-editor") !== null)
  );
}

export default { render };
