"""Principal axes and map positions of a Dask table, in one blockwise pass each: every block
gives its finite rows' count, sum and d × d Gram matrix; the kernel adds them up (O(d²)
memory whatever N is) and takes the same eigen-decomposition as ``_projection``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._projection import LinearProjection, PrincipalAxes, fix_signs


@dataclass(frozen=True)
class RowMoments:
    """Count, mean and scatter (Σ (z - mean)(z - mean)ᵀ) of the finite rows of a table."""

    count: int
    mean: np.ndarray  # (d,) float64
    scatter: np.ndarray  # (d, d) float64


_SLICE_BYTES = 4 << 20  # float64 rows converted at once inside a block: bounded temporaries


def _block_moments(block: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """One block's ``[count, Σ(z - shift), Σ(z - shift)(z - shift)ᵀ]`` flattened, shape (1, k).

    Shifting by a value near the mean first keeps the Gram matrix from cancelling away the
    spread when the mean is large beside it. Rows go through float64 a slice at a time, so a
    worker holds little more than the block itself.
    """
    d = block.shape[1]
    out = np.zeros((1, 1 + d + d * d))
    gram = out[0, 1 + d :].reshape(d, d)
    step = max(256, _SLICE_BYTES // (8 * max(d, 1)))
    for start in range(0, len(block), step):
        part = block[start : start + step]
        rows = part[np.isfinite(part).all(axis=1)].astype(np.float64)
        rows -= shift
        out[0, 0] += len(rows)
        out[0, 1 : 1 + d] += rows.sum(axis=0)
        gram += rows.T @ rows
    return out


def moments_graph(latents: Any, shift: np.ndarray) -> Any:
    """The lazy sum over blocks of :func:`_block_moments` (a ``(1 + d + d²,)`` Dask array)."""
    import dask.array as da

    d = latents.shape[1]
    parts = da.map_blocks(
        _block_moments,
        latents,
        shift,
        dtype=np.float64,
        chunks=((1,) * latents.numblocks[0], (1 + d + d * d,)),
    )
    return parts.sum(axis=0)


def moments_from_sums(sums: np.ndarray, shift: np.ndarray) -> RowMoments:
    """:class:`RowMoments` from the summed blockwise values."""
    d = len(shift)
    count = int(np.rint(sums[0]))
    if count == 0:
        return RowMoments(0, np.full(d, np.nan), np.zeros((d, d)))
    shifted_mean = sums[1 : 1 + d] / count
    gram = sums[1 + d :].reshape(d, d)
    scatter = gram - count * np.outer(shifted_mean, shifted_mean)
    return RowMoments(count, shifted_mean + shift, (scatter + scatter.T) / 2)


def reference_row(latents: Any) -> np.ndarray:
    """A finite row's worth of shift: the mean of the first rows' finite ones (a thousand rows
    read), zeros when they have none."""
    first = np.asarray(latents[:1024].compute(), dtype=np.float64)
    finite = first[np.isfinite(first).all(axis=1)]
    return finite.mean(axis=0) if len(finite) else np.zeros(latents.shape[1])


def axes_from_moments(moments: RowMoments) -> PrincipalAxes:
    """The principal axes as ``_projection.principal_axes`` computes them in memory."""
    cov = moments.scatter / max(moments.count - 1, 1)
    variances, vectors = np.linalg.eigh(cov)
    order = np.argsort(variances)[::-1]
    variances = np.maximum(variances[order], 0.0)
    components = fix_signs(vectors[:, order].T.copy())
    return PrincipalAxes(moments.mean, variances, components, moments.count)


def _block_positions(block: np.ndarray, basis: np.ndarray, offset: np.ndarray) -> np.ndarray:
    # float32 like the in-memory map (_projection.LinearProjection.transform); a row with NaN
    # or inf is nowhere (NaN), never at infinity.
    positions = block @ basis.T.astype(block.dtype) - offset.astype(block.dtype)
    positions[~np.isfinite(block).all(axis=1)] = np.nan
    return positions.astype(np.float32)


def positions_graph(latents: Any, projection: LinearProjection) -> Any:
    """Lazy map positions ``(N, 2)`` float32 of the latents: NaN where a row is not finite."""
    import dask.array as da

    offset = projection.origin @ projection.basis.T
    return da.map_blocks(
        _block_positions,
        latents,
        projection.basis,
        offset,
        dtype=np.float32,
        chunks=(latents.chunks[0], (2,)),
    )
