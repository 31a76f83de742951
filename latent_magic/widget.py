"""``LatentExplorer``: the anywidget that shows a :class:`LatentSpace` and syncs selections."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from .colors import label_colors
from .serialisation import BinaryBuffer, array_to_bytes, bytes_to_array
from .space import build_space

_STATIC = Path(__file__).parent / "static"
_log = logging.getLogger("latent_magic")


def _bundle(name: str) -> Path:
    path = _STATIC / name
    if not path.exists():
        raise ImportError(
            f"latent_magic's front end is not built ({path} is missing): run `npm install && "
            "npm run build` in the source tree, or reinstall the package."
        )
    return path


class LatentExplorer(anywidget.AnyWidget):
    """A map of a model's latent space with a live decoded preview of any spot.

    Build it with :func:`latent_magic.explore` or ``%latent explore``. See
    ``docs/protocol.md`` for the state and messages shared with the browser.

    Parameters
    ----------
    model : object
        A fitted model :func:`latent_magic.adapt` understands, or a ``LatentModel``.
    data : array-like (n, f)
        The rows to encode and place on the map (a DataFrame keeps its column names).
    labels : array-like (n,), optional
        Colours the points; shown on hover.
    image_shape : tuple of int, optional
        ``(H, W)`` or ``(H, W, C)``: show decoded outputs as images.
    preview : callable, optional
        ``preview(output)`` → PIL image, matplotlib figure, array or HTML string.
    height : int
        Height of the map in pixels.
    """

    _esm = _bundle("widget.js")
    _css = _bundle("widget.css")

    _points = BinaryBuffer(b"").tag(sync=True)
    _codes = BinaryBuffer(b"").tag(sync=True)
    _code_width = traitlets.Int(1).tag(sync=True)
    _palette = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _legend = traitlets.Dict().tag(sync=True)
    _selection = BinaryBuffer(b"").tag(sync=True)
    _pins = BinaryBuffer(b"").tag(sync=True)
    _anchor_xy = traitlets.List(traitlets.Float()).tag(sync=True)
    _axis_titles = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _decoder = traitlets.Dict().tag(sync=True)
    _status = traitlets.Unicode("").tag(sync=True)
    height = traitlets.Int(420).tag(sync=True)

    def __init__(
        self,
        model: Any,
        data: Any = None,
        *,
        labels: Any = None,
        image_shape: Sequence[int] | None = None,
        preview: Callable[[Any], Any] | None = None,
        height: int = 420,
    ) -> None:
        space = build_space(model, data, labels=labels, image_shape=image_shape, preview=preview)
        colors = label_colors(space.labels, len(space.rows))
        # All state goes into the first comm message: the map draws once, with everything.
        super().__init__(
            _points=array_to_bytes(space.points, "<f4"),
            _codes=array_to_bytes(colors.codes, colors.codes.dtype.newbyteorder("<").str),
            _code_width=colors.codes.dtype.itemsize,
            _palette=colors.palette,
            _legend=colors.legend,
            _anchor_xy=[float(v) for v in space.project(space.anchor)[0]],
            _axis_titles=list(space.projection.titles),
            _decoder={
                "can_decode": space.model.can_decode,
                "exact": space.projection.exact,
                "reason": space.model.cannot_decode_reason or "",
            },
            height=height,
        )
        self._space = space
        self._pinned = np.zeros((0, space.dim))
        self._select_callbacks: list[Callable[[np.ndarray], Any]] = []
        self._callback_error = ""
        self._update_status()
        self.observe(self._on_selection_change, names="_selection")
        self.observe(self._on_pins_change, names="_pins")
        self.on_msg(self._on_message)

    # ------------------------------------------------------------------ data
    @property
    def model(self) -> Any:
        """The adapted model (a :class:`LatentModel`)."""
        return self._space.model

    @property
    def latents(self) -> np.ndarray:
        """``(n, d)`` float32: the encoded data (rows with NaN or inf left out; see ``rows``)."""
        return self._space.latents

    @property
    def points(self) -> np.ndarray:
        """``(n, 2)`` float32: the map position of each latent."""
        return self._space.points

    @property
    def rows(self) -> np.ndarray:
        """``(n,)`` int: the row of the user's data behind each point."""
        return self._space.rows

    @property
    def projection_exact(self) -> bool:
        """Whether lifting a map position back to latent space is exact."""
        return self._space.projection.exact

    # ------------------------------------------------------------------ selection
    @property
    def selected_indices(self) -> np.ndarray:
        """1-D int array: the selected rows of the data (settable; the map follows)."""
        return self._space.rows[self._selected_points()]

    @selected_indices.setter
    def selected_indices(self, indices: Any) -> None:
        self._selection = array_to_bytes(self._points_of_rows(indices), "<u4")

    @property
    def selected_vectors(self) -> np.ndarray:
        """``(k, d)`` float32: the latent vectors of the selected points."""
        return self._space.latents[self._selected_points()]

    def on_select(self, callback: Callable[[np.ndarray], Any]) -> Callable[[], None]:
        """Call ``callback(selected_indices)`` after every selection change.

        Returns a function that removes the callback.
        """
        if not callable(callback):
            raise TypeError(f"on_select expects a function; got {type(callback).__name__}.")
        self._select_callbacks.append(callback)
        return lambda: self._select_callbacks.remove(callback)

    def _selected_points(self) -> np.ndarray:
        return bytes_to_array(self._selection, "<u4").astype(np.intp)

    def _points_of_rows(self, indices: Any) -> np.ndarray:
        wanted = np.asarray(indices)
        if wanted.size == 0:
            return np.zeros(0, np.uint32)
        if wanted.ndim != 1 or wanted.dtype.kind not in "iu":
            raise ValueError(
                f"selected_indices must be a 1-D array of integer row numbers; got "
                f"{wanted.dtype} values of shape {wanted.shape}."
            )
        rows = self._space.rows
        positions = np.clip(np.searchsorted(rows, wanted), 0, len(rows) - 1)
        missing = wanted[rows[positions] != wanted]
        if missing.size:
            last = self._space.n_total - 1
            raise ValueError(
                f"rows {missing[:10].tolist()} are not on the map (valid: 0..{last}, "
                "except rows left out for NaN or inf)."
            )
        return np.unique(positions).astype(np.uint32)

    def _on_selection_change(self, _change: dict[str, Any]) -> None:
        indices = self.selected_indices
        self._callback_error = ""
        for callback in list(self._select_callbacks):
            try:
                callback(indices)
            except Exception as error:  # shown in the widget: comm handlers hide tracebacks
                _log.exception("on_select callback %r failed", callback)
                self._callback_error = f"on_select callback failed: {type(error).__name__}: {error}"
        self._update_status()

    # ------------------------------------------------------------------ pins
    @property
    def pins(self) -> np.ndarray:
        """``(m, 2)`` float64: map positions of the pinned synthetic points."""
        return bytes_to_array(self._pins, "<f8", 2).copy()

    @property
    def pinned_vectors(self) -> np.ndarray:
        """``(m, d)`` float64: latent vectors of the pinned points, lifted when pinned."""
        return self._pinned.copy()

    def _on_pins_change(self, change: dict[str, Any]) -> None:
        old = bytes_to_array(change["old"], "<f8", 2)
        new = bytes_to_array(change["new"], "<f8", 2)
        # Pins keep the vector they were lifted to, even if the anchor moved since.
        known = {tuple(p): v for p, v in zip(old, self._pinned, strict=False)}
        vectors = [known.get(tuple(p)) for p in new]
        fresh = [i for i, v in enumerate(vectors) if v is None]
        if fresh:
            lifted = self._space.lift_many(new[fresh])
            for i, vector in zip(fresh, lifted, strict=True):
                vectors[i] = vector
        self._pinned = np.array(vectors).reshape(len(new), self._space.dim)

    # ------------------------------------------------------------------ map ⇄ latent
    @property
    def anchor(self) -> np.ndarray:
        """``(d,)`` float64: the latent vector that fills in what the map plane cannot show."""
        return self._space.anchor

    @anchor.setter
    def anchor(self, vector: Any) -> None:
        self._space.anchor = vector
        self._anchor_xy = [float(v) for v in self._space.project(self._space.anchor)[0]]

    def lift(self, x: float, y: float) -> np.ndarray:
        """``(d,)`` float64: the latent vector at map position ``(x, y)``."""
        return self._space.lift(x, y)

    def decode_at(self, x: float, y: float) -> np.ndarray:
        """What the model decodes at map position ``(x, y)``."""
        return self._space.decode_at(x, y)

    def project(self, Z: Any) -> np.ndarray:
        """``(n, 2)``: map positions of latent vectors ``(n, d)`` or ``(d,)``."""
        return self._space.project(Z)

    # ------------------------------------------------------------------ messages
    def _on_message(self, _widget: Any, content: dict[str, Any], _buffers: list[Any]) -> None:
        kind = content.get("type")
        if kind == "decode":
            self._reply_preview(content)
        elif kind == "set_anchor":
            index = content.get("index")
            if index is None:
                self.anchor = self._space.lift(float(content["x"]), float(content["y"]))
            else:
                self.anchor = self._space.latents[int(index)]
        else:
            _log.warning("latent_magic: unknown message from the front end: %r", kind)

    def _reply_preview(self, request: dict[str, Any]) -> None:
        x, y = float(request["x"]), float(request["y"])
        index = request.get("index")
        content, buffers = self._space.preview(x, y, None if index is None else int(index))
        content.update(type="preview", id=request.get("id"), index=index, x=x, y=y)
        self.send(content, buffers)

    def _update_status(self) -> None:
        space = self._space
        parts = [f"{len(space.rows):,} points"]
        dropped = space.n_total - len(space.rows)
        if dropped:
            parts.append(f"{dropped:,} rows left out (NaN or inf)")
        parts.append(f"{space.dim}-d latents of {space.model.name}")
        if self._callback_error:
            parts.append(self._callback_error)
        self._status = " · ".join(parts)

    # ------------------------------------------------------------------ display
    _shown_in_execution: int | None = None

    def _ipython_display_(self, **kwargs: Any) -> None:
        # `w = %latent explore ...` must show the widget although it is assigned, so the magic
        # displays it; the same cell's displayhook then must not show it a second time.
        from IPython import get_ipython
        from IPython.display import display

        shell = get_ipython()
        count = getattr(shell, "execution_count", None)
        if self._shown_in_execution is not None and self._shown_in_execution == count:
            self._shown_in_execution = None
            return
        bundle = self._repr_mimebundle_(**kwargs)
        data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
        display(data, metadata=metadata, raw=True)

    def _mark_shown_by_magic(self) -> None:
        from IPython import get_ipython

        self._shown_in_execution = getattr(get_ipython(), "execution_count", None)
