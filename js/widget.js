// The anywidget entry: builds the DOM and wires the model's traits and messages to the pieces
// that do the work: the map (map_renderer.js, drawn by frame_loop.js), the overlay, the
// preview (previewer.js), the selection (selection_sync.js), pins (pins.js), pointer tools
// (pointer_tools.js), the operations bar and the observable data- attributes. Requests go
// through kernel_link.js, which notices a kernel restarted or shut down: then the widget says
// so and asks nothing more.
// Protocol: docs/protocol.md (trait names, message shapes, data- attributes, class names).

import "./widget.css";
import { codesOf, float32Of, uint8Of, uint32Of, viewAs } from "./codecs.js";
import { el } from "./dom.js";
import { loadExtras, receiveExtras, refuseExtras } from "./extras_loader.js";
import { FrameLoop, MapFrames } from "./frame_loop.js";
import { KernelLink } from "./kernel_link.js";
import { pointsInPolygon, toggle, union } from "./lasso.js";
import { renderLegend } from "./legend.js";
import { MapLabels } from "./map_labels.js";
import { MapRenderer, pointSize } from "./map_renderer.js";
import { observedValues, writeChanged } from "./observables.js";
import { OnnxDecoder } from "./onnx_decoder.js";
import { OperationsBar } from "./operations.js";
import { Overlay } from "./overlay.js";
import { Pins } from "./pins.js";
import { PointerTools } from "./pointer_tools.js";
import { PreviewPanel } from "./preview_panel.js";
import { Previewer } from "./previewer.js";
import { SearchBox } from "./search_box.js";
import { SelectionSync, selectionFlags } from "./selection_sync.js";
import { SpatialGrid } from "./spatial_grid.js";
import { StatusBar } from "./status_bar.js";
import { Toolbar } from "./toolbar.js";
import {
  fitView,
  panBy,
  pixelsPerUnit,
  resizeView,
  sameView,
  toData,
  zoomAbout,
  zoomLevel,
} from "./view.js";

const PICK_RADIUS_PX = 6;

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

