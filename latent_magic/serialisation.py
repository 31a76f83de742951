"""Arrays ⇄ the little-endian binary buffers that cross the comm (never JSON lists)."""

from __future__ import annotations

from typing import Any

import numpy as np
import traitlets


def array_to_bytes(array: Any, dtype: str) -> bytes:
    """Contiguous little-endian bytes of ``array`` as ``dtype`` (e.g. ``"<f4"``)."""
    return np.ascontiguousarray(array, dtype=np.dtype(dtype)).tobytes()


def bytes_to_array(buffer: Any, dtype: str, width: int = 1) -> np.ndarray:
    """A read-only view of ``buffer`` as ``(n,)`` or ``(n, width)`` values of ``dtype``.

    Raises ValueError when the byte count is not a whole number of rows, which means the
    front end and the kernel disagree on the format.
    """
    view = memoryview(buffer).cast("B")
    row_bytes = np.dtype(dtype).itemsize * width
    if view.nbytes % row_bytes:
        raise ValueError(
            f"a buffer of {view.nbytes} bytes is not a whole number of rows of {width} × {dtype}."
        )
    values = np.frombuffer(view, dtype=np.dtype(dtype))
    return values.reshape(-1, width) if width > 1 else values


class BinaryBuffer(traitlets.Bytes):
    """A ``bytes`` trait that also takes the ``memoryview`` the front end's buffers arrive as."""

    def validate(self, obj: Any, value: Any) -> bytes | None:
        if isinstance(value, memoryview | bytearray):
            value = bytes(value)
        return super().validate(obj, value)
