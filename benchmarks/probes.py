"""JavaScript installed in every benchmark page, and the snippets that read it.

Everything is measured *inside the page* on one clock (``performance.now()``), so the Python
side may poll slowly without adding to a figure. The same probes serve latent_magic and its
peers: nothing here knows either widget's internals.

* **Points drawn** — ``WebGL(2)RenderingContext.drawArrays`` is wrapped: the first
  ``POINTS`` draw call of at least ``N`` vertices after :js:`__bench.watch(N)` notes its time,
  then (in a task after that frame) ``gl.finish()`` on every context that drew, so the time
  recorded is when the points really are rasterised (SwiftShader runs on the CPU and queues
  GL work; a 2-D canvas copy, as jupyter-scatter does, already forces it). latent_magic on
  software WebGL rasterises small points in JavaScript and issues no such call; there the
  draw is the frame that sets its ``data-drawn`` to ``N`` (set once the points are in the
  picture), followed by the same ``gl.finish()``.
* **Frame after a pointer move** — a capturing ``pointermove`` listener notes the event time
  and schedules a task after the next animation frame, then ``gl.finish()``: mouse move
  dispatched → the frame it caused is complete.
* **Preview painted** — a ``MutationObserver`` on ``data-preview-id`` (latent_magic), or on a
  cell's output area gaining a new ``<img>`` (ipywidgets ``interact`` + matplotlib): the
  time the new image is decoded, then one frame later (painted).
"""

from __future__ import annotations

