"""The kernel's memory stays within about twice the latent matrix: explore() copies nothing
of the size of the latents (no float64 or centred copy), at its peak or after."""

import gc
import tracemalloc

import numpy as np

from latent_magic import explore


def test_explore_allocates_less_than_the_latents_again(frontend):
    Z = np.random.default_rng(0).normal(size=(200_000, 64)).astype(np.float32)  # 51 MB
    explore(encode=lambda X: X, decode=lambda Z: Z, data=Z[:500])  # imports, caches
    gc.collect()
    tracemalloc.start()
    try:
        w = explore(encode=lambda X: X, decode=lambda Z: Z, data=Z)
        w.selected_indices = np.arange(0, len(Z), 2)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(w.points) == len(Z)
    assert peak < 0.5 * Z.nbytes, f"peak {peak / 1e6:.0f} MB on top of {Z.nbytes / 1e6:.0f} MB"
    assert held < 0.2 * Z.nbytes, f"kept {held / 1e6:.0f} MB on top of {Z.nbytes / 1e6:.0f} MB"
