"""The map as a picture drawn in the kernel (issue 16, points 3 and 4): what ``w.save_png``
and the ``image/png`` of the display data (``_repr_mimebundle_``, paid at every display of the
widget) cost on maps of 10,000 to 1,000,000 points, plain and with a third of the points
selected. The target: well under a second for a million points.

``python -m benchmarks.snapshot [--sizes 10000,100000,1000000] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

import latent_magic
from latent_magic import LatentModel


def _median_ms(fn, repeats: int) -> float:
    fn()  # warm: fonts loaded, caches filled
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure(n: int, repeats: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(n, 8)).astype(np.float32)
    model = LatentModel(encode=lambda X: X, decode=lambda Z: Z, dim=8)
    w = latent_magic.explore(model, data=data, labels=rng.integers(0, 10, n))
    folder = Path(tempfile.mkdtemp())
    out = {
        "repr_ms": _median_ms(w._repr_mimebundle_, repeats),
        "save_png_1x_ms": _median_ms(lambda: w.save_png(folder / "a.png", scale=1), repeats),
        "save_png_2x_ms": _median_ms(lambda: w.save_png(folder / "b.png", scale=2), repeats),
    }
    w.selected_indices = np.arange(0, n, 3)
    out["repr_selected_ms"] = _median_ms(w._repr_mimebundle_, repeats)
    out["png_kb"] = len(w._repr_mimebundle_()[0]["image/png"]) * 3 / 4 / 1024
    w.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.snapshot", description=__doc__)
    p.add_argument("--sizes", default="10000,100000,1000000")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    print(
        "| points | display data (ms) | with a selection (ms) | save_png ×1 (ms) | ×2 (ms) "
        "| PNG (kB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        r = measure(n, args.repeats)
        print(
            f"| {n:,} | {r['repr_ms']:.0f} | {r['repr_selected_ms']:.0f} "
            f"| {r['save_png_1x_ms']:.0f} | {r['save_png_2x_ms']:.0f} | {r['png_kb']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
