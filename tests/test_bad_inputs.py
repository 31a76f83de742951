"""Bad inputs get an answer that names what was expected and what came, and lose nothing:
arguments of ``explore`` and the widget's methods, and every request the page can send."""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
import pytest

import latent_magic
from latent_magic import ExploreOptions, ExpressionError, LatentModel, explore


@pytest.fixture
def widget(frontend, digits, digits_pca):
    X, y = digits
    return explore(digits_pca, data=X, labels=y, image_shape=(8, 8))


# ---------------------------------------------------------------------- image_shape
@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((7, 7), "image_shape (7, 7) holds 49 values, but PCA decodes 64 values per latent"),
        ((8, 8, 3), "image_shape (8, 8, 3) holds 192 values, but PCA decodes 64 values per latent"),
        ((8, 8, 2), "image_shape (8, 8, 2) has 2 channels; expected 1, 3 or 4"),
    ],
)
def test_an_image_shape_that_does_not_fit_the_decoded_output_is_refused(
    digits, digits_pca, shape, message
):
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        explore(digits_pca, data=digits[0], image_shape=shape)
    if shape != (8, 8, 2):
        assert str(caught.value).endswith(" (e.g. image_shape=(8, 8)).")


def test_an_image_shape_suggests_colour_channels_when_they_fit(frontend):
    Z = np.random.default_rng(0).normal(size=(40, 3))
    model = LatentModel(decode=lambda Z: np.tile(Z, 16), dim=3, name="rgb")  # 48 = 4·4·3
    expected = "holds 16 values, but rgb decodes 48 values per latent (e.g. image_shape=(4, 4, 3))"
    with pytest.raises(ValueError, match=re.escape(expected)):
        explore(model, data=Z, image_shape=(4, 4))
    assert explore(model, data=Z, image_shape=(4, 4, 3))._space.renderer.shape == (4, 4, 3)
    odd = LatentModel(decode=lambda Z: np.tile(Z, 16)[:, :47], dim=3, name="odd")
    expected = "odd decodes 47 values per latent; pass an image_shape that holds 47 values"
    with pytest.raises(ValueError, match=re.escape(expected) + ", or preview="):
        explore(odd, data=Z, image_shape=(4, 4))


# ---------------------------------------------------------------------- walks and positions
def test_a_position_that_is_not_finite_is_refused_by_name(widget):
    with pytest.raises(ValueError, match="x must be a finite map position; got nan"):
        widget.decode_at(float("nan"), 0)
    with pytest.raises(ValueError, match="y must be a finite map position; got inf"):
        widget.lift(0, float("inf"))
    with pytest.raises(TypeError, match="x must be a number \\(a map position\\); got '1'"):
        widget.pin("1", 0)
    assert widget.pins.shape == (0, 2)


def test_a_position_too_far_out_to_lift_is_refused(frontend):
    Z = np.random.default_rng(0).normal(size=(50, 3)) @ np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]])
    w = explore(LatentModel(encode=lambda X: X, decode=lambda Z: Z, dim=3), data=Z)
    far = 1.7e308  # finite, but the lifted latent's components add up beyond float64
    expected = "the map position (1.7e+308, 1.7e+308) lifts to a latent with inf or NaN values"
    with pytest.raises(ValueError, match=re.escape(expected) + ": it is too far out"):
        w.pin(far, far)
    assert w.pinned_vectors.shape == (0, 3)
    frontend.send(w, {"type": "decode", "id": 3, "x": far, "y": far, "index": None})
    reply = frontend.custom_messages()[-1][0]
    assert (reply["id"], reply["kind"]) == (3, "message")
    assert "decode: the map position (1.7e+308, 1.7e+308) lifts to a latent" in reply["text"]


def test_a_preview_far_from_the_data_says_so_in_finite_numbers(widget, frontend):
    frontend.send(widget, {"type": "decode", "id": 3, "x": 1e300, "y": 0.0, "index": None})
    reply = frontend.custom_messages()[-1][0]
    assert (reply["id"], reply["kind"]) == (3, "image")
    assert reply["distance"]["off_data"] is True
    assert np.isfinite(reply["distance"]["ratio"])  # JSON has no inf


SPAN = "span must be two finite numbers (t0, t1); got "
STEPS = "steps must be a positive integer; got "


