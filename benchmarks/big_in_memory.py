"""Ten million in-memory points: latent_magic's density + sample display beside jupyter-scatter.

Same data for both (browser.py's SETUP). Ours: cell run -> sample drawn AND the density of
all rows painted (``data-density`` present); pan frame, settle -> new density painted; lasso
mouse-up -> ``len(w.selected_indices)`` over ALL rows in the kernel. Theirs: browser.py's
``measure_map`` (one measured display after its warm-up); a failure is recorded, not hidden.
"""

from __future__ import annotations

import json
import time

from .browser import TOOLS, Lab, MapResult, _lasso, _pan, _why, measure_map

DENSITY_JS = """() => {
  const r = document.querySelector('.lm-root');
  if (!r || !r.dataset.density || !(Number(r.dataset.drawn) > 0)) return null;
  return {density: JSON.parse(r.dataset.density), drawn: Number(r.dataset.drawn),
          t: performance.now(), status: (r.querySelector('.lm-status') || {}).textContent};
}"""

# Notes the page time of every change of the density's id (pan -> re-aggregated density).
WATCH_DENSITY_JS = """() => {
  const r = document.querySelector('.lm-root');
  const B = window.__bench; B.densityChanges = [];
  let last = JSON.parse(r.dataset.density).id;
  new MutationObserver(() => {
    const d = r.dataset.density && JSON.parse(r.dataset.density);
    if (d && d.id !== last) {
      last = d.id; B.densityChanges.push({id: d.id, t: performance.now()});
    }
  }).observe(r, {attributes: true, attributeFilter: ['data-density']});
}"""


def measure_ours(lab: Lab, n: int, pan_steps: int, lasso_repeats: int, timeout: float) -> dict:
    spec = TOOLS["latent_magic"]
    res = MapResult("latent_magic", n)
    out: dict = {}
    nb = lab.open([spec["setup"].replace("__N__", str(n)), spec["display"]], f"big-lm-{n}")
    try:
        nb.run_cell(0, timeout=timeout)
        lab.counter.start()
        t0 = nb.page.evaluate("([p, i]) => window.__bench.runCell(p, i)", [nb.path, 1])
        got = nb.wait_for_js(DENSITY_JS, timeout=timeout, what="sample + density", interval=0.01)
        nb.page.wait_for_timeout(300)
        res.bytes.append(lab.counter.stop())
        res.display_s.append((got["t"] - t0) / 1000)
        out.update(density=got["density"], drawn=got["drawn"], status=got["status"])
        lab.log(
            f"    latent_magic {n:,}: display {res.display_s[0]:.2f}s, "
            f"{res.bytes[0] / 1e6:.2f} MB, {got['density']}"
        )
        nb.screenshot(f"big-lm-{n}-display")
        nb.page.wait_for_timeout(500)
        try:
            nb.page.evaluate(WATCH_DENSITY_JS)
            _pan(nb, "latent_magic", res, pan_steps, timeout)
            settle_t = max(
                f["t"]
                for f in nb.page.evaluate("() => window.__bench.frames")
                if f["kind"] == "points"
            )
            ch = nb.wait_for_js(
                "(t) => window.__bench.densityChanges.find((c) => c.t > t - 50)",
                settle_t,
                timeout=60,
                what="the new density after the pan settles",
            )
            out["density_after_settle_ms"] = ch["t"] - settle_t
            nb.screenshot(f"big-lm-{n}-panned")
        except Exception as e:
            res.errors["pan"] = _why(e)
        try:
            _lasso(nb, "latent_magic", spec, res, n, lasso_repeats, timeout)
            nb.screenshot(f"big-lm-{n}-lasso")
        except Exception as e:
            res.errors["lasso"] = _why(e)
    except Exception as e:
        res.errors["display"] = _why(e)
        nb.screenshot(f"failed-big-lm-{n}")
    finally:
        nb.close(shutdown_kernel=True)
    return {**res.summary(), **out}


def measure(lab: Lab, n: int, pan_steps: int = 20, lasso_repeats: int = 3) -> dict:
    timeout = 600.0
    lab.log(f"[bench] big: latent_magic, {n:,} points")
    ours = measure_ours(lab, n, pan_steps, lasso_repeats, timeout)
    lab.log(f"    {json.dumps(ours, default=str)[:1500]}")
    lab.log(f"[bench] big: jupyter-scatter, {n:,} points")
    t = time.monotonic()
    theirs = measure_map(lab, "jupyter-scatter", n, 1, pan_steps, lasso_repeats).summary()
    theirs["wall_s"] = time.monotonic() - t
    lab.log(f"    {json.dumps(theirs, default=str)[:1500]}")
    return {"latent_magic": ours, "jupyter-scatter": theirs}


def table(r: dict) -> str:
    o, t = r["latent_magic"], r["jupyter-scatter"]

    def f(v, unit, scale=1.0):
        return "failed" if v is None else f"{v * scale:,.2f} {unit}"

    def ratio(a, b):
        return "" if a is None or b is None or not b else f"{a / b:.1f}×"

    rows = [
        ("display (cell run → drawn)", o["display_s"], t["display_s"], "s", 1),
        ("bytes to the browser", o["bytes"], t["bytes"], "MB", 1e-6),
        ("pan frame (median)", o["pan_ms"], t["pan_ms"], "ms", 1),
        ("lasso mouse-up → count in Python", o["lasso_s"], t["lasso_s"], "s", 1),
    ]
    lines = [
        "| 10,000,000 points | latent_magic | jupyter-scatter 1.0.1 | theirs / ours |",
        "|---|---|---|---|",
    ]
    for name, a, b, unit, s in rows:
        lines.append(f"| {name} | {f(a, unit, s)} | {f(b, unit, s)} | {ratio(b, a)} |")
    lines.append(f"| lasso count | {o['lasso_count']} (of all rows) | {t['lasso_count']} | |")
    lines.append(
        f"| settle → new density painted | {f(o.get('density_after_settle_ms'), 'ms')} | — | |"
    )
    lines.append(f"| errors | {o['errors'] or '—'} | {t['errors'] or '—'} | |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    from .browser import new_workdir

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    with Lab(new_workdir()) as lab:
        r = measure(lab, n)
    print(json.dumps(r, indent=1, default=str))
    print(table(r))
