"""The browser tab does not leak across re-displays of the widget.

Each re-run of a cell replaces its output, so the view shown before must be cleaned up (the
function ``render`` returns). The page is measured through the DevTools protocol after forced
garbage collections: the live WebGL contexts, canvases and resize observers (counted with
``Runtime.queryObjects``, so objects that are detached but still referenced count too), the
typed-array backing stores (``Runtime.getHeapUsage``: a view's spatial index, flags and splat
buffer live there), the JS heap, and the DOM nodes and listeners (``Memory.getDOMCounters``).

A view of 200,000 points holds ~3.9 MB of typed arrays of its own, ~260 DOM nodes, two canvases
and a WebGL context (measured by making the cleanup leak on purpose), so ten leaked views add
some 38 MB: the bounds below allow less than one.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from .harness import HarnessTimeoutError

pytestmark = pytest.mark.e2e

N = 200_000
POINTS_BYTES = N * 2 * 4  # the map's float32 (x, y): the widget model's `_points`
# A model's binary state: its points and, as its decoder runs in the page, the points' own
# latents (`_point_latents`, 8 float32 each), so data points decode in the page too.
MODEL_BYTES = POINTS_BYTES + N * 8 * 4
WARM_UP = 2  # displays before the baseline (lazy JupyterLab and widget-manager setup)
REPEATS = 10  # displays measured after the baseline

MAKE = (
    "import numpy as np, latent_magic\n"
    f"Z = np.random.default_rng(0).normal(size=({N}, 8)).astype('float32')\n"
    "w = latent_magic.explore(encode=lambda X: X, decode=lambda Z: Z, data=Z)"
)

# The new view is up: exactly one map on the page, not one already seen, all points drawn.
FRESH_VIEW_DRAWN = """(n) => {
    const roots = [...document.querySelectorAll('.lm-root')];
    return roots.length === 1 && roots[0].dataset.e2eSeen === undefined
        && Number(roots[0].dataset.frames) > 0 && Number(roots[0].dataset.drawn) === n;
}"""
MARK_SEEN = "() => document.querySelectorAll('.lm-root').forEach(r => { r.dataset.e2eSeen = ''; })"
VIEW_NODES = """() => {
    const walker = document.createTreeWalker(document.querySelector('.lm-root'));
    let n = 1;
    while (walker.nextNode()) n += 1;
    return n;
}"""

# Objects one view owns; after garbage collection, each count must be that of the one view
# on the page however many were shown before.
LIVE_KINDS = ("WebGL2RenderingContext", "HTMLCanvasElement", "ResizeObserver")


class PageMemory:
    """Memory figures of a page, read through a DevTools session after forced GCs."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)

    def collect_garbage(self) -> None:
        # Twice: what the first pass's weak callbacks let go is collected by the second.
        for _ in range(2):
            self.cdp.send("HeapProfiler.collectGarbage")

    def live(self, constructor: str) -> int:
        """How many objects with ``constructor.prototype`` the heap holds."""
        group = "e2e-memory"
        try:
            proto = self.cdp.send(
                "Runtime.evaluate", {"expression": f"{constructor}.prototype", "objectGroup": group}
            )
            found = self.cdp.send(
                "Runtime.queryObjects",
                {"prototypeObjectId": proto["result"]["objectId"], "objectGroup": group},
            )
            length = self.cdp.send(
                "Runtime.callFunctionOn",
                {
                    "objectId": found["objects"]["objectId"],
                    "functionDeclaration": "function () { return this.length; }",
                    "returnByValue": True,
                },
            )
            return int(length["result"]["value"])
        finally:
            # The array queryObjects returns holds every object it found: let it go.
            self.cdp.send("Runtime.releaseObjectGroup", {"objectGroup": group})

    def measure(self) -> dict[str, int]:
        self.collect_garbage()
        heap = self.cdp.send("Runtime.getHeapUsage")
        dom = self.cdp.send("Memory.getDOMCounters")
        figures = {
            "heap_used": int(heap["usedSize"]),
            # ArrayBuffer contents, absent from usedSize (older Chromium does not report it).
            "backing_store": int(heap.get("backingStorageSize", -1)),
            "documents": int(dom["documents"]),
            "dom_nodes": int(dom["nodes"]),
            "js_listeners": int(dom["jsEventListeners"]),
        }
        figures.update({kind: self.live(kind) for kind in LIVE_KINDS})
        return figures


def display_repeatedly(nb, cell: int, times: int) -> None:
    """Re-run ``cell`` (which shows the widget) ``times`` times, each until its map is drawn."""
    for _ in range(times):
        nb.page.evaluate(MARK_SEEN)
        nb.run_cell(cell, timeout=120)
        nb.wait_for_js(
            FRESH_VIEW_DRAWN, N, timeout=60, what=f"a new view drawing {N:,} points, alone"
        )