@pytest.mark.parametrize(
    ("how", "error", "message"),
    [
        ({"span": (float("nan"), 1)}, ValueError, SPAN + "(nan, 1)."),
        ({"span": (0, float("inf"))}, ValueError, SPAN + "(0, inf)."),
        ({"span": ("a", 1)}, ValueError, SPAN + "('a', 1)."),
        ({"span": 1}, ValueError, SPAN + "1."),
        ({"span": "ab"}, ValueError, SPAN + "'ab'."),
        ({"span": (1, 2, 3)}, ValueError, SPAN + "(1, 2, 3)."),
        ({"span": (0, 10**400)}, ValueError, SPAN + "(0, 1000"),
        ({"steps": 2.5}, TypeError, STEPS + "2.5."),
        ({"steps": "3"}, TypeError, STEPS + "'3'."),
        ({"steps": True}, TypeError, STEPS + "True."),
        ({"steps": 0}, ValueError, STEPS + "0."),
        ({"span": (0, 1e308)}, ValueError, "the walk leaves the range of float64 numbers: 1e+308"),
    ],
)
def test_walk_arguments_are_checked_by_name(widget, how, error, message):
    with pytest.raises(error, match=re.escape(message)):
        widget.walk("PC 1", **how)
    assert widget.walk("PC 1", steps=np.int64(3), span=(np.float32(-1), 1)).latents.shape == (3, 16)


# ---------------------------------------------------------------------- labels
@pytest.mark.parametrize(
    ("bad_row", "label", "message"),
    [
        (0, (1, 2), r"the label of row 0 is a tuple, \(1, 2\)"),
        (5, [1, 2], r"the label of row 5 is a list, \[1, 2\]"),
        (1796, np.zeros(2), r"the label of row 1796 is a NumPy array, array\(\[0\., 0\.\]\)"),
    ],
)
def test_a_label_that_is_not_a_scalar_is_named_by_its_row(
    digits, digits_pca, bad_row, label, message
):
    X, y = digits
    labels: list[Any] = list(y)
    labels[bad_row] = label
    with pytest.raises(ValueError, match="labels must be one number or string per row; " + message):
        explore(digits_pca, data=X, labels=labels)


def test_labels_that_are_all_pairs_are_named_too(digits, digits_pca):
    X, y = digits
    with pytest.raises(ValueError, match=r"the label of row 0 is a tuple, \(0, 0\)"):
        explore(digits_pca, data=X, labels=[(int(v), int(v)) for v in y])
    with pytest.raises(ValueError, match=r"the label of row 0 is a NumPy array"):
        explore(digits_pca, data=X, labels=np.zeros((len(X), 2)))


# ---------------------------------------------------------------------- arithmetic
def test_deeply_nested_parentheses_are_refused_by_the_parser():
    table = {"a": np.array([1.0, 0.0]), "b": np.array([0.0, 1.0])}
    deep = "(" * 5000 + "a" + ")" * 5000
    with pytest.raises(ExpressionError, match="parentheses nested deeper than 100") as caught:
        latent_magic.arithmetic(table, deep)
    assert caught.value.position == 100  # the caret is under the first '(' too many
    _, shown, caret = str(caught.value).split("\n")
    assert len(shown) < 100  # a window around the caret, not 10,001 characters
    assert shown[caret.index("^")] == "("
    fine = "(" * 100 + "a - b" + ")" * 100
    np.testing.assert_allclose(latent_magic.arithmetic(table, fine).vector, [1.0, -1.0])


def test_deeply_nested_parentheses_from_the_page_get_an_answer(widget, frontend):
    deep = "(" * 5000 + "1" + ")" * 5000
    frontend.send(widget, {"type": "arithmetic", "id": 4, "expression": deep})
    reply = frontend.custom_messages()[-1][0]
    assert (reply["type"], reply["id"], reply["ok"]) == ("arithmetic_result", 4, False)
    assert "parentheses nested deeper than 100" in reply["error"]
    assert widget._marks == []


