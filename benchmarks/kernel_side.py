"""Kernel-side benchmarks, run in a fresh process (``python -m benchmarks.kernel_side``) so
that their gigabytes are freed when they end. Prints one JSON object on its last line.

* ``explore``: ``latent_magic.explore`` on ``n × 64`` float32 latents (identity encoder and
  decoder): projection, checks and the binary map state — everything the widget needs
  before its first message can go out. ``get_state()`` (the serialised traits) is timed
  apart.
* ``neighbors``: top-10 exact cosine neighbors of single queries in an ``n × 384`` table:
  ``latent_magic._neighbors.NeighborIndex.search`` vs ``faiss.IndexFlatIP`` on normalised
  vectors vs scikit-learn ``NearestNeighbors(algorithm="brute", metric="cosine")``. Median of
  ``repeats`` queries after one warm-up; the indexes are built beforehand (build time
  reported apart). Results are checked to agree.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc

import numpy as np


def _median_ms(fn, queries) -> tuple[float, list]:
    fn(queries[0])  # warm-up
    times, results = [], []
    for q in queries[1:]:
        t0 = time.perf_counter()
        results.append(fn(q))
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), results


def bench_explore(n: int, dim: int, repeats: int) -> dict:
    import latent_magic

    rng = np.random.default_rng(0)
    Z = (rng.normal(size=(n, dim)) * np.linspace(3, 0.5, dim)).astype(np.float32)
    # One small run first: imports (anywidget, traitlets) are not part of the figure.
    latent_magic.explore(encode=lambda X: X, decode=lambda Z: Z, data=Z[:1000])
    times, state_times = [], []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        w = latent_magic.explore(encode=lambda X: X, decode=lambda Z: Z, data=Z)
        times.append(time.perf_counter() - t0)
        t1 = time.perf_counter()
        w.get_state()
        state_times.append(time.perf_counter() - t1)
        assert len(w.points) == n
        w.close()
        del w
    # Memory, in a run of its own (tracing slows it): what explore() allocates on top of the
    # user's latent matrix, at its peak and what the widget keeps.
    gc.collect()
    tracemalloc.start()
    w = latent_magic.explore(encode=lambda X: X, decode=lambda Z: Z, data=Z)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    w.close()
    return {
        "n": n,
        "dim": dim,
        "explore_s": statistics.median(times),
        "explore_all_s": times,
        "get_state_s": statistics.median(state_times),
        "latents_mb": Z.nbytes / 1e6,
        "peak_extra_mb": peak / 1e6,
        "held_extra_mb": held / 1e6,
    }


def bench_neighbors(n: int, dim: int, k: int, repeats: int) -> dict:
    from latent_magic._neighbors import NeighborIndex

    rng = np.random.default_rng(1)
    T = rng.normal(size=(n, dim)).astype(np.float32)
    queries = [rng.normal(size=(1, dim)).astype(np.float32) for _ in range(repeats + 1)]
    out: dict = {"n": n, "dim": dim, "k": k, "repeats": repeats}

    t0 = time.perf_counter()
    ours = NeighborIndex(T)
    out["ours_build_s"] = time.perf_counter() - t0
    out["ours_ms"], ours_res = _median_ms(lambda q: ours.search(q, k)[0][0], queries)

    try:
        import faiss

        t0 = time.perf_counter()
        Tn = T / np.linalg.norm(T, axis=1, keepdims=True)
        index = faiss.IndexFlatIP(dim)
        index.add(Tn)
        out["faiss_build_s"] = time.perf_counter() - t0
        out["faiss_threads"] = faiss.omp_get_max_threads()

        def faiss_search(q):
            qn = q / np.linalg.norm(q, axis=1, keepdims=True)
            return index.search(qn, k)[1][0]

        out["faiss_ms"], faiss_res = _median_ms(faiss_search, queries)
        out["faiss_agree"] = float(
            np.mean([len(set(a) & set(b)) / k for a, b in zip(ours_res, faiss_res, strict=True)])
        )
        index = Tn = None  # free the copy before scikit-learn's
        gc.collect()
    except Exception as e:  # a peer failing is reported, not fatal
        out["faiss_error"] = f"{type(e).__name__}: {e}"

    try:
        from sklearn.neighbors import NearestNeighbors

        t0 = time.perf_counter()
        nn = NearestNeighbors(n_neighbors=k, algorithm="brute", metric="cosine").fit(T)
        out["sklearn_build_s"] = time.perf_counter() - t0
        out["sklearn_ms"], sk_res = _median_ms(lambda q: nn.kneighbors(q)[1][0], queries)
        out["sklearn_agree"] = float(
            np.mean([len(set(a) & set(b)) / k for a, b in zip(ours_res, sk_res, strict=True)])
        )
    except Exception as e:
        out["sklearn_error"] = f"{type(e).__name__}: {e}"
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["explore", "neighbors"])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--dim", type=int, default=None)
    p.add_argument("--repeats", type=int, default=5)
    a = p.parse_args(argv)
    if a.what == "explore":
        res = bench_explore(a.n, a.dim or 64, a.repeats)
    else:
        res = bench_neighbors(a.n, a.dim or 384, 10, a.repeats)
    sys.stdout.write(json.dumps(res) + "\n")


if __name__ == "__main__":
    main()