def growth_report(nb, name: str, baseline: dict, final: dict, **extra: Any) -> str:
    """The figures as JSON: on stderr (``-s``) and in the artefacts as ``memory.json``."""
    report = {
        "what": name,
        "baseline": baseline,
        "final": final,
        "growth": {k: final[k] - baseline[k] for k in baseline},
        **extra,
    }
    text = json.dumps(report, indent=2)
    sys.stderr.write(f"\n[e2e memory] {text}\n")
    nb.artifact_dir.mkdir(parents=True, exist_ok=True)
    (nb.artifact_dir / "memory.json").write_text(text + "\n")
    return text


def check_no_view_survives(
    baseline: dict,
    final: dict,
    report: str,
    nodes_per_view: int,
    *,
    backing_store: int,
    js_listeners: int,
    heap_used: int,
) -> None:
    """Nothing of the replaced views is left; ``backing_store``, ``js_listeners`` and
    ``heap_used`` are the growths allowed for what is not a view."""
    # After GC the heap holds the objects of the one view on the page and none of the ones it
    # replaced (a leaked view keeps its canvases, detached or not, and its GL context).
    assert final["WebGL2RenderingContext"] == 1, report
    for kind in LIVE_KINDS:
        assert final[kind] == baseline[kind], f"live {kind} objects changed\n{report}"
    assert baseline["backing_store"] >= 0, "this Chromium does not report backingStorageSize"
    assert final["backing_store"] - baseline["backing_store"] < backing_store, report
    # JupyterLab adds ~2 nodes of its own per execution (2.5 with a new model each time); a
    # leaked view retains its subtree and more (~260 nodes).
    node_growth = final["dom_nodes"] - baseline["dom_nodes"]
    assert node_growth <= 4 * REPEATS, report
    assert node_growth < nodes_per_view, report
    assert final["js_listeners"] - baseline["js_listeners"] <= js_listeners, report
    # A loose bound: JupyterLab's own bookkeeping grows too. The figures above are the sharp ones.
    assert final["heap_used"] - baseline["heap_used"] < heap_used, report


def wait_for_jupyterlab_first_poll(nb) -> None:
    """Let JupyterLab's first periodic poll of its running terminals and workspaces land.

    The page lists them once as it loads and then every ~10 s; the first poll's answer builds
    menus (+1 document, ~11 DOM nodes, ~130 listeners, measured): JupyterLab's growth, not
    the widget's, so it must come before the baseline.
    """
    try:
        nb.wait_for_js(
            """() => performance.getEntriesByType('resource').filter(
                e => e.name.includes('/lab/api/workspaces?') && e.responseEnd > 0).length >= 2""",
            timeout=20,
            interval=0.25,
            what="JupyterLab's first poll of its workspaces",
        )
    except HarnessTimeoutError:
        # A JupyterLab that does not poll them: nothing to wait for (the bounds still apply).
        return
    nb.page.wait_for_timeout(1000)  # its answer is rendered after it arrives


def run_and_measure(nb, cell: int, memory: PageMemory) -> tuple[dict, dict, int]:
    display_repeatedly(nb, cell, WARM_UP)
    wait_for_jupyterlab_first_poll(nb)
    baseline = memory.measure()
    nodes_per_view = nb.page.evaluate(VIEW_NODES)
    display_repeatedly(nb, cell, REPEATS)
    final = memory.measure()
    nb.assert_no_page_errors()
    return baseline, final, nodes_per_view


def test_redisplaying_the_widget_does_not_leak_its_views(open_notebook):
    nb = open_notebook([MAKE, "w"])
    memory = PageMemory(nb.page)
    nb.run_cell(0, timeout=120)
    baseline, final, nodes_per_view = run_and_measure(nb, 1, memory)
    report = growth_report(
        nb, "the same widget displayed again", baseline, final, nodes_per_view=nodes_per_view
    )
    # The model (and its points) stays; nothing may pile up. One leaked view of 200k points
    # keeps ~3.9 MB of typed arrays (its spatial index alone is 4 bytes a point).
    check_no_view_survives(
        baseline,
        final,
        report,
        nodes_per_view,
        backing_store=POINTS_BYTES // 2,
        js_listeners=10,
        heap_used=3 * 2**20,
    )
    nb.screenshot("redisplayed", locator=nb.page.locator(".lm-root"))


def test_rerunning_the_cell_that_makes_the_widget_keeps_no_old_view(open_notebook):
    nb = open_notebook([MAKE + "\nw"])
    memory = PageMemory(nb.page)
    baseline, final, nodes_per_view = run_and_measure(nb, 0, memory)
    report = growth_report(
        nb, "the widget made and displayed again", baseline, final, nodes_per_view=nodes_per_view
    )
    # Every run makes a new widget model, and a model outlives its views: the kernel still
    # holds the old widget (ipywidgets keeps every widget until it is closed), and JupyterLab
    # 4.6's CommHandler stays connected to its kernel's statusChanged even after close. So
    # each run may leave a model behind (its points, its state, a few listeners), but no view.
    check_no_view_survives(
        baseline,
        final,
        report,
        nodes_per_view,
        backing_store=REPEATS * (MODEL_BYTES + POINTS_BYTES // 16),
        js_listeners=REPEATS * 5,
        heap_used=3 * 2**20 + REPEATS * 300_000,
    )
    nb.screenshot("rerun", locator=nb.page.locator(".lm-root"))