function render({ model, el: host }) {
  // Every request names its view, so that replies reach the view that asked; none is sent
  // once the kernel is gone (kernelGone).
  const viewId = Math.random().toString(36).slice(2);
  const link = new KernelLink({ model, el: host, gone: (text) => kernelGone(text) });
  function send(content, buffers) {
    link.send({ ...content, view: viewId }, buffers);
  }

  // ---- DOM -------------------------------------------------------------------------------
  const root = el("div", "lm-root");
  const toolbar = new Toolbar(setTool, onAction);
  const body = el("div", "lm-body");
  const main = el("div", "lm-main");
  const map = el("div", "lm-map");
  map.tabIndex = 0;
  map.setAttribute("role", "application");
  map.setAttribute("aria-label", "latent space map");
  const densityCanvas = el("canvas", "lm-density");
  const glCanvas = el("canvas", "lm-gl");
  const thumbCanvas = el("canvas", "lm-thumbs");
  const atlasCanvas = el("canvas", "lm-atlas");
  const labelCanvas = el("canvas", "lm-labels");
  const overlayCanvas = el("canvas", "lm-overlay");
  const glMessage = el("div", "lm-gl-message");
  glMessage.hidden = true;
  map.append(
    densityCanvas,
    glCanvas,
    thumbCanvas,
    atlasCanvas,
    labelCanvas,
    overlayCanvas,
    glMessage,
  );
  const statusBar = new StatusBar();
  const ops = new OperationsBar({
    send,
    walk: (direction, t) => previewer.walkTo(direction, t),
    selection: () => selection.selection,
    changed: () => {
      publish();
      loop.schedule();
    },
  });
  // The strip view, the atlas and the PNG compositing come with the page's extras, when first
  // needed (extras_loader.js); the strip's place in the layout is kept until then.
  let strip = null;
  const stripSlot = el("div");
  stripSlot.hidden = true;
  const search = new SearchBox({
    send,
    labelOf: (i) => labels.texts[i] ?? `point ${i}`,
    found(found) {
      s.found = found;
      // Written once here, not per frame: a broad query may find hundreds of thousands.
      s.foundText = found ? JSON.stringify(Array.from(found.points)) : undefined;
      publish();
      loop.schedule();
    },
    choose: flyTo,
  });
  toolbar.addTool(search.root);
  main.append(toolbar.root, map, statusBar.root, stripSlot, ops.root);
  const side = el("div", "lm-side");
  const panel = new PreviewPanel({ view: () => s.view });
  const legend = el("div", "lm-legend");
  side.append(panel.root, legend);
  body.append(main, side);
  root.append(body);
  host.append(root);

  // ---- state and parts -------------------------------------------------------------------
  const s = {
    positions: new Float32Array(0),
    n: 0,
    grid: null,
    fit: { x0: -1, x1: 1, y0: -1, y1: 1 },
    view: { x0: -1, x1: 1, y0: -1, y1: 1 },
    width: 0,
    height: 0,
    dpr: 1,
    flags: new Uint8Array(0),
    selectedShown: 0,
    hover: -1, // index of the hovered point
    frames: 0,
    frameMs: 0,
    theme: readTheme(root),
    themeChanged: false, // JupyterLab's theme changed: colours to read again in the next frame
    reported: null, // the view last written to `_view`
    found: null, // what the search box found: {points, kind, query, x?, y?}
    atlasOn: false,
    big: false, // a big table: the points are a sample, the density counts every row
  };

  const renderer = new MapRenderer(glCanvas, {
    onContextLost() {
      showGlMessage(
        "The map's WebGL context was lost. It will come back when the browser restores it.",
      );
    },
    onContextRestored() {
      glMessage.hidden = true;
      loop.schedule();
    },
  });
  if (!renderer.ok) showGlMessage("This browser cannot draw the map: WebGL2 is not available.");
  const overlay = new Overlay(overlayCanvas);
  let density = null; // a big table's density: made when the extras arrive
  const labels = new MapLabels(labelCanvas);
  const mapFrames = new MapFrames(renderer);
  const loop = new FrameLoop(frame, { held: () => tools.panning });
  const selection = new SelectionSync({
    model,
    send,
    show: showSelection,
    live: () => !link.gone || link.saved, // a saved page's model keeps it (its CSV download)
    save: () => link.save(),
  });
  const pins = new Pins((content) => send(content), model.get("_pins"));
  const onnx = new OnnxDecoder({
    send: (content) => send(content),
    notice: (text, level) => showNotice({ type: "notice", level, text }),
    changed: () => publish(),
  });
  const previewer = new Previewer({
    send: (content) => send(content),
    onnx,
    panel,
    labelOf: pointLabel,
    decoder: () => model.get("_decoder"),
    shown(values) {
      writeChanged(root.dataset, values);
      publish();
    },
    changed: () => loop.schedule(),
  });
  let disposed = false;
  let askedExtras = false; // this view sent the page's `extras` request
  let atlas = null; // made when the extras arrive (the Atlas toggle asks for them)
  let extras = null; // the extras module, once arrived
  let waitingForExtras = []; // what arrived or was asked before the extras: done once they come

  /** Runs `then(extras)` now, or once the extras arrive (asked of the kernel once a page). */
  function withExtras(then) {
    if (extras) return then(extras);
    waitingForExtras.push(then);
    if (waitingForExtras.length > 1) return;
    const ask = (content) => {
      if (link.gone) return refuseExtras("this needs the kernel, which is gone");
      askedExtras = true; // the reply comes to this view only
      send(content);
    };
    loadExtras(ask).then(extrasArrived, (error) => {
      waitingForExtras = [];
      if (disposed) return;
      s.atlasOn = false;
      loadAtlasToggle();
      showNotice({ level: "error", text: `Not available: ${error?.message ?? error}` });
    });
  }

  function extrasArrived(module) {
    if (disposed) return;
    extras = module;
    atlas = new module.AtlasLayer(atlasCanvas, {
      send: (content) => send(content),
      clientDecoder: () => previewer.client,
      canDecode: () => {
        const d = model.get("_decoder");
        return d?.can_decode !== false && !d?.neighbors;
      },
      changed: () => loop.schedule(),
    });
    atlas.resize(s.width, s.height, s.dpr);
    atlas.setOn(s.atlasOn);
    if (link.gone) atlas.stop();
    strip = new module.StripView();
    stripSlot.replaceWith(strip.root);
    density = new module.DensityLayer(densityCanvas);
    density.resize(s.width, s.height, s.dpr);
    thumbs = new module.Thumbnails(thumbCanvas, {
      send: (content) => send(content),
      changed: () => loop.schedule(),
    });
    thumbs.resize(s.width, s.height, s.dpr);
    if (link.gone && !link.answers("thumbnails")) thumbs.stop();
    loadThumbnails();
    for (const then of waitingForExtras.splice(0)) then(module);
    loop.schedule();
  }
  let thumbs = null; // the points' pictures: made when the extras arrive (the Pictures toggle)
  const tools = new PointerTools({
    locate,
    view: () => s.view,
    height: () => s.height,
    pick,
    pan(startView, dx, dy) {
      s.view = panBy(startView, s.width, s.height, dx, dy);
      s.hover = -1;
      loop.interacting();
    },
    zoom(p, factor) {
      const next = zoomAbout(s.view, p.x, p.y, factor, s.fit);
      if (next === s.view) return null;
      s.view = next;
      loop.interacting();
      return next;
    },
    hover: hoverAt,
    leave() {
      s.hover = -1;
      loop.schedule();
    },
    act,
    changed: () => loop.schedule(),
  });

  function showGlMessage(text) {
    glMessage.textContent = text;
    glMessage.hidden = false;
  }

  // ---- frames ----------------------------------------------------------------------------
  function frame() {
    if (s.width <= 0 || s.height <= 0) return;
    if ((window.devicePixelRatio || 1) !== s.dpr) applySize();
    if (s.themeChanged) {
      s.themeChanged = false;
      s.theme = readTheme(root);
      panel.repaint();
    }
    const t0 = performance.now();
    const size = pointSize(s.n, zoomLevel(s.view, s.fit));
    density?.draw(s.view); // a big table's every row, under its sampled points
    const drawn = mapFrames.draw(s.view, size, loop.settling);
    drawThumbnails();
    if (!loop.settling) atlas?.settled(s.view); // the same view and grid asks nothing again
    atlas?.draw(s.view);
    drawLabels(size);
    if (!loop.settling) reportView();
    const hover = s.hover >= 0 && s.hover < s.n ? s.hover : -1;
    overlay.draw({
      view: s.view,
      theme: s.theme,
      axisTitles: model.get("_axis_titles") || [],
      lasso: tools.lasso,
      pins: pins.shown,
      anchor: model.get("_anchor_xy"),
      hover:
        hover >= 0
          ? { x: s.positions[2 * hover], y: s.positions[2 * hover + 1], radius: size / 2 }
          : null,
      cursor: tools.cursor,
      positions: s.positions,
      groups: [ops.groupA, ops.groupB],
      found: s.found?.points,
      pointRadius: size / 2,
      marks: s.found?.x !== undefined ? [...marks(), searchMark(s.found)] : marks(),
      walk: previewer.walk,
      path: model.get("_path"),
    });
    if (drawn >= 0) {
      // Only a benchmark asks for finish (data-measure): it stalls the page until the GPU is done.
      if (root.dataset.measure !== undefined) renderer.finish();
      s.frameMs = performance.now() - t0;
      s.frames += 1;
      onnx.mapDrawn(); // the runtime and the model are asked for after the map is drawn
    }
    publish();
  }

  /** The labels move with the view while it moves, and are placed again once it settles. */
  function drawLabels(size) {
    if (loop.settling) labels.follow(s.view);
    else if (
      labels.update({
        view: s.view,
        positions: s.positions,
        radius: size / 2,
        theme: s.theme,
        highlight: s.found?.points,
      })
    )
      writeChanged(root.dataset, {
        labels: JSON.stringify(labels.published()),
        labelsMs: labels.layoutMs.toFixed(2),
      });
  }

  /** The points' pictures move with the view while it moves, and are drawn once it settles. */
  function drawThumbnails() {
    if (!thumbs) return;
    if (loop.settling) thumbs.follow(s.view);
    else if (thumbs.update(s.view, s.grid)) {
      setOrDrop("thumbnails", thumbs.drawn.length ? JSON.stringify(thumbs.drawn) : undefined);
    }
  }

  /** Tells the kernel the range a settled view shows (`w.view`, the default of `w.atlas()`). */
  function reportView() {
    if (link.gone || s.width <= 0 || (s.reported && sameView(s.reported, s.view))) return;
    s.reported = { ...s.view };
    model.set("_view", [s.view.x0, s.view.x1, s.view.y0, s.view.y1]);
    link.save();
  }

  function publish() {
    statusBar.setCounts({ selected: s.selectedShown, pins: pins.count });
    const values = observedValues({
      frames: s.frames,
      drawn: mapFrames.drawn,
      view: s.view,
      selected: s.selectedShown,
      pins: pins.count,
      tool: tools.tool,
      axes: model.get("_axes") || [],
      marks: marks().length,
      walkT: ops.walkT,
      groupA: ops.groupA.length,
      groupB: ops.groupB.length,
      notice: statusBar.text,
      frameKind: mapFrames.kind,
      frameMs: s.frameMs,
      previewMs: previewer.previewMs,
      kernelGone: link.gone,
    });
    writeChanged(root.dataset, values);
    setOrDrop("atlas", atlas?.shown ? JSON.stringify(atlas.shown) : undefined);
    setOrDrop("search", s.foundText);
    setOrDrop("onnx", onnx.published());
  }

  function setOrDrop(name, text) {
    if (root.dataset[name] === text) return;
    if (text === undefined) delete root.dataset[name];
    else root.dataset[name] = text;
  }

  function searchMark(found) {
    return { x: found.x, y: found.y, label: `“${found.query}”` };
  }

  /** Centres the view on point i (zoomed in if the map is shown whole) and previews it. */
  function flyTo(i) {
    if (!(i >= 0 && i < s.n)) return;
    const x = s.positions[2 * i],
      y = s.positions[2 * i + 1];
    const fitSpan = s.fit.x1 - s.fit.x0;
    const span = Math.min(s.view.x1 - s.view.x0, fitSpan / 4);
    const ratio = (s.view.y1 - s.view.y0) / (s.view.x1 - s.view.x0);
    s.view = {
      x0: x - span / 2,
      x1: x + span / 2,
      y0: y - (span * ratio) / 2,
      y1: y + (span * ratio) / 2,
    };
    s.hover = i;
    previewer.point(i, x, y);
    loop.schedule();
  }

  /** A point's label as the page knows it: its text, else its category in the legend. */
  function pointLabel(i) {
    const text = labels.texts[i];
    if (text) return text;
    const legend = model.get("_legend");
    if (legend?.kind !== "category") return undefined;
    const code = codesOf(model.get("_codes"), model.get("_code_width"))[i];
    return code === undefined ? undefined : legend.names?.[code];
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
    atlas?.resize(s.width, s.height, s.dpr);
    density?.resize(s.width, s.height, s.dpr);
    thumbs?.resize(s.width, s.height, s.dpr);
    labels.resize(s.width, s.height, s.dpr);
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
    previewer.reset(); // the walk trail's positions were on the old map
    ops.fitGroups(s.n);
    renderer.setPoints(s.positions);
    atlas?.invalidate();
    if (s.found?.x !== undefined) search.submit(); // the encoded query moved with the map
    thumbs?.moved();
    loadCodes();
    showSelection(selection.selection);
    loop.schedule();
  }

  function loadCodes() {
    const codes = codesOf(model.get("_codes"), model.get("_code_width"));
    renderer.setCodes(codes.length >= s.n ? codes : null);
    loop.schedule();
  }

  function loadPalette() {
    const palette = model.get("_palette") || [];
    renderer.setPalette(palette);
    renderLegend(legend, model.get("_legend"), palette);
    loop.schedule();
  }

  function loadLabelTexts() {
    labels.setTexts(uint8Of(model.get("_label_text")));
    loadShowLabels();
  }

  /** The order changes with the map (axes); the texts, decoded once, stay. */
  function loadLabelOrder() {
    labels.setOrder(uint32Of(model.get("_label_order")));
    loadShowLabels();
  }

  function loadShowLabels() {
    const on = Boolean(model.get("show_labels")) && labels.available;
    labels.setOn(on);
    toolbar.showLabels(labels.available, on);
    if (!on) delete root.dataset.labels;
    loop.schedule();
  }

  function loadThumbnails() {
    thumbs?.setSpec(model.get("_thumbnails"));
    loadShowThumbnails();
  }

  function loadShowThumbnails() {
    const spec = model.get("_thumbnails");
    const available = Boolean(spec && spec.width > 0 && spec.height > 0); // as thumbnails.js
    const on = Boolean(model.get("show_thumbnails")) && available;
    if (on && !thumbs) withExtras(() => {}); // made on, once the extras arrive
    thumbs?.setOn(on);
    toolbar.showPictures(available, on);
    if (!on) setOrDrop("thumbnails", undefined);
    loop.schedule();
  }

  function loadAtlasToggle() {
    // A map whose spots "decode" to their nearest labels (words) has no pictures to tile.
    const d = model.get("_decoder");
    const available = d?.can_decode === true && !d?.neighbors;
    toolbar.showAtlas(available, s.atlasOn && available);
    loop.schedule(); // a new picture is wanted for the settled view
  }

  /** A big table's density for the settled view (docs/protocol.md, "Density and sample"). */
  function loadDensity() {
    const meta = model.get("_density_meta");
    s.big = Boolean(meta && Number.isInteger(meta.rows));
    if (!s.big) {
      density?.clear();
      setOrDrop("density", undefined);
    } else if (!density) {
      withExtras(loadDensity); // only a big table draws one: it travels with the extras
    } else {
      const codes = viewAs(model.get("_density_codes"), Uint16Array);
      const counts = uint32Of(model.get("_density"));
      const palette = model.get("_palette") || [];
      const why = density.show(meta, counts, codes.length ? codes : null, palette, s.theme.fg);
      if (why) showNotice({ text: why, level: "error" });
      const { id, bounds, in_view, total, shown } = meta;
      setOrDrop("density", JSON.stringify({ id, bounds, in_view, total, shown }));
    }
    loop.schedule();
  }

  function loadGroups() {
    ops.setGroups(uint32Of(model.get("_group_a")), uint32Of(model.get("_group_b")));
  }

  function loadAxes() {
    ops.setAxes(model.get("_axis_options"), model.get("_axes"), model.get("_projection"));
    publish();
  }

  function loadClientDecoder() {
    previewer.loadClient(model.get("_client_decoder"), model.get("_client_weights"));
    atlas?.invalidate();
    loadAtlasToggle();
  }

  function pinsChanged() {
    publish();
    loop.schedule();
  }

  /** Shows a selection on the map (flags for the GPU). */
  function showSelection(sel) {
    const shown = selectionFlags(sel, s.n, s.flags);
    s.flags = shown.flags;
    s.selectedShown = shown.shown;
    renderer.setSelection(shown.flags, shown.shown, shown.indices);
    publish();
    loop.schedule();
  }

  // ---- tools and actions -----------------------------------------------------------------
  function setTool(tool) {
    tools.tool = tool;
    toolbar.showTool(tool);
    publish();
  }

  function onAction(action) {
    if (action === "clear-selection") act({ type: "clear-selection" });
    else if (action === "clear-pins") {
      pins.clear();
      pinsChanged();
      strip?.clear();
    } else if (action === "reset-view") act({ type: "reset-view" });
    else if (action === "save-png") withExtras(savePng);
    else if (action === "toggle-atlas") {
      s.atlasOn = !s.atlasOn;
      if (atlas) atlas.setOn(s.atlasOn);
      else if (s.atlasOn) withExtras(() => {}); // the atlas is made on, once they arrive
      loadAtlasToggle();
      publish();
      loop.schedule();
    } else if (action === "toggle-thumbnails") {
      model.set("show_thumbnails", !model.get("show_thumbnails"));
      link.save();
    } else if (action === "toggle-labels") {
      // View state the page writes too (docs/protocol.md): every view of the widget follows.
      model.set("show_labels", !model.get("show_labels"));
      link.save();
    } else if (action === "toggle-ops") {
      ops.root.hidden = !ops.root.hidden;
      toolbar.showOps(!ops.root.hidden);
    }
  }

  /** The map as shown, downloaded as a PNG: the points are drawn again in this task, since
   * the WebGL canvas keeps its picture only until the browser shows it (png_export.js). */
  function savePng({ compositeMap, downloadPng, PNG_NAME, shownLayers }) {
    if (s.width <= 0 || s.height <= 0) return;
    renderer.draw(s.view, pointSize(s.n, zoomLevel(s.view, s.fit)));
    const picture = compositeMap({
      target: el("canvas"),
      layers: shownLayers(map.querySelectorAll("canvas")),
      cssWidth: s.width,
      cssHeight: s.height,
      pixelRatio: s.dpr,
      background: s.theme.bg,
    });
    downloadPng(picture)
      .then(() => {
        const size = `${picture.width} × ${picture.height} px`;
        showNotice({ level: "info", text: `Saved ${PNG_NAME} (${size})` });
      })
      .catch((error) => showNotice({ level: "error", text: String(error?.message ?? error) }));
  }

  /** Carries out an intent of the pointer tools. */
  function act(intent) {
    const current = selection.selection;
    if (intent.type === "select") {
      selection.set(intent.toggle ? toggle(current, intent.index) : Uint32Array.of(intent.index));
    } else if (intent.type === "lasso" && s.big && !link.gone) {
      // The page holds a sample of a big table: the kernel selects among all its rows and
      // writes back the sampled points inside.
      const vertices = [];
      for (let k = 0; k + 1 < intent.polygon.length; k += 2) {
        vertices.push([intent.polygon[k], intent.polygon[k + 1]]);
      }
      send({ type: "select_polygon", vertices, add: Boolean(intent.add) });
    } else if (intent.type === "lasso") {
      const inside = pointsInPolygon(s.positions, s.grid, intent.polygon);
      selection.set(intent.add ? union(current, inside) : inside);
    } else if (intent.type === "clear-selection") {
      selection.set(new Uint32Array(0));
    } else if (intent.type === "pin") {
      if (link.gone) return; // the kernel makes pins; a provisional one would stay forever
      pins.pin(intent.x, intent.y);
      pinsChanged();
    } else if (intent.type === "anchor") {
      const i = intent.index;
      const x = i >= 0 ? s.positions[2 * i] : intent.x;
      const y = i >= 0 ? s.positions[2 * i + 1] : intent.y;
      send({ type: "set_anchor", index: i >= 0 ? i : null, x, y });
    } else if (intent.type === "reset-view") {
      s.view = { ...s.fit };
      loop.schedule();
    }
  }

  function locate(event) {
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
    const i = pick(p.x, p.y);
    s.hover = i;
    if (i >= 0) previewer.point(i, s.positions[2 * i], s.positions[2 * i + 1]);
    else previewer.space(p.x, p.y, since);
    loop.schedule();
  }

  // ---- kernel messages -------------------------------------------------------------------
  /** The kernel restarted or shut down (kernel_link.js): say so, and ask nothing more. */
  function kernelGone(text) {
    previewer.stop(text, link.saved);
    atlas?.stop();
    refuseExtras(text); // a request in flight gets no answer now
    const pictures = link.answers("thumbnails"); // a saved page that carries its pictures
    if (!pictures) thumbs?.stop();
    if (!link.answers("search")) search.disable(); // a saved page searches its labels itself
    ops.disable();
    pins.dropProvisional();
    // A saved page never had a kernel: its tools that ask one are disabled, pictures (asked of
    // the kernel) unless it carries them, and the atlas unless it decodes in the page.
    if (link.saved) {
      const kernelOnly = ["pin", "anchor"];
      if (!pictures) kernelOnly.push("toggle-thumbnails");
      if (!previewer.client) kernelOnly.push("toggle-atlas");
      toolbar.disableKernelTools(text, kernelOnly);
      if (kernelOnly.includes(tools.tool)) setTool("pan");
    }
    statusBar.showGone(text);
    publish();
    loop.schedule();
  }

  function showNotice(msg) {
    statusBar.showNotice(msg);
    ops.syncAxes(); // a refused set_axes leaves the pickers on the old axes
    if (msg.level === "error") {
      pins.dropProvisional(); // a refused pin is not coming
      loop.schedule();
    }
    publish();
  }

  function onCustomMessage(msg, buffers) {
    // A widget shown twice has two views; each takes only the replies to its own requests.
    if (msg?.view !== undefined && msg.view !== viewId) return;
    if (msg?.type === "arithmetic_result") ops.showArithmetic(msg);
    else if (msg?.type === "notice") showNotice(msg);
    else if (msg?.type === "preview") previewer.receive(msg, buffers);
    else if (msg?.type === "atlas") atlas?.receive(msg, buffers);
    else if (msg?.type === "thumbnails") thumbs?.receive(msg, buffers);
    else if (msg?.type === "strip") withExtras(() => strip.show(msg, buffers));
    else if (msg?.type === "grid") withExtras(() => strip.showGrid(msg, buffers));
    else if (msg?.type === "extras") receiveExtras(msg, buffers);
    else if (msg?.type === "search_result") search.receive(msg, buffers);
    else if (msg?.type === "onnx_part") onnx.receive(msg, buffers);
  }

  // ---- wiring ----------------------------------------------------------------------------
  const traitHandlers = {
    "change:_points": loadPoints,
    "change:_codes": loadCodes,
    "change:_code_width": loadCodes,
    "change:_palette": loadPalette,
    "change:_density_meta": loadDensity,
    "change:_legend": loadPalette,
    "change:_selection": () => selection.load(),
    "change:_group_a": loadGroups,
    "change:_group_b": loadGroups,
    "change:_pins": () => {
      pins.load(model.get("_pins"));
      pinsChanged();
    },
    "change:_anchor_xy": () => {
      previewer.reset(); // the same walk step from a new anchor is a new request
      atlas?.invalidate(); // the same spots lift to new latents
      loop.schedule();
    },
    "change:_axis_options": loadAxes,
    "change:_axes": loadAxes,
    "change:_projection": loadAxes,
    "change:_walk_options": () => ops.setWalkOptions(model.get("_walk_options")),
    "change:_direction_cosines": () => ops.setCosines(model.get("_direction_cosines")),
    "change:_marks": () => {
      publish();
      loop.schedule();
    },
    "change:_axis_titles": () => loop.schedule(),
    "change:_path": () => loop.schedule(),
    "change:_decoder": () => {
      panel.setDecoder(model.get("_decoder"));
      atlas?.invalidate(); // e.g. the lift changed
      loadAtlasToggle();
    },
    "change:_client_decoder": loadClientDecoder,
    "change:_client_weights": loadClientDecoder,
    "change:_point_latents": () => previewer.loadPointLatents(model.get("_point_latents")),
    "change:_onnx_decoder": () => onnx.load(model.get("_onnx_decoder")),
    "change:_status": () => statusBar.setStatus(model.get("_status")),
    "change:_label_text": loadLabelTexts,
    "change:_arithmetic_hint": () => ops.setArithmeticHint(model.get("_arithmetic_hint")),
    "change:_label_order": loadLabelOrder,
    "change:show_labels": loadShowLabels,
    "change:_thumbnails": loadThumbnails,
    "change:show_thumbnails": loadShowThumbnails,
    "change:height": () => {
      applySize();
      loop.schedule();
    },
    "msg:custom": onCustomMessage,
  };
  for (const [name, fn] of Object.entries(traitHandlers)) model.on(name, fn);
  const detachTools = tools.attach(map, window);

  const resizeObserver = new ResizeObserver(() => {
    const before = s.width;
    applySize();
    if (s.width !== before) loop.schedule();
  });
  resizeObserver.observe(map);

  // JupyterLab marks a theme change on <body>; the overlay and the caption paint with its
  // colours, read again in the next frame.
  const themeObserver = new MutationObserver(() => {
    s.themeChanged = true;
    loop.schedule();
  });
  themeObserver.observe(document.body, {
    attributes: true,
    attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"],
  });

  // Initial state from the traits.
  panel.setDecoder(model.get("_decoder"));
  loadClientDecoder();
  previewer.loadPointLatents(model.get("_point_latents"));
  onnx.load(model.get("_onnx_decoder"));
  statusBar.setStatus(model.get("_status"));
  loadPalette();
  loadAxes();
  ops.setWalkOptions(model.get("_walk_options"));
  ops.setArithmeticHint(model.get("_arithmetic_hint"));
  ops.setCosines(model.get("_direction_cosines"));
  loadGroups();
  loadLabelTexts();
  loadLabelOrder();
  loadThumbnails();
  loadPoints();
  loadDensity();
  setTool("pan");
  applySize();
  link.check();
  loop.schedule();

  return () => {
    disposed = true; // extras arriving later make nothing
    // The reply comes to the view that asked: closed first, the page's other views would wait
    // forever. They are told instead, and ask again when next needed.
    if (askedExtras && !extras) refuseExtras("the view that asked for it was closed");
    link.dispose();
    loop.dispose();
    statusBar.dispose();
    for (const [name, fn] of Object.entries(traitHandlers)) model.off(name, fn);
    detachTools();
    toolbar.dispose();
    resizeObserver.disconnect();
    themeObserver.disconnect();
    previewer.dispose();
    atlas?.dispose();
    thumbs?.dispose();
    strip?.dispose();
    search.dispose();
    ops.dispose();
    panel.dispose();
    renderer.dispose();
    root.remove();
  };
}

export default { render };
