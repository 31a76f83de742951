"""A table of latents too large for the kernel, as one Dask array ``(N, d)`` chunked by rows:
from a Dask array, a Dask DataFrame's numeric columns, a zarr array or an npy stack on disk,
or data encoded block by block by a model. Nothing here computes more than chunk sizes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class DaskLatents:
    """Latents ``(N, d)`` as a lazy Dask array chunked along rows only. Rows with NaN or inf
    stay in it; every aggregation leaves them out (``BigTable`` counts them)."""

    latents: Any  # dask.array.Array (N, d) float
    feature_names: list[str] | None
    source: str  # in words, for messages: "a Dask array", "zarr at …"

    @property
    def n_total(self) -> int:
        return int(self.latents.shape[0])

    @property
    def dim(self) -> int:
        return int(self.latents.shape[1])


def is_dask_table(obj: Any) -> bool:
    """Whether ``obj`` is a Dask array or DataFrame (without importing Dask when it is not)."""
    module = type(obj).__module__ or ""
    return module.startswith("dask.") and hasattr(obj, "__dask_graph__")


def dask_latents(
    source: Any, *, model: Any = None, compute_chunks: bool = True, what: str = "data"
) -> DaskLatents:
    """The latents of ``source`` as a :class:`DaskLatents`.

    Parameters
    ----------
    source : dask Array, dask DataFrame, str or Path
        A Dask array ``(N, d)`` (or ``(N, ...)`` for a model to encode); a Dask DataFrame
        whose columns are all numeric; a path to a zarr array or to an npy stack (a folder
        written by ``dask.array.to_npy_stack``). Paths are read in the workers, chunk by
        chunk, never loaded into the kernel.
    model : object with ``encode(X) -> (n, dim)``, optional
        Encodes ``source`` block by block (``map_blocks``) on the workers.
    compute_chunks : bool
        Rows per chunk must be known; when they are not (a filtered array, a DataFrame),
        compute them (one pass) or, when False, refuse.
    what : str
        The argument's name in messages.

    Raises
    ------
    ValueError
        A source of another kind, of the wrong shape or dtype, a DataFrame with non-numeric
        columns, unknown chunk sizes with ``compute_chunks=False``, a path that is neither.
    """
    import dask.array as da

    feature_names = None
    if isinstance(source, str | os.PathLike):
        array, words = _read_path(Path(source), what)
    elif _is_dask_dataframe(source):
        array, feature_names = _numeric_columns(source, what)
        words = "a Dask DataFrame"
    elif isinstance(source, da.Array):
        array, words = source, "a Dask array"
    else:
        raise ValueError(
            f"{what} must be a Dask array, a Dask DataFrame, or a path to a zarr array or an "
            f"npy stack; got {type(source).__name__}."
        )
    array = _known_chunks(array, compute_chunks, what)
    if model is not None:
        array = encode_blocks(model, array, what)
        feature_names = None
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"{what} must be latents of shape (N, d) with N, d ≥ 1; {words} has shape "
            f"{array.shape}."
        )
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"{what} must hold real numbers; {words} has dtype {array.dtype}.")
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    if array.numblocks[1] != 1:  # every block holds whole rows: blockwise maths needs them
        array = array.rechunk({1: -1})
    return DaskLatents(array, feature_names, words)


def encode_blocks(model: Any, data: Any, what: str = "data") -> Any:
    """``model.encode`` applied to ``data`` ``(N, ...)`` block by block on the workers.

    The output width is learnt from encoding the first row (computed here, one row).
    """
    import dask.array as da

    encode = getattr(model, "encode", None)
    if not callable(encode):
        raise ValueError(
            f"model must have encode(X) -> (n, dim) to encode {what} block by block; got "
            f"{type(model).__name__} without one."
        )
    if data.ndim > 1 and any(n > 1 for n in data.numblocks[1:]):
        data = data.rechunk(dict.fromkeys(range(1, data.ndim), -1))
    probe = np.asarray(encode(np.asarray(data[:1].compute())))
    if probe.ndim != 2 or probe.shape[0] != 1:
        raise ValueError(
            f"model.encode must return (n, dim) for n rows of {what}; it returned shape "
            f"{probe.shape} for one row."
        )
    dim = probe.shape[1]
    return da.map_blocks(
        _encode_block,
        data,
        encode,
        dtype=probe.dtype,
        chunks=(data.chunks[0], (dim,)),
        drop_axis=list(range(2, data.ndim)),
        new_axis=None if data.ndim > 1 else [1],
    )


def _encode_block(block: np.ndarray, encode: Any) -> np.ndarray:
    return np.asarray(encode(block))


def _read_path(path: Path, what: str) -> tuple[Any, str]:
    import dask.array as da

    if not path.exists():
        raise ValueError(f"{what}: {path} does not exist (expected a zarr array or npy stack).")
    if (path / "info").is_file():  # dask.array.to_npy_stack writes info + 0.npy, 1.npy…
        return da.from_npy_stack(str(path)), f"the npy stack at {path}"
    if any((path / marker).exists() for marker in ("zarr.json", ".zarray")):
        return da.from_zarr(str(path)), f"the zarr array at {path}"
    raise ValueError(
        f"{what}: {path} is neither a zarr array (zarr.json or .zarray) nor an npy stack "
        "(written by dask.array.to_npy_stack, with its info file). A single .npy file can be "
        "turned into a zarr array with zarr.open_array(...)[:] = np.load(path, mmap_mode='r') "
        "in slices."
    )


def _is_dask_dataframe(obj: Any) -> bool:
    module = type(obj).__module__ or ""
    return module.startswith(("dask.dataframe", "dask_expr"))


def _numeric_columns(frame: Any, what: str) -> tuple[Any, list[str]]:
    from pandas.api.types import is_bool_dtype, is_complex_dtype, is_numeric_dtype

    columns = [str(c) for c in frame.columns]
    numeric = [
        str(c)
        for c, dtype in frame.dtypes.items()
        if is_numeric_dtype(dtype) and not is_bool_dtype(dtype) and not is_complex_dtype(dtype)
    ]
    other = [c for c in columns if c not in numeric]
    if other:
        raise ValueError(
            f"{what} must be a Dask DataFrame of numeric latent columns; columns {other[:5]} "
            f"are not numeric. Select the latent columns, e.g. frame[{numeric[:3]!r}]."
        )
    # lengths=True counts each partition's rows (one pass): blockwise maths needs them.
    return frame.to_dask_array(lengths=True), columns


def _known_chunks(array: Any, compute_chunks: bool, what: str) -> Any:
    if not any(np.isnan(size) for sizes in array.chunks for size in sizes):
        return array
    if not compute_chunks:
        raise ValueError(
            f"{what} has blocks of unknown size (a filtered array or a DataFrame's "
            "partitions): call .compute_chunk_sizes() on it first, or pass compute_chunks=True "
            "to let latent_magic compute them (one pass over the data)."
        )
    return array.compute_chunk_sizes()
