"""``LatentExplorer``: the anywidget that shows a :class:`LatentSpace` and syncs selections."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from .arithmetic import arithmetic
from .client_decoder import client_decoder, find_client_layers, page_can_render
from .colors import label_colors
from .directions import Direction, direction, directions_of_axes
from .latent_model import DEFAULT_SAMPLES
from .nonlinear import make_projection
from .serialisation import BinaryBuffer, array_to_bytes, bytes_to_array
from .space import LatentSpace, build_space

_STATIC = Path(__file__).parent / "static"
# Browser requests and their handlers; bad input becomes a notice (or a preview message).
_OPERATIONS = {
    "decode": "_msg_decode",
    "set_anchor": "_msg_set_anchor",
    "set_axes": "_msg_set_axes",
    "walk": "_msg_walk",
    "pin_walk": "_msg_pin_walk",
    "set_group": "_msg_set_group",
    "make_direction": "_msg_make_direction",
    "arithmetic": "_msg_arithmetic",
    "selection_part": "_msg_selection_part",
}
_log = logging.getLogger("latent_magic")


def _bundle(name: str) -> Path:
    path = _STATIC / name
    if not path.exists():
        raise ImportError(
            f"latent_magic's front end is not built ({path} is missing): run `npm install && "
            "npm run build` in the source tree, or reinstall the package."
        )
    return path


def _principal_axes(space: LatentSpace) -> dict[str, Direction]:
    try:
        found = directions_of_axes(space.principal, k=min(space.dim, 10))
    except ValueError:  # every point is the same: there is no axis to offer
        return {}
    return {d.name: d for d in found}


@dataclass
class Walk:
    """Steps along a direction from the anchor, and what the model decodes at each."""

    direction: str
    t: np.ndarray  # (steps,) in standard deviations of the data along the direction
    latents: np.ndarray  # (steps, d) float64
    outputs: np.ndarray | None  # (steps, ...) decoded, or None for a model that cannot decode


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
    n_samples, seed : int
        With no data, a generator's prior is sampled: this many latents, this seed.
    latent_dim : int, optional
        The latent size of a generator that does not say it.
    """

    _esm = _bundle("widget.js")
    _css = _bundle("widget.css")

    _points = BinaryBuffer(b"").tag(sync=True)
    _codes = BinaryBuffer(b"").tag(sync=True)
    _code_width = traitlets.Int(1).tag(sync=True)
    _palette = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _legend = traitlets.Dict().tag(sync=True)
    _selection = BinaryBuffer(b"").tag(sync=True)
    # Groups A and B (uint32 point indices), kept here so every view and Python share them.
    _group_a = BinaryBuffer(b"").tag(sync=True)
    _group_b = BinaryBuffer(b"").tag(sync=True)
    _pins = BinaryBuffer(b"").tag(sync=True)
    _anchor_xy = traitlets.List(traitlets.Float()).tag(sync=True)
    _axis_titles = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _decoder = traitlets.Dict().tag(sync=True)
    _status = traitlets.Unicode("").tag(sync=True)
    _axis_options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _axes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _projection = traitlets.Unicode("pca").tag(sync=True)
    _walk_options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    _marks = traitlets.List(traitlets.Dict()).tag(sync=True)
    _client_decoder = traitlets.Dict().tag(sync=True)
    _client_weights = BinaryBuffer(b"").tag(sync=True)
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
        n_samples: int = DEFAULT_SAMPLES,
        seed: int = 0,
        latent_dim: int | None = None,
        projection: str = "pca",
        axes: Sequence[Any] | None = None,
    ) -> None:
        space = build_space(
            model,
            data,
            labels=labels,
            image_shape=image_shape,
            preview=preview,
            n_samples=n_samples,
            seed=seed,
            latent_dim=latent_dim,
        )
        colors = label_colors(space.labels, len(space.rows), title=space.label_title)
        self._space = space
        self._directions = _principal_axes(space)
        axes_names = ["PC 1", "PC 2"] if "PC 2" in self._directions else []
        if axes is not None:
            if projection != "pca":
                raise TypeError(
                    f"pass axes= or projection={projection!r}, not both: named axes make an "
                    "exact linear map."
                )
            if len(axes) != 2:
                raise ValueError(f"axes must be two directions (x, y); got {len(axes)}.")
            x_axis, y_axis = (self._direction(a) for a in axes)
            space.set_projection(space.direction_axes(x_axis, y_axis))
            axes_names = [x_axis.name, y_axis.name]
        elif projection != "pca":
            space.set_projection(make_projection(projection, space.latents))
            axes_names = []
        self._mark_latents: list[tuple[str, np.ndarray]] = []
        # Probing the decoder costs decodes: only when the page could draw what it finds.
        can = page_can_render(space.renderer) and not space.shows_neighbours
        self._client_chain = find_client_layers(space.model, space.dim) if can else None
        # All state goes into the first comm message: the map draws once, with everything.
        super().__init__(
            _codes=array_to_bytes(colors.codes, colors.codes.dtype.newbyteorder("<").str),
            _code_width=colors.codes.dtype.itemsize,
            _palette=colors.palette,
            _legend=colors.legend,
            height=height,
            **self._map_state(axes_names, "directions" if axes is not None else projection),
            **self._direction_state(),
        )
        self._pinned = np.zeros((0, space.dim))
        self._pins_from_python = False
        self._asking_view: Any = None
        self._label_texts: list[str] | None = None
        self._select_callbacks: list[Callable[[np.ndarray], Any]] = []
        self._callback_error = ""
        self._update_status()
        self.observe(self._on_selection_change, names="_selection")
        self.observe(self._on_pins_change, names="_pins")
        self._selection_parts: tuple[Any, list[bytes]] = (None, [])
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
        return self._points_in(self._selection)

    def _points_in(self, buffer: bytes) -> np.ndarray:
        points = bytes_to_array(buffer, "<u4").astype(np.intp)
        # A stale front end (points replaced meanwhile) may name points that no longer exist.
        return points[points < len(self._space.rows)]

    def _points_of_rows(self, indices: Any, what: str = "selected_indices") -> np.ndarray:
        wanted = np.asarray(indices)
        if wanted.size == 0:
            return np.zeros(0, np.uint32)
        if wanted.ndim != 1 or wanted.dtype.kind not in "iu":
            raise ValueError(
                f"{what} must be a 1-D array of integer row numbers; got "
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
        if self._pins_from_python:  # positions moved with the map; the vectors stay
            return
        old = bytes_to_array(change["old"], "<f8", 2)
        new = bytes_to_array(change["new"], "<f8", 2)
        # The browser appends pins or clears them; pins keep the vector they were lifted to,
        # even if the anchor moved since.
        kept = len(old) if len(new) >= len(old) and np.array_equal(new[: len(old)], old) else 0
        fresh = (
            self._space.lift_many(new[kept:]) if len(new) > kept else np.zeros((0, self._space.dim))
        )
        self._pinned = np.vstack([self._pinned[:kept], fresh]).reshape(len(new), self._space.dim)

    # ------------------------------------------------------------------ map ⇄ latent
    @property
    def anchor(self) -> np.ndarray:
        """``(d,)`` float64: the latent vector that fills in what the map plane cannot show."""
        return self._space.anchor

    @anchor.setter
    def anchor(self, vector: Any) -> None:
        self._space.anchor = vector
        for name, value in self._client_decoder_state().items():
            self.set_trait(name, value)
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

    # ------------------------------------------------------------------ directions and axes
    @property
    def directions(self) -> dict[str, Direction]:
        """Named directions: the principal axes ``"PC 1"``… and every one added or made in
        the widget (lasso group A, group B, *make direction*)."""
        return dict(self._directions)

    @property
    def labels(self) -> np.ndarray | None:
        """``(n,)`` the label of each point, or None."""
        return self._space.labels

    def add_direction(self, d: Direction | Any, name: str | None = None) -> Direction:
        """Make a direction (or a plain ``(d,)`` vector) available as an axis and to walk."""
        if not isinstance(d, Direction):
            d = Direction.from_vector(np.asarray(d, dtype=np.float64), name or "direction")
        elif name is not None:
            d = Direction(name, d.vector, d.quality, d.method, d.details)
        if d.dim != self._space.dim:
            raise ValueError(
                f"direction {d.name!r} has dimension {d.dim}; this space has {self._space.dim}."
            )
        self._directions[d.name] = d
        self.set_trait("_axis_options", list(self._directions))
        self.set_trait("_walk_options", list(self._directions))
        if d.name in self._axes:  # an axis on display was redefined: the map follows
            x_axis, y_axis = (self._directions[name] for name in self._axes)
            self._space.set_projection(self._space.direction_axes(x_axis, y_axis))
            self._refresh_map(list(self._axes), "directions")
        return d

    def set_axes(self, x: Direction | str | Any, y: Direction | str | Any) -> None:
        """Make the map's axes these directions (names in ``directions``, Direction objects or
        vectors). The map stays exact: ``project(lift(x, y)) == (x, y)``."""
        x_axis, y_axis = self._direction(x), self._direction(y)
        self._space.set_projection(self._space.direction_axes(x_axis, y_axis))
        self._refresh_map([x_axis.name, y_axis.name], "directions")

    def walk(
        self, d: Direction | str | Any, steps: int = 9, span: tuple[float, float] = (-3.0, 3.0)
    ) -> Walk:
        """Walk from the anchor along ``d``: ``anchor + t · SD · unit(d)`` for ``steps`` values of
        ``t`` evenly spaced over ``span`` (in the data's standard deviations along ``d``),
        with what the model decodes at each step."""
        if steps < 1:
            raise ValueError(f"steps must be at least 1; got {steps}.")
        axis = self._direction(d)
        t = np.linspace(span[0], span[1], int(steps))
        Z = self._space.walk_latents(axis, t)
        model = self._space.model
        outputs = model.decode(Z) if model.can_decode else None
        return Walk(axis.name, t, Z, outputs)

    def _direction(self, d: Direction | str | Any) -> Direction:
        if isinstance(d, Direction):
            return d
        if isinstance(d, str):
            if d not in self._directions:
                known = ", ".join(repr(k) for k in self._directions)
                raise KeyError(f"no direction named {d!r}; known: {known}.")
            return self._directions[d]
        vector = np.asarray(d, dtype=np.float64)
        if vector.shape != (self._space.dim,):
            raise ValueError(
                f"a direction must be a name, a Direction or a vector of shape "
                f"({self._space.dim},); got shape {vector.shape}."
            )
        return Direction.from_vector(vector, "custom")

    def _map_state(self, axes: list[str], projection: str) -> dict[str, Any]:
        space = self._space
        return {
            **self._client_decoder_state(),
            "_points": array_to_bytes(space.points, "<f4"),
            "_anchor_xy": [float(v) for v in space.project(space.anchor)[0]],
            "_axis_titles": list(space.projection.titles),
            "_axes": axes,
            "_projection": projection,
            "_decoder": {
                "can_decode": space.can_preview,
                "exact": space.projection.exact,
                "reason": space.cannot_preview_reason,
            },
        }

    def _client_decoder_state(self) -> dict[str, Any]:
        meta, weights = client_decoder(self._client_chain, self._space)
        return {"_client_decoder": meta, "_client_weights": weights}

    def _direction_state(self) -> dict[str, Any]:
        names = list(self._directions)
        return {"_axis_options": names, "_walk_options": names}

    def _refresh_map(self, axes: list[str], projection: str) -> None:
        """After the projection changed: every position on the map moves; vectors stay."""
        with self.hold_sync():
            for name, value in self._map_state(axes, projection).items():
                self.set_trait(name, value)
            self._move_pins(self._space.project(self._pinned) if len(self._pinned) else None)
            self._marks = [self._mark(label, z) for label, z in self._mark_latents]

    def _move_pins(self, positions: np.ndarray | None) -> None:
        self._pins_from_python = True
        try:
            self._pins = array_to_bytes(np.zeros((0, 2)) if positions is None else positions, "<f8")
        finally:
            self._pins_from_python = False

    def _add_pins(self, latents: np.ndarray) -> None:
        """Pin latents exactly (no lift): their vectors are what they are."""
        positions = np.vstack([self.pins, self._space.project(latents)])
        self._pinned = np.vstack([self._pinned, latents])
        self._move_pins(positions)

    def _mark(self, label: str, z: np.ndarray) -> dict[str, Any]:
        x, y = self._space.project(z)[0]
        return {"x": float(x), "y": float(y), "label": label}

    # ------------------------------------------------------------------ operations (messages)
    def _msg_set_axes(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        self.set_axes(str(content["x"]), str(content["y"]))

    def _msg_walk(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        axis = self._direction(str(content["direction"]))
        t = float(content["t"])
        z = self._space.walk_latents(axis, np.array([t]))[0]
        reply, buffers = self._space.preview_latent(z, f"{axis.name} · t = {t:+.2f} SD", True)
        x, y = self._space.project(z)[0]
        reply.update(type="preview", id=content.get("id"), index=None, x=float(x), y=float(y))
        reply["walk_xy"] = [float(x), float(y)]
        self._send_to_view(reply, buffers)

    def _msg_pin_walk(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        span = content.get("span") or (-3.0, 3.0)
        strip = self.walk(str(content["direction"]), int(content.get("steps", 9)), tuple(span))
        self._add_pins(strip.latents)
        self._notice(f"pinned {len(strip.t)} steps along {strip.direction!r}")

    @property
    def groups(self) -> dict[str, np.ndarray]:
        """The rows in groups A and B: set in the widget (*A = selection*, *B = selection*)
        or here, ``w.groups = {"A": rows, "B": rows}``. *Make direction* goes from B to A."""
        rows = self._space.rows
        return {
            "A": rows[self._points_in(self._group_a)],
            "B": rows[self._points_in(self._group_b)],
        }

    @groups.setter
    def groups(self, groups: Any) -> None:
        if not isinstance(groups, Mapping) or not set(groups) <= {"A", "B"}:
            keys = (
                sorted(map(str, groups)) if isinstance(groups, Mapping) else type(groups).__name__
            )
            raise ValueError(f"groups must be a dict with keys 'A' and/or 'B'; got {keys}.")
        # Every group is checked before any is set: a bad one changes nothing.
        points = {k: self._points_of_rows(v, f"groups[{k!r}]") for k, v in groups.items()}
        for key, value in points.items():
            self.set_trait(f"_group_{key.lower()}", array_to_bytes(value, "<u4"))

    def _msg_set_group(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        """*A = selection* / *B = selection*: the group becomes the selection as the kernel has
        it (it arrived first, in parts if large), so no group travels from the browser."""
        group = content.get("group")
        if group not in ("A", "B"):
            raise ValueError(f"a group is 'A' or 'B'; got {group!r}.")
        self.set_trait(f"_group_{group.lower()}", self._selection)

    def _msg_make_direction(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        name = str(content.get("name") or "").strip()
        if not name:
            raise ValueError("a new direction needs a name.")
        a, b = self._points_in(self._group_a), self._points_in(self._group_b)
        if a.size == 0 or b.size == 0:
            raise ValueError(f"both groups need points; got A: {a.size}, B: {b.size}.")
        made = self.direction_between(self._space.rows[a], self._space.rows[b], name)
        self._notice(
            f"direction {made.name!r} made from {a.size} and {b.size} points "
            f"(quality {made.quality:.2f})"
        )

    def direction_between(self, group_a: Any, group_b: Any, name: str) -> Direction:
        """A direction from group B's mean to group A's (rows of the data), added to
        ``directions``."""
        a, b = self._points_of_rows(group_a), self._points_of_rows(group_b)
        Z = np.vstack([self._space.latents[a], self._space.latents[b]])
        labels = np.array(["A"] * len(a) + ["B"] * len(b))
        return self.add_direction(direction(Z, labels, positive="A", negative="B", name=name))

    def _msg_arithmetic(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        expression = str(content.get("expression", ""))
        reply: dict[str, Any] = {"type": "arithmetic_result", "id": content.get("id")}
        reply["expression"] = expression
        try:
            result = arithmetic(self._arithmetic_space(), expression)
        except ValueError as error:
            self._send_to_view({**reply, "ok": False, "error": str(error)})
            return
        self._mark_latents.append((expression, result.vector))
        mark = self._mark(expression, result.vector)
        self._marks = [*self._marks, mark]
        neighbours = [{"label": label, "score": score} for label, score in result.neighbors]
        self._send_to_view({**reply, "ok": True, "error": "", **mark, "neighbors": neighbours})

    def _arithmetic_space(self) -> tuple[list[str], np.ndarray]:
        space = self._space
        if self._label_texts is None:  # labels never change: format them once, not per query
            self._label_texts = [space.label_text(i) for i in range(len(space.rows))]
        return self._label_texts, space.latents

    def _notice(self, text: str, level: str = "info") -> None:
        self._send_to_view({"type": "notice", "level": level, "text": text})

    # ------------------------------------------------------------------ messages
    def _on_message(self, _widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        kind = content.get("type")
        handler = _OPERATIONS.get(str(kind))
        if handler is None:
            _log.warning("latent_magic: unknown message from the front end: %r", kind)
            return
        # Replies go back to the view that asked: a widget shown twice has two views.
        self._asking_view = content.get("view")
        try:
            getattr(self, handler)(content, buffers)
        except (ValueError, TypeError, KeyError, IndexError) as error:  # say why, keep state
            text = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
            if kind in ("decode", "walk"):  # the browser waits for this id: answer it
                self._send_to_view(
                    {"type": "preview", "id": content.get("id"), "kind": "message", "text": text}
                )
            else:
                self._notice(str(text), "error")

    def _send_to_view(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        if self._asking_view is not None:
            content["view"] = self._asking_view
        self.send(content, buffers)

    def _msg_decode(self, request: dict[str, Any], _buffers: list[Any]) -> None:
        x, y = float(request["x"]), float(request["y"])
        index = self._point_index(request.get("index"))
        content, buffers = self._space.preview(x, y, index)
        content.update(type="preview", id=request.get("id"), index=index, x=x, y=y)
        self._send_to_view(content, buffers)

    def _msg_selection_part(self, content: dict[str, Any], buffers: list[Any]) -> None:
        """One part of a selection too large for one websocket message (Jupyter's server
        refuses those over 10 MiB): parts arrive in order; the last one sets ``_selection``."""
        key, part, parts = content.get("id"), int(content["part"]), int(content["parts"])
        if not (0 <= part < parts and len(buffers) == 1):
            raise ValueError(f"a selection part must be one of {parts} with one buffer.")
        if part == 0:
            self._selection_parts = (key, [])
        elif self._selection_parts[0] != key or len(self._selection_parts[1]) != part:
            self._selection_parts = (None, [])  # a part went missing: wait for a whole one
            return
        self._selection_parts[1].append(bytes(buffers[0]))
        if part == parts - 1:
            joined = b"".join(self._selection_parts[1])
            self._selection_parts = (None, [])
            self._selection = joined

    def _msg_set_anchor(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        index = self._point_index(content.get("index"))
        if index is None:
            self.anchor = self._space.lift(float(content["x"]), float(content["y"]))
        else:
            self.anchor = self._space.latents[index]

    def _point_index(self, index: Any) -> int | None:
        if index is None:
            return None
        n = len(self._space.latents)
        if not 0 <= int(index) < n:
            raise IndexError(f"there is no point {index} on this map (valid: 0..{n - 1}).")
        return int(index)

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
