"""The page's requests (docs/protocol.md, browser → kernel): each is checked against the
protocol before anything acts on it, carried out through the widget's API, and answered to
the view that asked. Bad requests become a notice (or, for a preview the page waits for, a
preview message) and change nothing: no exception reaches the kernel from here."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from traitlets import TraitError

from ._renderers import Preview

if TYPE_CHECKING:
    from ._space import Distance
    from ._widget import LatentExplorer

_log = logging.getLogger("latent_magic")


class RequestError(ValueError):
    """A request that does not follow the protocol, or that cannot be carried out."""


def preview_message(
    preview: Preview, distance: Distance | None, title: str, exact: bool
) -> tuple[dict[str, Any], list[bytes]]:
    """The ``preview`` message (content, buffers) for one decoded spot or point."""
    content: dict[str, Any] = {"type": "preview", "title": title, "exact": exact}
    content["kind"] = preview.kind
    content["distance"] = (
        {"ratio": 0.0, "off_data": False}  # a data point is on the data
        if distance is None
        else {"ratio": distance.ratio, "off_data": distance.off_data}
    )
    content.update(preview.fields)
    return content, preview.buffers


class PageRequests:
    """Reads the page's requests for one widget (every view of it)."""

    def __init__(self, widget: LatentExplorer) -> None:
        self.widget = widget
        self._view: Any = None  # the view whose request is being answered
        self._parts: tuple[Any, list[bytes]] = (None, [])  # a selection arriving in parts
        self._handlers: dict[str, Callable[[dict[str, Any], list[Any]], None]] = {
            "decode": self._decode,
            "walk": self._walk,
            "set_anchor": self._set_anchor,
            "set_axes": self._set_axes,
            "pin": self._pin,
            "clear_pins": self._clear_pins,
            "pin_walk": self._pin_walk,
            "set_group": self._set_group,
            "make_direction": self._make_direction,
            "arithmetic": self._arithmetic,
            "selection_part": self._selection_part,
        }

    # ------------------------------------------------------------------ dispatch
    def handle(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        handler = self._handlers.get(kind) if isinstance(kind, str) else None
        if handler is None:
            _log.warning("latent_magic: unknown message from the front end: %r", kind)
            return
        # Replies go back to the view that asked: a widget shown twice has two views.
        self._view = content.get("view")
        try:
            handler(content, buffers)
        except (ValueError, TypeError, KeyError, IndexError, TraitError) as error:  # say why
            text = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
            if kind in ("decode", "walk"):  # the page waits for this id: answer it
                self.reply(Preview.message(str(text)).fields | _preview_of(content, "message"))
            else:
                self.notice(str(text), "error")

    def reply(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        if self._view is not None:
            content["view"] = self._view
        self.widget.send(content, buffers)

    def notice(self, text: str, level: str = "info") -> None:
        self.reply({"type": "notice", "level": level, "text": text})

    # ------------------------------------------------------------------ previews
    def _decode(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        x, y = _number(content, "x"), _number(content, "y")
        index = _point(content, "index", len(self.widget.latents))
        space = self.widget._space
        if index is None:
            preview, distance = space.preview_spot(x, y)
            title, exact = "empty space", space.projection.exact
        else:
            preview, distance = space.preview_point(index), None
            title, exact = space.point_title(index), True
        message, buffers = preview_message(preview, distance, title, exact)
        message.update(id=content.get("id"), index=index, x=x, y=y)
        self.reply(message, buffers)

    def _walk(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        axis = self.widget._direction(_text(content, "direction"))
        t = _number(content, "t")
        space = self.widget._space
        z = space.walk_latents(axis, np.array([t]))[0]
        preview, distance = space.preview_latent(z)
        message, buffers = preview_message(
            preview, distance, f"{axis.name} · t = {t:+.2f} SD", True
        )
        x, y = (float(v) for v in space.project(z)[0])
        message.update(id=content.get("id"), index=None, x=x, y=y, walk_xy=[x, y])
        self.reply(message, buffers)

    # ------------------------------------------------------------------ map state
    def _set_anchor(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        index = _point(content, "index", len(self.widget.latents))
        if index is None:
            self.widget.anchor = self.widget.lift(_number(content, "x"), _number(content, "y"))
        else:
            self.widget.anchor = self.widget.latents[index]

    def _set_axes(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        self.widget.set_axes(_text(content, "x"), _text(content, "y"))

    def _pin(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        self.widget.pin(_number(content, "x"), _number(content, "y"))

    def _clear_pins(self, _content: dict[str, Any], _buffers: list[Any]) -> None:
        self.widget.clear_pins()

    def _pin_walk(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        span = content.get("span", [-3.0, 3.0])
        if not isinstance(span, list) or len(span) != 2:
            raise RequestError(f"pin_walk: span must be [t0, t1]; got {span!r}.")
        t0, t1 = (_finite(v, "pin_walk: span") for v in span)
        steps = _integer(content, "steps", 9)
        strip = self.widget.walk(_text(content, "direction"), steps, (t0, t1))
        self.widget._add_pins(strip.latents)
        self.notice(f"pinned {len(strip.t)} steps along {strip.direction!r}, {strip.note}")

    # ------------------------------------------------------------------ groups and directions
    def _set_group(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        """*A = selection* / *B = selection*: the group becomes the selection as the kernel has
        it (it arrived first, in parts if large), so no group travels from the browser."""
        group = content.get("group")
        if group not in ("A", "B"):
            raise RequestError(f"set_group: group must be 'A' or 'B'; got {group!r}.")
        self.widget.set_trait(f"_group_{group.lower()}", self.widget._selection)

    def _make_direction(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        name = _text(content, "name").strip()
        if not name:
            raise RequestError("a new direction needs a name.")
        groups = self.widget.groups
        a, b = len(groups["A"]), len(groups["B"])
        if a == 0 or b == 0:
            raise RequestError(f"both groups need points; got A: {a}, B: {b}.")
        made = self.widget.direction_between(groups["A"], groups["B"], name)
        self.notice(
            f"direction {made.name!r} made from {a} and {b} points (quality {made.quality:.2f})"
        )

    def _arithmetic(self, content: dict[str, Any], _buffers: list[Any]) -> None:
        expression = _text(content, "expression")
        reply: dict[str, Any] = {"type": "arithmetic_result", "id": content.get("id")}
        reply["expression"] = expression
        try:
            result = self.widget.arithmetic(expression)
        except ValueError as error:
            self.reply({**reply, "ok": False, "error": str(error)})
            return
        mark = self.widget._add_mark(expression, result.vector)
        neighbors = [{"label": label, "score": score} for label, score in result.neighbors]
        self.reply({**reply, "ok": True, "error": "", **mark, "neighbors": neighbors})

    # ------------------------------------------------------------------ selections in parts
    def _selection_part(self, content: dict[str, Any], buffers: list[Any]) -> None:
        """One part of a selection too large for one websocket message (Jupyter's server
        refuses those over 10 MiB): parts arrive in order; the last one sets ``_selection``."""
        key, part, parts = content.get("id"), _integer(content, "part"), _integer(content, "parts")
        if not (0 <= part < parts and len(buffers) == 1):
            raise RequestError(f"a selection part must be one of {parts} with one buffer.")
        if part == 0:
            self._parts = (key, [])
        elif self._parts[0] != key or len(self._parts[1]) != part:
            self._parts = (None, [])  # a part went missing: wait for a whole one
            return
        self._parts[1].append(bytes(buffers[0]))
        if part == parts - 1:
            joined = b"".join(self._parts[1])
            self._parts = (None, [])
            self.widget._selection = joined


# ---------------------------------------------------------------------- fields
def _preview_of(content: dict[str, Any], kind: str) -> dict[str, Any]:
    return {"type": "preview", "id": content.get("id"), "kind": kind}


def _number(content: dict[str, Any], name: str) -> float:
    return _finite(content.get(name), f"{content.get('type')}: {name}")


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RequestError(f"{what} must be a finite number; got {value!r}.")
    return float(value)


def _integer(content: dict[str, Any], name: str, default: int | None = None) -> int:
    value = content.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"{content.get('type')}: {name} must be an integer; got {value!r}.")
    return value


def _text(content: dict[str, Any], name: str) -> str:
    value = content.get(name)
    if not isinstance(value, str):
        raise RequestError(f"{content.get('type')}: {name} must be a string; got {value!r}.")
    return value


def _point(content: dict[str, Any], name: str, n: int) -> int | None:
    value = content.get(name)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n:
        raise RequestError(f"there is no point {value!r} on this map (valid: 0..{n - 1}).")
    return value