# ---------------------------------------------------------------------- options
@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"n_samples": "100"}, TypeError, "n_samples must be an integer (at least 1); got '100'"),
        ({"n_samples": 0}, ValueError, "n_samples must be at least 1; got 0"),
        ({"height": -10}, ValueError, "height must be at least 50; got -10"),
        ({"height": 300.0}, TypeError, "height must be an integer (at least 50); got 300.0"),
        ({"height": True}, TypeError, "height must be an integer (at least 50); got True"),
        ({"seed": -1}, ValueError, "seed must be at least 0; got -1"),
        ({"seed": "0"}, TypeError, "seed must be an integer (at least 0); got '0'"),
        ({"latent_dim": 0}, ValueError, "latent_dim must be at least 1; got 0"),
        ({"latent_dim": 2.5}, TypeError, "latent_dim must be an integer (at least 1); got 2.5"),
        ({"projection": 3}, TypeError, "projection must be a name such as 'pca' or 'tsne'; got"),
        ({"lift": "near"}, ValueError, "lift must be one of 'auto', 'local', 'affine'; got"),
    ],
)
def test_explore_options_are_checked_before_any_work(digits_pca, options, error, message):
    with pytest.raises(error, match=re.escape(message)):
        ExploreOptions(**options)
    never_read = object()  # checked before the data are looked at
    with pytest.raises(error, match=re.escape(message)):
        explore(digits_pca, data=never_read, **options)


# ---------------------------------------------------------------------- the page's requests
@pytest.fixture
def busy(widget):
    """A widget with some of every piece of state a request could spoil."""
    widget.selected_indices = [3, 5, 7]
    widget.groups = {"A": [1, 2], "B": [8, 9]}
    widget.pin(1.0, -1.0)
    widget.set_axes("PC 1", "PC 3")
    widget.anchor = widget.latents[10]
    return widget


def snapshot(w) -> dict[str, Any]:
    return {
        "selection": w.selected_indices.tolist(),
        "groups": {k: v.tolist() for k, v in w.groups.items()},
        "pins": w.pins.tolist(),
        "pinned": w.pinned_vectors.tolist(),
        "anchor": w.anchor.tolist(),
        "axes": list(w._axes),
        "points": w.points.tobytes(),
        "directions": list(w.directions),
        "marks": list(w._marks),
    }


