"""The lifts on a real 100-d face GAN (gan-face-generate): how much of the map decodes to a
face, how smoothly the face changes along a line across the map, which spots are flagged off
the data, and what a lift costs. ``python -m benchmarks.faces_lift [--samples 500 2000]``

The affine lift through the samples' mean is the peer here: it is what exploring a generator
meant before the local lift (and what a plain "anchor + plane" tool does)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from faces import face_generator, is_face

import latent_magic


def measure(n: int) -> dict[str, float]:
    G = face_generator()
    w = latent_magic.explore(G, n_samples=n)
    plain = latent_magic.explore(G, n_samples=n, lift="affine")  # the same samples
    plain.anchor = w.latents.mean(axis=0)
    samples = w.model.decode(w.latents[:50]).reshape(50, -1)
    typical = float(np.median(np.sqrt(((samples[:25] - samples[25:]) ** 2).mean(axis=1))))
    lo, hi = w.points.min(axis=0), w.points.max(axis=0)
    middle, half = (lo + hi) / 2, (hi - lo) / 2 * 0.8
    xs = np.linspace(middle[0] - half[0], middle[0] + half[0], 7)
    ys = np.linspace(middle[1] - half[1], middle[1] + half[1], 7)
    grid = np.array([(x, y) for y in ys for x in xs])
    out: dict[str, float] = {"samples": n}
    for name, widget in (("local", w), ("affine_mean", plain)):
        lifted = np.stack([widget.lift(x, y) for x, y in grid])
        out[f"{name}_faces"] = float(is_face(widget.model.decode(lifted)).mean())
        flags = [widget._space.distance_from_data(z).off_data for z in lifted]
        out[f"{name}_off_data"] = float(np.mean(flags))
    line = np.linspace(lo * 0.8, hi * 0.8, 241)
    decoded = w.model.decode(np.stack([w.lift(x, y) for x, y in line])).reshape(len(line), -1)
    steps = np.sqrt((np.diff(decoded, axis=0) ** 2).mean(axis=1)) / typical
    out["line_step_median"] = float(np.median(steps))
    out["line_step_p90"] = float(np.quantile(steps, 0.9))
    out["line_step_max"] = float(steps.max())
    for name, widget in (("local", w), ("affine", plain)):
        widget.lift(*grid[0])  # build what the first lift builds
        start = time.perf_counter()
        for x, y in grid:
            widget.lift(x, y)
        out[f"{name}_lift_ms"] = (time.perf_counter() - start) / len(grid) * 1e3
    start = time.perf_counter()
    w.model.decode(w.lift(*grid[0])[None])
    out["decode_ms"] = (time.perf_counter() - start) * 1e3
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, nargs="+", default=[500, 2000])
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    print(
        "| samples | faces: local / affine through the mean | off the data: local / affine |"
        " line step median / p90 / max (× sample gap) | lift ms: local / affine | decode ms |"
    )
    print("|---|---|---|---|---|---|")
    for n in args.samples:
        m = measure(n)
        print(
            f"| {n} | {m['local_faces']:.0%} / {m['affine_mean_faces']:.0%} "
            f"| {m['local_off_data']:.0%} / {m['affine_mean_off_data']:.0%} "
            f"| {m['line_step_median']:.3f} / {m['line_step_p90']:.3f} / {m['line_step_max']:.3f} "
            f"| {m['local_lift_ms']:.3f} / {m['affine_lift_ms']:.3f} | {m['decode_ms']:.1f} |"
        )


if __name__ == "__main__":
    main()
