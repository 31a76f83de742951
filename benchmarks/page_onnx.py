"""Conv decoders in the page (issue 16): pointer move → preview painted for the real face DCGAN
(gan-face-generate, 64×64×3) decoded in the page by onnxruntime-web and, in the same page and
run, decoded in the kernel; the same for a 28×28 conv VAE decoder (page only); the bytes the
runtime and the weights add, and when the map was drawn against when the runtime was ready
(both from the cell's start, on the page's clock).

``python -m benchmarks.page_onnx [--moves 20]`` runs it alone; ``benchmarks.run --only onnx``
runs it in the suite. Each move is measured on a quiet page: the kernel's reply for the
resting pointer lands before the next move (as in the preview group)."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

TARGETS = {"face_page_ms": 50.0, "face_ratio": 2.0, "vae_page_ms": 5.0}
TESTS = str(Path(__file__).resolve().parents[1] / "tests")

FACE_CELL = (
    "import sys, time\n"
    f"sys.path.insert(0, {TESTS!r})\n"
    "import latent_magic\n"
    "from faces import face_generator\n"
    "w = latent_magic.explore(face_generator(), n_samples=500, lift='affine')\n"
    "w"
)
VAE_CELL = (
    "import sys, time\n"
    f"sys.path.insert(0, {TESTS!r})\n"
    "import numpy as np, torch, latent_magic\n"
    "from torch_models import ConvVAE28\n"
    "torch.manual_seed(0)\n"
    "rng = np.random.default_rng(0)\n"
    "X = (rng.random((1000, 1, 28, 28)) * rng.random((1000, 1, 1, 1)) * 4).astype('f4')\n"
    "w = latent_magic.explore(ConvVAE28(), data=X, lift='affine')\n"
    "w"
)

_STATE = (
    "() => { const r = document.querySelector('.lm-root');"
    " return r && r.dataset.onnx ? JSON.parse(r.dataset.onnx) : null; }"
)


def _timeline(nb, started: float) -> dict:
    """Seconds from the cell's start to the map drawn and to the runtime ready, and the
    bytes that came for the decoder."""
    drawn = nb.wait_for_js(
        "() => { const r = document.querySelector('.lm-root');"
        " return r && Number(r.dataset.frames) > 0 && Number(r.dataset.drawn) > 0"
        " && performance.now(); }",
        timeout=120,
        what="the map",
        interval=0.01,
    )
    state_at_draw = nb.page.evaluate(_STATE)
    ready = nb.wait_for_js(
        "() => { const r = document.querySelector('.lm-root');"
        " const s = r && r.dataset.onnx && JSON.parse(r.dataset.onnx);"
        " return s && s.state !== 'waiting' && s.state !== 'loading'"
        " && {t: performance.now(), ...s}; }",
        timeout=180,
        what="the page decoder ready",
        interval=0.01,
    )
    return {
        "map_drawn_s": (drawn - started) / 1e3,
        "runtime_ready_s": (ready["t"] - started) / 1e3,
        "state_when_drawn": (state_at_draw or {}).get("state"),
        "state": ready["state"],
        "transfer_bytes": ready.get("bytes"),
        "asked_to_ready_ms": ready.get("ms"),
    }


def _moves(nb, source: str, moves: int, start: int = 0) -> list[float]:
    """Pointer move → preview painted (ms), ``moves`` times over empty spots (from the
    ``start``-th: a pointer that does not move makes no preview)."""
    from .browser import _empty_spots

    spots, _box = _empty_spots(nb, 12, 12.0)
    page, out = nb.page, []
    for i in range(moves + 3):
        spot = spots[(start + i) % len(spots)]
        page.evaluate("(s) => window.__bench.armPreview(s)", source)
        page.mouse.move(float(spot[0]), float(spot[1]))
        pv = nb.wait_for_js(
            "() => window.__bench.pv.t2 !== null && window.__bench.pv",
            timeout=60,
            what=f"a {source} preview after a pointer move",
            interval=0.005,
        )
        if i >= 3:  # the first moves warm up
            out.append(pv["t2"] - pv["t0"])
        nb.wait_for_js(  # the kernel's reply for the resting pointer lands first
            "() => document.querySelector('.lm-root').dataset.previewSource === 'kernel'",
            timeout=60,
            what="the kernel's reply for the resting pointer",
        )
        page.wait_for_timeout(100)
    return out


def _one(lab, cell: str, name: str, moves: int, kernel_too: bool) -> dict:
    nb = lab.open([cell], f"onnx-{name}")
    try:
        started = nb.page.evaluate("([p, i]) => window.__bench.runCell(p, i)", [nb.path, 0])
        out = _timeline(nb, started)
        if out["state"] != "ready":
            out["error"] = f"the page decoder is {out['state']}: {nb.page.evaluate(_STATE)}"
            return out
        out["page_ms"] = _moves(nb, "onnx", moves)
        if kernel_too:  # the same model, decoded in the kernel: the page stops decoding
            nb.kernel.execute("w._onnx_decoder = {}")
            nb.page.wait_for_timeout(500)  # the trait reaches the page
            out["kernel_ms"] = _moves(nb, "kernel", moves, start=moves + 4)
        return out
    finally:
        nb.close(shutdown_kernel=True)


def measure(moves: int = 20, log=print) -> dict:
    from .browser import Lab, new_workdir

    out: dict = {}
    with Lab(new_workdir(), log=log) as lab:
        for name, cell, kernel_too in (("face", FACE_CELL, True), ("vae", VAE_CELL, False)):
            log(f"[bench] onnx: {name} decoder in the page" + (" and kernel" if kernel_too else ""))
            try:
                out[name] = _one(lab, cell, name, moves, kernel_too)
            except Exception as error:  # reported as the row's failure
                out[name] = {"error": f"{type(error).__name__}: {error}"}
            log(f"    {json.dumps(_summary(out[name]))}")
    return {name: _summary(r) for name, r in out.items()}


def _summary(r: dict) -> dict:
    s = {k: v for k, v in r.items() if not isinstance(v, list)}
    for key in ("page_ms", "kernel_ms"):
        if r.get(key):
            s[f"{key}_median"] = statistics.median(r[key])
            s[f"{key}_n"] = len(r[key])
    if s.get("page_ms_median") and s.get("kernel_ms_median"):
        s["ratio"] = s["kernel_ms_median"] / s["page_ms_median"]
    return s


def rows(results: dict | None) -> list[str]:
    """Table rows in the columns of benchmarks/run.py's table (what, N, ours, peer, peer's,
    ratio, target, verdict)."""
    if not results:
        return []
    face, vae = results.get("face", {}), results.get("vae", {})

    def ms(v):
        return "n/a" if v is None else f"{v:.1f} ms"

    def verdict(good):
        return "—" if good is None else ("pass" if good else "**FAIL**")

    pf, kf, ratio = face.get("page_ms_median"), face.get("kernel_ms_median"), face.get("ratio")
    pv = vae.get("page_ms_median")
    ratio_text = "—" if ratio is None else f"{ratio:.1f}×"
    face_ok = None if pf is None or ratio is None else pf <= 50 and ratio >= 2
    out = [
        (
            "| pointer move → preview painted, face DCGAN 64×64×3 in the page (onnxruntime-web),"
            f" median | — | {ms(pf)} | the same model in the kernel | {ms(kf)} | {ratio_text} "
            f"| ≤ {TARGETS['face_page_ms']:.0f} ms, ≥ {TARGETS['face_ratio']:.0f}× the kernel "
            f"| {verdict(face_ok)} |"
        ),
        (
            "| pointer move → preview painted, 28×28 conv VAE decoder in the page, median | — "
            f"| {ms(pv)} | — | — | — | ≤ {TARGETS['vae_page_ms']:.0f} ms "
            f"| {verdict(None if pv is None else pv <= 5)} |"
        ),
    ]
    for name, r in (("face DCGAN", face), ("conv VAE", vae)):
        if r.get("transfer_bytes"):
            out.append(
                f"| {name}: runtime + weights sent; map drawn / runtime ready (from the cell's "
                f"start) | — | {r['transfer_bytes'] / 1e6:.1f} MB; {r['map_drawn_s']:.2f} s / "
                f"{r['runtime_ready_s']:.2f} s | — | — | — | reported; the map first "
                f"| {verdict(r['map_drawn_s'] < r['runtime_ready_s'])} |"
            )
        if r.get("error"):
            out.append(f"| {name} in the page: failed | — | {r['error']} | — | — | — | — | — |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--moves", type=int, default=20)
    args = parser.parse_args()
    results = measure(args.moves, log=lambda m: print(m, file=sys.stderr))
    print(json.dumps(results, indent=1))
    print("| what | N | ours | peer | peer's | ratio | target | verdict |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows(results)))


if __name__ == "__main__":
    main()