TOO_LARGE = 10**10  # a point index no map has
BAD_REQUESTS = [
    # (request, the words the reply must hold)
    (
        {"type": "decode", "id": 1, "y": 0.0, "index": None},
        "decode: x must be a finite number; the field is missing.",
    ),
    (
        {"type": "decode", "id": 1, "x": "1", "y": 0.0, "index": None},
        "decode: x must be a finite number; got '1'.",
    ),
    (
        {"type": "decode", "id": 1, "x": 0.0, "y": float("nan"), "index": None},
        "decode: y must be a finite number; got nan.",
    ),
    (
        {"type": "decode", "id": 1, "x": 0.0, "y": 0.0, "index": "3"},
        "decode: index must be a point index (valid: 0..1796) or null; got '3'.",
    ),
    (
        {"type": "decode", "id": 1, "x": 0.0, "y": 0.0, "index": float("inf")},
        "decode: index must be a point index (valid: 0..1796) or null; got inf.",
    ),
    (
        {"type": "decode", "id": 1, "x": 0.0, "y": 0.0, "index": 1e300},
        "decode: index must be a point index (valid: 0..1796) or null; got 1e+300.",
    ),
    (
        {"type": "decode", "id": 1, "x": 0.0, "y": 0.0, "index": 2.5},
        "decode: index must be a point index (valid: 0..1796) or null; got 2.5.",
    ),
    (
        {"type": "decode", "id": 1, "x": 0.0, "y": 0.0, "index": TOO_LARGE},
        f"got {TOO_LARGE}: there is no point {TOO_LARGE} on this map.",
    ),
    (
        {"type": "decode", "id": 1, "x": 0.0, "y": 0.0},
        "decode: index must be a point index (valid: 0..1796) or null; the field is missing.",
    ),
    (
        {"type": "decode", "id": "1", "x": 0.0, "y": 0.0, "index": None},
        "decode: id must be an integer; got '1'.",
    ),
    (
        {"type": "walk", "id": 1, "direction": "PC 1", "t": 1e308},
        (
            "walk: the walk leaves the range of float64 numbers: 1e+308 standard deviations "
            "along 'PC 1' is too far; walk a shorter span."
        ),
    ),
    (
        {"type": "walk", "id": 1, "t": 1.0},
        "walk: direction must be the name of a direction ('PC 1', 'PC 2', ",
    ),
    (
        {"type": "walk", "id": 1, "direction": "nope", "t": 1.0},
        "walk: direction must be the name of a direction ('PC 1', ",
    ),
    ({"type": "walk", "id": 1, "direction": 3, "t": 1.0}, "…); got 3."),
    (
        {"type": "walk", "id": 1, "direction": "PC 1", "t": "a"},
        "walk: t must be a finite number; got 'a'.",
    ),
    (
        {"type": "walk", "id": 1, "direction": "PC 1"},
        "walk: t must be a finite number; the field is missing.",
    ),
    (
        {"type": "set_anchor", "index": None, "y": 0.0},
        "set_anchor: x must be a finite number; the field is missing.",
    ),
    (
        {"type": "set_anchor", "index": -1, "x": 0.0, "y": 0.0},
        "set_anchor: index must be a point index (valid: 0..1796) or null; got -1",
    ),
    ({"type": "set_anchor", "index": True, "x": 0.0, "y": 0.0}, "or null; got True."),
    (
        {"type": "set_anchor", "index": 3, "x": "0", "y": 0.0},
        "set_anchor: x must be a finite number; got '0'.",
    ),
    ({"type": "set_axes", "x": "PC 1"}, "set_axes: y must be the name of a direction ('PC 1', "),
    ({"type": "set_axes", "x": "PC 1", "y": 2}, "…); got 2."),
    ({"type": "set_axes", "x": "PC 1", "y": "nope"}, "…); got 'nope'."),
    (
        {"type": "set_axes", "x": "PC 2", "y": "PC 2"},
        "set_axes: axes 'PC 2' and 'PC 2' point along the same line",
    ),
    ({"type": "pin", "x": 1.0}, "pin: y must be a finite number; the field is missing."),
    ({"type": "pin", "x": [1.0], "y": 1.0}, "pin: x must be a finite number; got [1.0]."),
    ({"type": "pin", "x": 1.0, "y": 1.0, "view": 7}, "pin: view must be a string; got 7."),
    ({"type": "pin", "x": 10**400, "y": 1.0}, "pin: x must be a finite number; got 1000000"),
    ({"type": "clear_pins", "view": ["v"]}, "clear_pins: view must be a string; got ['v']."),
    (
        {"type": "pin_walk", "direction": "PC 1", "steps": 2.5, "span": [-1, 1]},
        "pin_walk: steps must be an integer; got 2.5.",
    ),
    (
        {"type": "pin_walk", "direction": "PC 1", "steps": "3", "span": [-1, 1]},
        "pin_walk: steps must be an integer; got '3'.",
    ),
    (
        {"type": "pin_walk", "direction": "PC 1", "steps": 0, "span": [-1, 1]},
        "pin_walk: steps must be a positive integer; got 0.",
    ),
    (
        {"type": "pin_walk", "direction": "PC 1", "span": [-1, 1]},
        "pin_walk: steps must be an integer; the field is missing.",
    ),
    (
        {"type": "pin_walk", "direction": "PC 1", "steps": 3, "span": "a"},
        "pin_walk: span must be [t0, t1], two finite numbers; got 'a'.",
    ),
    (
        {"type": "pin_walk", "direction": "PC 1", "steps": 3, "span": [0, None]},
        "pin_walk: span must be [t0, t1], two finite numbers; got [0, None].",
    ),
    (
        {"type": "pin_walk", "direction": "PC 1", "steps": 3},
        "pin_walk: span must be [t0, t1], two finite numbers; the field is missing.",
    ),
    (
        {"type": "pin_walk", "direction": "PC 1", "steps": 3, "span": [0, 1e308]},
        "pin_walk: the walk leaves the range of float64",
    ),
    (
        {"type": "pin_walk", "direction": "nope", "steps": 3, "span": [-1, 1]},
        "pin_walk: direction must be the name of a direction",
    ),
    ({"type": "set_group"}, "set_group: group must be 'A' or 'B'; the field is missing."),
    ({"type": "set_group", "group": "a"}, "set_group: group must be 'A' or 'B'; got 'a'."),
    ({"type": "set_group", "group": 1}, "set_group: group must be 'A' or 'B'; got 1."),
    ({"type": "make_direction"}, "make_direction: name must be a string; the field is missing."),
    ({"type": "make_direction", "name": 3}, "make_direction: name must be a string; got 3."),
    (
        {"type": "make_direction", "name": "  "},
        "make_direction: name must be a direction's name, not empty; got '  '.",
    ),
    ({"type": "arithmetic", "id": 2}, "arithmetic: expression must be a string; the field is"),
    (
        {"type": "arithmetic", "id": 2, "expression": 3},
        "arithmetic: expression must be a string; got 3.",
    ),
    (
        {"type": "arithmetic", "id": "2", "expression": "1"},
        "arithmetic: id must be an integer; got '2'.",
    ),
    (
        {"type": "explode"},
        "unknown request type 'explode'; expected one of decode, walk, set_anchor",
    ),
    ({"view": "v"}, "a request needs a type (one of decode, walk, "),
    ({"type": 3}, "a request's type must be one of decode, walk, set_anchor, set_axes, pin, "),
]