INIT_JS = r"""
(() => {
  if (window.__bench) return;
  const B = (window.__bench = {
    contexts: new Set(),
    watchN: 0, drawCallAt: null, drawnAt: null, lmDrawnAt: null, drawCount: 0,
    pan: null, pv: null, diy: null,
  });
  const finishAll = () => { for (const gl of B.contexts) { try { gl.finish(); } catch (e) {} } };
  B.finishAll = finishAll;
  function hook(proto) {
    if (!proto || proto.__benchHooked) return;
    proto.__benchHooked = true;
    const orig = proto.drawArrays;
    proto.drawArrays = function (mode, first, count) {
      B.contexts.add(this);
      const r = orig.call(this, mode, first, count);
      if (mode === 0 && B.watchN > 0 && count >= B.watchN && B.drawCallAt === null) {
        B.drawCallAt = performance.now();
        B.drawCount = count;
        setTimeout(() => {
          finishAll();
          if (B.drawnAt === null) B.drawnAt = performance.now();
        }, 0);
      }
      return r;
    };
  }
  hook(window.WebGLRenderingContext && WebGLRenderingContext.prototype);
  hook(window.WebGL2RenderingContext && WebGL2RenderingContext.prototype);

  // ---- display: watch for the first draw of >= n points (and latent_magic's data-drawn) ----
  let drawnObserver = null;
  B.watch = (n) => {
    B.watchN = n; B.drawCallAt = null; B.drawnAt = null; B.lmDrawnAt = null; B.drawCount = 0;
    if (drawnObserver) drawnObserver.disconnect();
    drawnObserver = new MutationObserver((records) => {
      for (const r of records) {
        if (B.lmDrawnAt === null && Number(r.target.dataset.drawn) >= n
            && Number(r.target.dataset.frames) > 0) {
          B.lmDrawnAt = performance.now();
          // On software WebGL latent_magic rasterises the points itself (no POINTS draw
          // call): its frame has drawn them all when it says so; finish its GL work too.
          if (B.drawCallAt === null) {
            B.drawCallAt = B.lmDrawnAt;
            setTimeout(() => {
              finishAll();
              if (B.drawnAt === null) B.drawnAt = performance.now();
            }, 0);
          }
        }
      }
    });
    drawnObserver.observe(document.body,
                          {subtree: true, attributes: true, attributeFilter: ['data-drawn']});
  };

  // ---- run a notebook cell without waiting for it: returns the start time ----
  B.runCell = (path, index) => {
    const app = window.jupyterapp;
    const panel = window.__e2ePanel(path);
    const nb = panel.content;
    app.shell.activateById(panel.id);
    nb.deselectAll();
    nb.activeCellIndex = index;
    nb.mode = 'command';
    const t0 = performance.now();
    app.commands.execute('notebook:run-cell');
    return t0;
  };

  // ---- latent_magic's own frame log: {kind, ms} of every completed frame ----
  let frameObserver = null;
  B.logFrames = () => {
    const root = document.querySelector('.lm-root');
    B.frames = [];
    if (frameObserver) frameObserver.disconnect();
    frameObserver = new MutationObserver(() => {
      const d = root.dataset;
      const f = Number(d.frames);
      if (B.frames.length && B.frames[B.frames.length - 1].frames === f) return;
      B.frames.push({frames: f, kind: d.frameKind, ms: Number(d.frameMs), t: performance.now()});
    });
    frameObserver.observe(root, {attributes: true, attributeFilter: ['data-frames']});
  };

  // ---- pointer move -> frame complete ----
  B.armPan = () => { B.pan = {armed: true, t0: null, ms: null}; };
  window.addEventListener('pointermove', (e) => {
    const p = B.pan;
    if (p && p.armed) {
      p.armed = false;
      p.t0 = performance.now();
      requestAnimationFrame(() => {
        p.rafMs = performance.now() - p.t0;
        setTimeout(() => {
          p.taskMs = performance.now() - p.t0;
          finishAll();
          p.ms = performance.now() - p.t0;
        }, 0);
      });
    }
    const v = B.pv;
    if (v && v.armed) { v.armed = false; v.t0 = performance.now(); }
  }, true);

  // ---- pointer move -> latent_magic preview painted ----
  let pvObserver = null;
  B.armPreview = (wantSource) => {
    const root = document.querySelector('.lm-root');
    const v = (B.pv = {armed: true, t0: null, before: root.dataset.previewId || '',
                       id: null, source: null, t1: null, t2: null, previewMs: null});
    if (pvObserver) pvObserver.disconnect();
    pvObserver = new MutationObserver(() => {
      const id = root.dataset.previewId || '';
      if (v.t1 !== null || v.t0 === null || id === v.before) return;
      if (wantSource && root.dataset.previewSource !== wantSource) return;
      v.t1 = performance.now();
      v.id = id;
      v.source = root.dataset.previewSource;
      v.previewMs = root.dataset.previewMs === undefined ? null : Number(root.dataset.previewMs);
      requestAnimationFrame(() => setTimeout(() => { v.t2 = performance.now(); }, 0));
    });
    pvObserver.observe(root,
                       {attributes: true, attributeFilter: ['data-preview-id', 'data-preview-ms']});
  };

  // ---- key press -> a new <img> painted in a cell's output (interact + matplotlib) ----
  let diyObserver = null;
  window.addEventListener('keydown', () => {
    const d = B.diy;
    if (d && d.armed) { d.armed = false; d.t0 = performance.now(); }
  }, true);
  B.armDiy = (path, index) => {
    const node = window.__e2ePanel(path).content.widgets[index].node;
    const d = (B.diy = {armed: true, t0: null, t1: null, t2: null});
    if (diyObserver) diyObserver.disconnect();
    diyObserver = new MutationObserver((records) => {
      if (d.t1 !== null || d.t0 === null) return;
      for (const r of records) for (const n of r.addedNodes) {
        const img = n.tagName === 'IMG' ? n : (n.querySelector ? n.querySelector('img') : null);
        if (!img) continue;
        img.decode().then(() => {
          if (d.t1 !== null) return;
          d.t1 = performance.now();
          requestAnimationFrame(() => setTimeout(() => { d.t2 = performance.now(); }, 0));
        }, () => {});
        return;
      }
    });
    diyObserver.observe(node, {subtree: true, childList: true});
  };

  // ---- the largest canvas in a cell's output (the map) ----
  B.mapBox = (path, index) => {
    const node = window.__e2ePanel(path).content.widgets[index].node;
    let best = null, bestEl = null, area = 0;
    for (const c of node.querySelectorAll('canvas')) {
      const r = c.getBoundingClientRect();
      if (r.width * r.height > area) { area = r.width * r.height; best = r; bestEl = c; }
    }
    if (!best) return null;
    if (best.top < 0 || best.bottom > window.innerHeight) {
      bestEl.scrollIntoView({block: 'center'});
      best = bestEl.getBoundingClientRect();
    }
    return {x: best.x, y: best.y, width: best.width, height: best.height};
  };
})();
"""

#: Wait condition: the cell has finished (execution count set, kernel idle).
CELL_DONE_JS = """({path, index}) => {
    const p = window.__e2ePanel(path);
    const c = p && p.content.widgets[index];
    const k = p && p.sessionContext.session && p.sessionContext.session.kernel;
    return !!(c && c.model.executionCount != null && k && k.status === 'idle');
}"""
