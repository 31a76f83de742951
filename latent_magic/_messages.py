"""The page's requests (docs/protocol.md, browser → kernel): each is checked against the
protocol before anything acts on it, carried out through the widget's API, and answered to
the view that asked. Bad requests become a notice (or, for a preview the page waits for, a
preview message) and change nothing: no exception reaches the kernel from here."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from traitlets import TraitError

from . import _request_fields as fields
from ._atlas import Tiles, atlas_tiles, decode_grid, decode_latents, render_tiles
from ._data import finite_number
from ._latent_model import CannotDecodeError
from ._page_runtime import page_blobs
from ._page_runtime import parts as page_parts
from ._renderers import Preview
from ._request_fields import RequestError
from ._thumbnails import MAX_PER_REQUEST as MAX_THUMBNAILS
from ._thumbnails import thumbnail_pixels

if TYPE_CHECKING:
    from ._direction_grid import DirectionGrid
    from ._space import Distance
    from ._widget import LatentExplorer

_log = logging.getLogger("latent_magic")
MAX_POLYGON = 10_000  # vertices of one lasso (the page's lasso keeps far fewer)
MAX_STRIP = 1000  # steps one pin_walk request may pin (the widget's slider pins 9)
STRIP_TILES = 25  # steps of a pinned strip decoded for the page's strip (evenly spread)
# Jupyter's server refuses websocket messages over 10 MiB: an atlas reply stays under this.
MAX_REPLY_BYTES = 8 * 2**20
# The page's rarely used parts (js/extras.js), sent when a user first needs one.
EXTRAS_BUNDLE = Path(__file__).parent / "static" / "extras.js"


def preview_message(
    preview: Preview, distance: Distance | None, title: str, exact: bool
) -> tuple[dict[str, Any], list[bytes]]:
    """The ``preview`` message (content, buffers) for one decoded spot or point."""
    content: dict[str, Any] = {"type": "preview", "title": title, "exact": exact}
    content["kind"] = preview.kind
    content["distance"] = (
        {"ratio": 0.0, "off_data": False}  # a data point is on the data
        if distance is None
        # JSON has no inf: a spot beyond float range is as far as a float can say.
        else {"ratio": fields.json_float(distance.ratio), "off_data": distance.off_data}
    )
    content.update(preview.fields)
    return content, preview.buffers


class PageRequests:
    """Reads the page's requests for one widget (every view of it)."""

    def __init__(self, widget: LatentExplorer) -> None:
        self.widget = widget
        self._view: Any = None  # the view whose request is being answered
        # A selection arriving in parts: its id, its number of parts, the parts so far.
        self._parts: tuple[Any, int, list[bytes]] = (None, 0, [])
        self._handlers: dict[str, Callable[[dict[str, Any], list[Any]], None]] = {
            "decode": self._decode,
            "walk": self._walk,
            "set_anchor": self._set_anchor,
            "set_axes": self._set_axes,
            "pin": self._pin,
            "clear_pins": self._clear_pins,
            "pin_walk": self._pin_walk,
            "join_pins": self._join_pins,
            "local_directions": self._local_directions,
            "orthogonalize": self._orthogonalize,
            "grid": self._grid,
            "atlas": self._atlas,
            "search": self._search,
            "thumbnails": self._thumbnails,
            "set_group": self._set_group,
            "select_polygon": self._select_polygon,
            "make_direction": self._make_direction,
            "arithmetic": self._arithmetic,
            "selection_part": self._selection_part,
            "onnx_runtime": self._onnx_runtime,
            "extras": self._extras,
        }

    # ------------------------------------------------------------------ dispatch
    def handle(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
        """Check one request, carry it out, answer it; nothing it raises reaches the kernel.
        Holds the widget's lock: the request may come on a subshell's thread while a cell
        runs on the main one."""
        with self.widget._lock:
            self._handle(content, buffers)

    def _handle(self, content: Any, buffers: list[Any]) -> None:
        self._view = None
        kinds = ", ".join(self._handlers)
        if not isinstance(content, dict):
            self.notice(
                f"a request must be an object with a type; got {type(content).__name__} "
                f"{fields.shown(content)}.",
                "error",
            )
            return
        view = content.get("view")
        # Replies go back to the view that asked: a widget shown twice has two views.
        self._view = view if isinstance(view, str) else None
        kind = content.get("type")
        if kind is None:
            self.notice(f"a request needs a type (one of {kinds}); got none.", "error")
            return
        handler = self._handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            _log.warning("latent_magic: unknown request from the front end: %r", kind)
            if isinstance(kind, str):
                text = f"unknown request type {fields.shown(kind)}; expected one of {kinds}."
            else:
                text = f"a request's type must be one of {kinds}; got {fields.shown(kind)}."
            self.notice(text, "error")
            return
        try:
            if view is not None and not isinstance(view, str):
                raise RequestError(f"{kind}: view must be a string; got {fields.shown(view)}.")
            handler(content, buffers)
        except Exception as error:  # every failure is answered; none reaches the kernel
            try:
                self._refuse(kind, content, error)
            except Exception:  # not even an answer could be sent: the log keeps both
                _log.exception("latent_magic: could not answer the %s request (%r)", kind, error)

    def _refuse(self, kind: str, content: dict[str, Any], error: Exception) -> None:
        """Answer a request that failed: a notice, or the reply the page waits for."""
        if _expected(error):
            text = str(error.args[0] if isinstance(error, KeyError) and error.args else error)
            # An expression's own mistake is shown under the box it was typed in, as it is.
            if kind != "arithmetic" and not text.startswith(kind):
                text = f"{kind}: {text}"
        else:  # a fault, not a mistake in the request: keep the traceback for whoever fixes it
            _log.exception("latent_magic: the %s request failed", kind)
            text = f"{kind} failed: {type(error).__name__}: {error}"
        if kind in ("decode", "walk"):  # the page waits for this id: answer it
            self.reply(Preview.message(text).fields | _preview_of(content, "message"))
        elif kind == "arithmetic":
            expression = content.get("expression")
            self.reply(
                {
                    "type": "arithmetic_result",
                    "id": content.get("id"),
                    "expression": expression if isinstance(expression, str) else "",
                    "ok": False,
                    "error": text,
                }
            )
        elif kind == "search":  # the search box waits for this id: say why under it
            query = content.get("query")
            self.reply(
                {
                    "type": "search_result",
                    "id": content.get("id"),
                    "query": query if isinstance(query, str) else "",
                    "ok": False,
                    "error": text,
                }
            )
        else:
            if kind in ("atlas", "thumbnails", "extras"):  # the page waits for this: free it
                self.reply({"type": kind, "id": content.get("id"), "error": text})
            self.notice(text, "error")

    def refuse_writes(self, names: list[str]) -> None:
        """The page wrote traits the kernel owns: say so to every view (the write is dropped)."""
        self._view = None
        self.notice(
            "the page may write only _selection, show_labels, show_thumbnails and _view; "
            f"{', '.join(names)} "
            "belong to the kernel "
            "(ask with a request, docs/protocol.md) and were not changed.",
            "error",
        )

    def reply(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        if self._view is not None:
            content["view"] = self._view
        self.widget.send(content, buffers)

    def notice(self, text: str, level: str = "info") -> None:
        self.reply({"type": "notice", "level": level, "text": text})

    # ------------------------------------------------------------------ page decoder
    def _onnx_runtime(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        """The page drew its map and asks for the ONNX runtime and model: export (once) and
        send them in checked parts; a failure goes into ``_onnx_decoder``, which the page
        shows once."""
        found = self.widget._onnx_export()
        if isinstance(found, str):
            return
        for part in page_parts(page_blobs(found.onnx)):
            self.reply(part.message(), [part.data])

    def _extras(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        """The page asks for its rarely used parts (the atlas, pictures, strip and grid views,
        PNG) when a user first needs one: the bundle's bytes in one buffer (about 18 kB), with
        its size and CRC-32, which the page checks before importing it."""
        data = EXTRAS_BUNDLE.read_bytes()
        self.reply({"type": "extras", "size": len(data), "crc32": zlib.crc32(data)}, [data])

    # ------------------------------------------------------------------ previews
    def _decode(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        key = fields.integer(content, "id")
        x, y = fields.number(content, "x"), fields.number(content, "y")
        index = fields.point(content, "index", len(self.widget.latents))
        space = self.widget._space
        if index is None:
            preview, distance = space.preview_spot(x, y)
            title, exact = "empty space", space.projection.exact
        else:
            preview, distance = space.preview_point(index), None
            title, exact = space.point_title(index), True
        message, buffers = preview_message(preview, distance, title, exact)
        message.update(id=key, index=index, x=x, y=y)
        self.reply(message, buffers)

    def _walk(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        key = fields.integer(content, "id")
        axis = self.widget._direction(self._direction_name(content, "direction"))
        t = fields.number(content, "t")
        space = self.widget._space
        z = space.walk_latents(axis, np.array([t]))[0]
        preview, distance = space.preview_latent(z)
        message, buffers = preview_message(
            preview, distance, f"{axis.name} · t = {t:+.2f} SD", True
        )
        x, y = (float(v) for v in space.project(z)[0])
        message.update(id=key, index=None, x=x, y=y, walk_xy=[x, y])
        self.reply(message, buffers)

    # ------------------------------------------------------------------ map state
    def _set_anchor(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        index = fields.point(content, "index", len(self.widget.latents))
        x, y = fields.number(content, "x"), fields.number(content, "y")
        if index is None:
            self.widget.anchor = self.widget.lift(x, y)
        else:
            self.widget.anchor = self.widget.latents[index]

    def _set_axes(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        x, y = self._direction_name(content, "x"), self._direction_name(content, "y")
        self.widget.set_axes(x, y)

    def _pin(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        self.widget.pin(fields.number(content, "x"), fields.number(content, "y"))

    def _clear_pins(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        self.widget.clear_pins()

    def _pin_walk(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        name = self._direction_name(content, "direction")
        steps = fields.integer(content, "steps")
        if steps > MAX_STRIP:  # each step is a decode and a pin
            raise RequestError(f"pin_walk: steps must be at most {MAX_STRIP}; got {steps}.")
        expected = "[t0, t1], two finite numbers"
        span = fields.field(content, "span", expected)
        if not isinstance(span, list) or len(span) != 2 or not all(map(finite_number, span)):
            raise RequestError(f"pin_walk: span must be {expected}; got {fields.shown(span)}.")
        strip = self.widget._walk_latents(name, steps, (float(span[0]), float(span[1])))
        self.widget._add_pins(strip.latents)
        self.reply(*self._strip_message(strip.direction, strip.t, strip.latents))
        self.notice(f"pinned {len(strip.t)} steps along {strip.direction!r}, {strip.note}")

    def _join_pins(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        steps = fields.integer(content, "steps")
        if not 2 <= steps <= MAX_STRIP:
            raise RequestError(f"join_pins: steps must be 2..{MAX_STRIP}; got {steps}.")
        path = self.widget.join_pins(steps, decode=False)  # the strip decodes what it shows
        label = f"{path.method}: the last two pins"
        self.reply(*self._strip_message(label, path.t, path.latents))
        self.notice(path.note)

    def _local_directions(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        k = fields.integer(content, "k")
        if not 1 <= k <= 10:
            raise RequestError(f"local_directions: k must be 1..10; got {k}.")
        found = self.widget.local_directions(k=k)
        shares = ", ".join(f"{d.name} {d.quality:.0%}" for d in found)
        n = len(self.widget._selection)
        self.notice(f"directions of the {n:,} selected points: {shares} of their variance")

    def _orthogonalize(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        """The y axis made orthogonal to the x axis: a new direction, shown as the y axis."""
        name = self._direction_name(content, "name")
        against = self._direction_name(content, "against")
        if name == against:
            raise RequestError(f"orthogonalize: {name!r} cannot be made orthogonal to itself.")
        directions = self.widget.directions
        made = self.widget.add_direction(directions[name].orthogonalize(directions[against]))
        self.widget.set_axes(against, made.name)
        self.notice(f"{made.name!r}: {name!r} without its part along {against!r}")

    def _grid(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        x, y = self._direction_name(content, "x"), self._direction_name(content, "y")
        expected = "[columns, rows], two integers 1..64"
        steps = fields.field(content, "steps", expected)
        if (
            not isinstance(steps, list)
            or len(steps) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in steps)
        ):
            raise RequestError(f"grid: steps must be {expected}; got {fields.shown(steps)}.")
        self.widget.grid(x, y, steps=(steps[0], steps[1]))  # shown by every view

    def show_grid(self, grid: DirectionGrid) -> None:
        """Sends a grid's picture to every view (tiles row-major, the top row first)."""
        outputs = grid.outputs.reshape(grid.rows * grid.cols, *grid.outputs.shape[2:])
        try:
            tiles = render_tiles(self.widget._space, outputs)
        except (ValueError, TypeError, CannotDecodeError) as error:  # Python still has it
            self._view = None
            self.notice(f"the grid is not shown: {error}")
            return
        content = {
            "type": "grid",
            "directions": list(grid.directions),
            "rows": grid.rows,
            "cols": grid.cols,
            "s": [float(v) for v in grid.s],
            "t": [float(v) for v in grid.t],
            "tiles": tiles.tiles,
            "features": tiles.features,
            "note": grid.note,
        }
        self.widget.send(content, tiles.buffers)

    def _strip_message(
        self, direction: str, t: np.ndarray, latents: np.ndarray
    ) -> tuple[dict[str, Any], list[bytes]]:
        """The ``strip`` reply: at most STRIP_TILES steps, evenly spread and ends included,
        decoded in one batch (decoding up to 1,000 steps would hold the kernel for a strip
        nobody can read). The pins are made whatever happens here: a strip that cannot be
        decoded says why in ``text``."""
        shown = np.unique(np.linspace(0, len(t) - 1, min(len(t), STRIP_TILES)).round())
        steps = shown.astype(int)
        content: dict[str, Any] = {
            "type": "strip",
            "direction": direction,
            "steps": steps.tolist(),
            "of": len(t),
            "t": [float(t[i]) for i in steps],
        }
        try:
            outputs = decode_latents(self.widget._space, latents[steps])
            tiles = render_tiles(self.widget._space, outputs)
        except Exception as error:  # the pins stand; the strip says why it has no pictures
            if not _expected(error):
                _log.exception("latent_magic: the strip of a pin_walk could not be decoded")
            said = str(error) if _expected(error) else f"{type(error).__name__}: {error}"
            tiles, content["text"] = Tiles([], [], []), f"the strip is not shown: {said}"
        content.update(tiles=tiles.tiles, features=tiles.features)
        content.setdefault("text", "")
        return content, tiles.buffers

    def _atlas(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        """The decoded atlas of a region: one tile per grid cell, one buffer per tile."""
        key = fields.integer(content, "id")
        bounds = tuple(fields.number(content, name) for name in ("x0", "x1", "y0", "y1"))
        rows, cols = fields.integer(content, "rows"), fields.integer(content, "cols")
        space = self.widget._space
        atlas = decode_grid(space, rows, cols, bounds)  # checks rows, cols and bounds
        tiles = atlas_tiles(space, atlas)
        size = sum(len(b) for b in tiles.buffers)
        if size > MAX_REPLY_BYTES:
            raise RequestError(
                f"atlas: {rows} × {cols} tiles take {size / 2**20:.1f} MiB, more than one "
                f"message carries ({MAX_REPLY_BYTES / 2**20:.0f} MiB); ask for fewer tiles."
            )
        self.reply(
            {
                "type": "atlas",
                "id": key,
                "rows": rows,
                "cols": cols,
                "bounds": list(atlas.bounds),
                "tiles": tiles.tiles,
                "features": tiles.features,
            },
            tiles.buffers,
        )

    def _direction_name(self, content: dict[str, Any], name: str) -> str:
        """A field naming one of the widget's directions."""
        known = list(self.widget.directions)
        listed = ", ".join(map(repr, known[:_LISTED])) + (", …" if len(known) > _LISTED else "")
        expected = f"the name of a direction ({listed})"
        value = fields.field(content, name, expected)
        if not isinstance(value, str) or value not in known:
            raise RequestError(
                f"{content['type']}: {name} must be {expected}; got {fields.shown(value)}."
            )
        return value

    # ------------------------------------------------------------------ groups and directions
    def _set_group(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        """*A = selection* / *B = selection*: the group becomes the selection as the kernel has
        it (it arrived first, in parts if large), so no group travels from the browser."""
        group = fields.field(content, "group", "'A' or 'B'")
        if group not in ("A", "B"):
            raise RequestError(f"set_group: group must be 'A' or 'B'; got {fields.shown(group)}.")
        self.widget.set_trait(f"_group_{group.lower()}", self.widget._selection)
        self.widget._remember_group(group)

    def _select_polygon(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        """A lasso on a map of a big table: the kernel selects among all its rows (the page
        holds only a sample) and writes back the sampled points inside."""
        expected = f"a list of 3 to {MAX_POLYGON:,} [x, y] map positions"
        vertices = fields.field(content, "vertices", expected)
        if (
            not isinstance(vertices, list)
            or not 3 <= len(vertices) <= MAX_POLYGON
            or not all(
                isinstance(v, list) and len(v) == 2 and all(map(finite_number, v)) for v in vertices
            )
        ):
            raise RequestError(
                f"select_polygon: vertices must be {expected}; got {fields.shown(vertices)}."
            )
        add = content.get("add", False)
        if not isinstance(add, bool):
            raise RequestError(
                f"select_polygon: add must be true or false; got {fields.shown(add)}."
            )
        self.widget.select_polygon(vertices, add)

    def _make_direction(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        text = fields.text(content, "name")
        name = text.strip()
        if not name:
            raise RequestError(
                f"make_direction: name must be a direction's name, not empty; got {text!r}."
            )
        groups = self.widget.groups
        a, b = len(groups["A"]), len(groups["B"])
        if a == 0 or b == 0:
            raise RequestError(f"make_direction: both groups need points; got A: {a}, B: {b}.")
        made = self.widget.direction_between(groups["A"], groups["B"], name)
        self.notice(
            f"direction {made.name!r} made from {a} and {b} points (quality {made.quality:.2f})"
        )

    def _thumbnails(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        key = fields.integer(content, "id")
        n = len(self.widget.latents)
        expected = f"a list of at most {MAX_THUMBNAILS} point indices (valid: 0..{n - 1})"
        points = fields.field(content, "points", expected)
        if (
            not isinstance(points, list)
            or len(points) > MAX_THUMBNAILS
            or not all(
                isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n for i in points
            )
        ):
            raise RequestError(
                f"thumbnails: points must be {expected}; got {fields.shown(points)}."
            )
        spec = self.widget._thumbnails
        if not spec:
            raise RequestError(
                "thumbnails: this map has no pictures (its points are not images, and its "
                "model decodes none)."
            )
        pixels = thumbnail_pixels(self.widget._space, np.asarray(points, dtype=np.intp))
        reply = {"type": "thumbnails", "id": key, "points": points}
        reply.update(width=spec["width"], height=spec["height"])
        self.reply(reply, [pixels.tobytes()])

    def _search(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        key = fields.integer(content, "id")
        query = fields.text(content, "query")
        found = self.widget.search(query)  # exactly what w.search(query) finds; mistakes: _refuse
        reply: dict[str, Any] = {
            "type": "search_result",
            "id": key,
            "query": query,
            "ok": True,
            "kind": found.kind,
            "count": len(found.points),
            "note": found.note,
        }
        if found.latent is not None:  # the encoded query, marked on the map
            x, y = (float(v) for v in self.widget.project(found.latent)[0])
            reply.update(x=x, y=y)
        # The points as uint32 in one buffer: a search may match a million labels.
        self.reply(reply, [found.points.astype("<u4").tobytes()])

    def _arithmetic(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        key = fields.integer(content, "id")
        expression = fields.text(content, "expression")
        result = self.widget.arithmetic(expression)  # a mistake is answered by _refuse
        mark = self.widget._add_mark(expression, result.vector)
        neighbors = [  # the widget's result names rows of the data
            {"label": label, "score": score, "row": int(row)}
            for (label, score), row in zip(result.neighbors, result.indices, strict=True)
        ]
        reply = {"type": "arithmetic_result", "id": key, "expression": expression}
        self.reply({**reply, "ok": True, "error": "", **mark, "neighbors": neighbors})

    # ------------------------------------------------------------------ selections in parts
    def _selection_part(self, content: dict[str, Any], buffers: list[Any]) -> None:
        """One part of a selection too large for one websocket message (Jupyter's server
        refuses those over 10 MiB): parts arrive in order; the last one sets ``_selection``.
        A part missing or out of order drops that selection; the previous one stays."""
        key, part, parts = (fields.integer(content, name) for name in ("id", "part", "parts"))
        if parts < 1:
            raise RequestError(f"selection_part: parts must be a positive integer; got {parts}.")
        if not 0 <= part < parts:
            raise RequestError(
                f"selection_part: part must be 0..{parts - 1} (of parts {parts}); got {part}."
            )
        if len(buffers) != 1:
            raise RequestError(
                "selection_part: a part carries one buffer of uint32 indices; got "
                f"{len(buffers)} buffers."
            )
        data = bytes(buffers[0])
        if part == 0:
            self._parts = (key, parts, [])
        else:
            expected_key, expected_parts, arrived = self._parts
            self._parts = (None, 0, [])  # whatever comes next, this selection is dropped…
            dropped = "(the selection is dropped, the previous one stays)"
            if expected_key is None:
                raise RequestError(
                    f"selection_part: expected part 0 of a new selection; got part {part} of "
                    f"selection {key} {dropped}."
                )
            if (expected_key, expected_parts, len(arrived)) != (key, parts, part):
                of = f" of {expected_parts} parts" if expected_parts != parts else ""
                raise RequestError(
                    f"selection_part: expected part {len(arrived)} of selection "
                    f"{expected_key}{of}; got part {part} of selection {key} {dropped}."
                )
            self._parts = (key, parts, arrived)  # …unless it is the next part
        if part < parts - 1 and len(data) % 4:  # the last part is checked with the whole
            self._parts = (None, 0, [])
            raise RequestError(
                f"selection_part: part {part} of selection {key} must hold whole uint32 values "
                f"(a multiple of 4 bytes); got {len(data)} bytes."
            )
        self._parts[2].append(data)
        if part == parts - 1:
            joined = b"".join(self._parts[2])
            self._parts = (None, 0, [])
            fields.check_sorted(joined)
            self.widget._selection = joined


# ---------------------------------------------------------------------- answers
_LISTED = 6  # direction names listed in a message; more are "…"


def _expected(error: Exception) -> bool:
    """Whether ``error`` is one of our own refusals (said as it is), not a fault (logged with
    its traceback): the plain errors our checks raise, latent_magic's own, and traits'."""
    return (
        type(error) in (ValueError, TypeError, KeyError)
        or isinstance(error, TraitError)
        or type(error).__module__.startswith("latent_magic.")
    )


def _preview_of(content: dict[str, Any], kind: str) -> dict[str, Any]:
    return {"type": "preview", "id": content.get("id"), "kind": kind}