@pytest.mark.parametrize(("request_", "words"), BAD_REQUESTS, ids=lambda r: str(r)[:60])
def test_a_bad_request_is_answered_and_changes_nothing(busy, frontend, request_, words):
    before = snapshot(busy)
    frontend.send(busy, request_)
    reply = frontend.custom_messages()[-1][0]
    kind = request_.get("type")
    if kind in ("decode", "walk"):  # the page waits for this id: a preview answers it
        assert (reply["type"], reply["kind"], reply["id"]) == ("preview", "message", request_["id"])
        text = reply["text"]
    elif kind == "arithmetic":  # answered in the box where it was typed
        assert (reply["type"], reply["ok"]) == ("arithmetic_result", False)
        assert reply["id"] == request_["id"]
        text = reply["error"]
    else:
        assert (reply["type"], reply["level"]) == ("notice", "error")
        text = reply["text"]
    assert words in text
    assert snapshot(busy) == before


@pytest.mark.parametrize("content", [[1, 2], "decode", None, 7], ids=["list", "str", "none", "int"])
def test_a_request_that_is_not_an_object_gets_a_notice(busy, frontend, content):
    before = snapshot(busy)
    busy._requests.handle(busy, content, [])
    reply = frontend.custom_messages()[-1][0]
    assert (reply["type"], reply["level"]) == ("notice", "error")
    expected = f"a request must be an object with a type; got {type(content).__name__}"
    assert reply["text"].startswith(expected)
    assert snapshot(busy) == before


def test_good_requests_still_work_after_the_checks(busy, frontend):
    frontend.send(busy, {"type": "decode", "id": 5, "x": 0.5, "y": 0.5, "index": 3.0, "view": "v"})
    reply = frontend.custom_messages()[-1][0]
    assert (reply["kind"], reply["index"], reply["view"]) == ("image", 3, "v")
    frontend.send(busy, {"type": "pin_walk", "direction": "PC 2", "steps": 3, "span": [-1, 1]})
    assert len(busy.pins) == 4
    frontend.send(busy, {"type": "set_group", "group": "B"})
    assert busy.groups["B"].tolist() == [3, 5, 7]
    frontend.send(busy, {"type": "make_direction", "name": "a_from_b"})
    assert "a_from_b" in busy.directions
    frontend.send(busy, {"type": "set_axes", "x": "a_from_b", "y": "PC 2"})
    assert busy._axes == ["a_from_b", "PC 2"]
    frontend.send(busy, {"type": "clear_pins"})
    assert busy.pins.shape == (0, 2)


def part(frontend, widget, key, k, parts, buffer):
    frontend.send(
        widget, {"type": "selection_part", "id": key, "part": k, "parts": parts}, [buffer]
    )


def indices(*values):
    return np.array(values, "<u4").tobytes()


