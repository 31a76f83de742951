"""``BinaryArray``: a synced trait that is a numpy array in Python and little-endian bytes on
the wire (never a JSON list). It owns its dtype and row width, so no call site restates them,
and anything that does not fit — from Python or from the page — is refused with a
``TraitError`` naming what was expected and what was given."""

from __future__ import annotations

from typing import Any

import numpy as np
import traitlets


class BinaryArray(traitlets.TraitType[np.ndarray, Any]):
    """A read-only ``(n,)`` or ``(n, width)`` array of one of ``dtypes`` (the first is the
    default and the one raw bytes are read as).

    Takes any array-like whose values fit the dtype without loss, or the ``bytes`` /
    ``memoryview`` the front end sends. Sent to the page as one buffer.
    """

    info_text = "a binary array"

    def __init__(self, dtypes: str | tuple[str, ...], width: int = 1, **kwargs: Any) -> None:
        self.dtypes = tuple(np.dtype(d) for d in ((dtypes,) if isinstance(dtypes, str) else dtypes))
        self.width = width
        empty = np.zeros((0, width) if width > 1 else 0, self.dtypes[0])
        empty.setflags(write=False)
        super().__init__(default_value=empty, **kwargs)
        self.metadata.update(to_json=_to_json, from_json=_from_json)

    @property
    def _shape_text(self) -> str:
        return "(n,)" if self.width == 1 else f"(n, {self.width})"

    def validate(self, obj: Any, value: Any) -> np.ndarray:
        if isinstance(value, bytes | bytearray | memoryview):
            array = self._from_bytes(obj, value)
        else:
            array = self._from_array(obj, value)
        array.setflags(write=False)
        return array

    def _from_bytes(self, obj: Any, value: bytes | bytearray | memoryview) -> np.ndarray:
        raw = memoryview(value).cast("B")
        row = self.dtypes[0].itemsize * self.width
        if raw.nbytes % row:
            self._refuse(obj, f"{raw.nbytes} bytes, not a whole number of {row}-byte rows")
        array = np.frombuffer(bytes(raw), self.dtypes[0])
        return array.reshape(-1, self.width) if self.width > 1 else array

    def _from_array(self, obj: Any, value: Any) -> np.ndarray:
        try:
            given = np.asarray(value)
        except (TypeError, ValueError) as error:
            self._refuse(obj, f"{type(value).__name__} ({error})")
        if given.size == 0:
            given = given.reshape((0, self.width) if self.width > 1 else 0)
        if given.ndim != (2 if self.width > 1 else 1) or (
            self.width > 1 and given.shape[1] != self.width
        ):
            self._refuse(obj, f"an array of shape {given.shape}")
        dtype = next((d for d in self.dtypes if d == given.dtype.newbyteorder("<")), None)
        if dtype is None:
            dtype = self.dtypes[0]
            if given.size and not _fits(given, dtype):
                self._refuse(obj, f"{given.dtype} values that do not fit {dtype}")
        return np.ascontiguousarray(given, dtype=dtype.newbyteorder("<"))

    def _refuse(self, obj: Any, given: str) -> Any:
        names = " or ".join(str(d) for d in self.dtypes)
        raise traitlets.TraitError(
            f"the {self.name!r} trait of {type(obj).__name__} expects {names} values of shape "
            f"{self._shape_text}; got {given}."
        )

    def set(self, obj: Any, value: Any) -> None:
        # traitlets compares with ``==``, which is ambiguous for arrays: equal values must
        # stay silent (no observers, no echo to the page), anything else must notify.
        new = self.validate(obj, value)
        old = obj._trait_values.get(self.name, self.default_value)
        obj._trait_values[self.name] = new
        same = isinstance(old, np.ndarray) and old.dtype == new.dtype and np.array_equal(old, new)
        if not same:
            obj._notify_trait(self.name, old, new)


def _fits(values: np.ndarray, dtype: np.dtype[Any]) -> bool:
    """Whether ``values`` may become ``dtype``: any numbers for a float dtype (positions are
    rounded), only exact values for an integer one (int64 row numbers → uint32)."""
    if values.dtype.kind not in "biuf":
        return False
    if dtype.kind == "f":
        return True
    return bool(np.array_equal(values.astype(dtype), values))


def _to_json(value: np.ndarray, _widget: Any) -> memoryview:
    if value.size == 0:  # memoryview cannot cast an empty (0, 2) view to bytes
        return memoryview(b"")
    return memoryview(np.ascontiguousarray(value).data).cast("B")


def _from_json(value: Any, _widget: Any) -> Any:
    return value  # bytes or memoryview: ``validate`` reads them as the trait's dtype
