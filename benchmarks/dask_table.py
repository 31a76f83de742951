"""The Dask table engine (issue 15) on a table it writes itself, in a fresh process:
``python -m benchmarks.dask_table [--rows N] [--dim D] [--sample S] [--keep]``.

A ``rows × dim`` float32 zarr table with planted structure (clusters) is written to a
temporary folder and deleted afterwards. On a ``LocalCluster`` of 2 worker processes (one
thread each), so the kernel's own memory is this process's:

* ``sum_s``: one ``da.sum()`` over the table (reading it once: the floor);
* ``first_picture_s``: ``BigTable`` (axes pass + persisted positions) + the extent + a
  512² density + a sample of S rows, and its ratio to ``sum_s`` (target ≤ 3.5);
* ``zoom_density_s`` (target ≤ 1.5 s) and ``zoom_sample_s``: the density, and a new sample,
  of a view a quarter the width;
* ``lasso_count_s``: a polygon's selection and count (target ≤ 3 s);
* ``kernel_peak_map_mb``: this process's peak RSS after the map's steps (target ≤ 1.5 GB;
  ``kernel_peak_mb`` after the faiss index too, which lives in the kernel), ``browser_bytes``:
  the zlib'd density plus S float32 positions (target ≤ 12 MB with a million-point sample);
* ``ann``: faiss IVF built from the table block by block, build time, recall@10 of 200
  queries against exact search at the default settings (target ≥ 0.95).

Prints one JSON object on its last line; progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def _planted_block(block: np.ndarray, centres: np.ndarray, block_info=None) -> np.ndarray:
    start = block_info[None]["array-location"][0][0]
    rng = np.random.default_rng(start)
    n, d = block.shape
    labels = rng.integers(0, len(centres), n)
    return (centres[labels] + rng.standard_normal((n, d), dtype=np.float32)).astype(np.float32)


def write_table(path: Path, rows: int, dim: int, chunk_rows: int) -> None:
    import dask.array as da

    centres = np.random.default_rng(0).normal(scale=3.0, size=(64, dim)).astype(np.float32)
    shape = da.empty((rows, dim), chunks=(chunk_rows, dim), dtype=np.float32)
    table = da.map_blocks(_planted_block, shape, centres, dtype=np.float32)
    table.to_zarr(str(path))


def run(rows: int, dim: int, sample: int, keep: bool, ann: bool = True) -> dict:
    import dask.array as da
    from distributed import Client, LocalCluster

    from latent_magic._ann import build_ann_index, recall_at_k
    from latent_magic._big_map import BigTable
    from latent_magic._dask_compute import compute

    folder = Path(tempfile.mkdtemp(prefix="latent_magic_bench_"))
    path = folder / "table.zarr"
    result: dict = {"rows": rows, "dim": dim, "sample": sample, "table_gb": rows * dim * 4e-9}
    try:
        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster),
        ):
            _log(f"writing {rows:,} × {dim} float32 to {path}")
            _, result["write_s"] = _timed(lambda: write_table(path, rows, dim, 250_000))
            table = da.from_zarr(str(path))
            _, result["sum_s"] = _timed(lambda: compute(table.sum(), None))
            _log(f"one sum: {result['sum_s']:.1f} s")

            def first_picture():
                big = BigTable(str(path), timeout=3600)
                counts = big.density(big.extent, 512)
                shown = big.sample(big.extent, sample)
                return big, counts, shown

            (big, counts, shown), result["first_picture_s"] = _timed(first_picture)
            result["first_picture_over_sum"] = result["first_picture_s"] / result["sum_s"]
            result["positions_persisted"] = big.positions_persisted
            _log(f"first picture: {result['first_picture_s']:.1f} s")
            x0, y0, x1, y1 = big.extent
            cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 8, (y1 - y0) / 8
            view = (cx - w, cy - h, cx + w, cy + h)
            _, result["zoom_density_s"] = _timed(lambda: big.density(view, 512))
            _, result["zoom_sample_s"] = _timed(lambda: big.sample(view, sample))
            polygon = [(cx - w, cy - h), (cx + w, cy - h), (cx, cy + h)]
            selection, result["lasso_count_s"] = _timed(lambda: big.select_polygon(polygon))
            result["lasso_count"] = selection.count
            density_bytes = len(zlib.compress(counts.astype(np.uint32).tobytes(), 6))
            result["browser_bytes"] = density_bytes + 8 * len(shown.rows)
            result["sample_shown"] = len(shown.rows)
            result["kernel_peak_map_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if not ann:
                return result
            _log("faiss IVF, block by block")
            index, result["ann_build_s"] = _timed(
                lambda: build_ann_index(big.latents, compute=lambda c: compute(c, None))
            )
            queries = np.asarray(compute(big.latents[:: max(1, rows // 200)][:200], None))
            queries = queries + np.random.default_rng(1).normal(size=queries.shape) * 0.5
            result["ann"] = {
                "codes": type(index.index).__name__,
                "nlist": index.nlist,
                "nprobe": index.nprobe,
                "recall_at_10": recall_at_k(
                    index, big.latents, queries, 10, compute=lambda c: compute(c, None)
                ),
            }
            result["kernel_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dask_table", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--sample", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the zarr table afterwards")
    parser.add_argument("--no-ann", action="store_true", help="leave out the faiss index")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rows, args.dim, args.sample, args.keep, not args.no_ann)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