@pytest.mark.parametrize(
    ("parts", "words"),
    [
        ([(1, 0, 1, b"\x01" * 5)], "expects uint32 values of shape (n,); got 5 bytes"),
        (
            [(1, 0, 2, b"\x01" * 5)],
            (
                "selection_part: part 0 of selection 1 must hold whole uint32 values (a multiple "
                "of 4 bytes); got 5 bytes"
            ),
        ),
        (
            [(1, 0, 3, indices(1)), (1, 2, 3, indices(2))],
            (
                "selection_part: expected part 1 of selection 1; got part 2 of selection 1 (the "
                "selection is dropped, the previous one stays)."
            ),
        ),
        (
            [(1, 1, 2, indices(1))],
            "selection_part: expected part 0 of a new selection; got part 1 of selection 1",
        ),
        (
            [(1, 0, 2, indices(1)), (2, 1, 2, indices(2))],
            "selection_part: expected part 1 of selection 1; got part 1 of selection 2",
        ),
        ([(1, 2, 2, indices(1))], "selection_part: part must be 0..1 (of parts 2); got 2."),
        ([(1, 0, 0, indices(1))], "selection_part: parts must be a positive integer; got 0."),
        ([(1, "0", 1, indices(1))], "selection_part: part must be an integer; got '0'."),
        ([(None, 0, 1, indices(1))], "selection_part: id must be an integer; got None."),
        (
            [(1, 0, 1, indices(5, 3))],
            (
                "selection_part: the indices must be sorted ascending and unique; index 1 (3) "
                "follows 5."
            ),
        ),
        ([(1, 0, 1, indices(4, 4))], "index 1 (4) follows 4."),
    ],
)
def test_a_bad_selection_part_is_answered_and_the_selection_kept(busy, frontend, parts, words):
    before = snapshot(busy)
    for key, k, n, buffer in parts:
        part(frontend, busy, key, k, n, buffer)
    reply = frontend.custom_messages()[-1][0]
    assert (reply["type"], reply["level"]) == ("notice", "error")
    assert words in reply["text"]
    assert snapshot(busy) == before


def test_a_selection_part_needs_exactly_one_buffer(busy, frontend):
    content = {"type": "selection_part", "id": 1, "part": 0, "parts": 1}
    for buffers in ([], [indices(1), indices(2)]):
        frontend.send(busy, content, buffers)
        reply = frontend.custom_messages()[-1][0]
        assert f"one buffer of uint32 indices; got {len(buffers)} buffers" in reply["text"]
    assert busy.selected_indices.tolist() == [3, 5, 7]
    # A whole selection in parts still arrives after refused ones.
    part(frontend, busy, 9, 0, 2, indices(1, 2))
    part(frontend, busy, 9, 1, 2, indices(4))
    assert busy.selected_indices.tolist() == [1, 2, 4]


@pytest.mark.parametrize(
    "error",
    [
        RecursionError("deep"),
        OverflowError("big"),
        np.linalg.LinAlgError("singular"),
        FloatingPointError("nan"),
        RuntimeError("boom"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_no_exception_of_a_handler_reaches_the_kernel(busy, frontend, monkeypatch, caplog, error):
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    before = snapshot(busy)
    monkeypatch.setattr(busy, "set_axes", fail)
    monkeypatch.setattr(busy._space, "preview_spot", fail)
    monkeypatch.setattr(busy, "arithmetic", fail)
    name = type(error).__name__
    with caplog.at_level(logging.ERROR, logger="latent_magic"):
        busy._requests.handle(busy, {"type": "set_axes", "x": "PC 1", "y": "PC 2"}, [])
        notice = frontend.custom_messages()[-1][0]
        assert (notice["type"], notice["level"]) == ("notice", "error")
        assert notice["text"] == f"set_axes failed: {name}: {error}"
        busy._requests.handle(busy, {"type": "decode", "id": 6, "x": 0, "y": 0, "index": None}, [])
        reply = frontend.custom_messages()[-1][0]
        assert (reply["id"], reply["kind"]) == (6, "message")
        assert reply["text"] == f"decode failed: {name}: {error}"
        busy._requests.handle(busy, {"type": "arithmetic", "id": 2, "expression": "a"}, [])
        reply = frontend.custom_messages()[-1][0]
        assert (reply["type"], reply["ok"]) == ("arithmetic_result", False)
        assert reply["error"] == f"arithmetic failed: {name}: {error}"
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[1] is error]
    assert len(logged) == 3  # unexpected: logged with the traceback, not only shown
    assert snapshot(busy) == before


def test_a_strip_too_long_to_pin_is_refused(digits_pca, digits, frontend):
    w = explore(digits_pca, data=digits[0], image_shape=(8, 8))
    request = {"type": "pin_walk", "direction": "PC 1", "steps": 10**9, "span": [-3, 3]}
    frontend.send(w, request)
    notice = frontend.custom_messages()[-1][0]
    assert notice["level"] == "error"
    assert "pin_walk: steps must be at most 1000; got 1000000000" in notice["text"]
    assert w.pins.shape == (0, 2)
