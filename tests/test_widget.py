"""The widget's kernel side, with the browser simulated through the comm."""

import dataclasses
import importlib.metadata
import inspect
from pathlib import Path

import ipywidgets
import numpy as np
import pytest
import traitlets
from previews import shown_pixels
from sklearn.decomposition import PCA, KernelPCA

import latent_magic
from latent_magic import LatentExplorer, explore


@pytest.fixture
def widget(frontend, digits, digits_pca):
    X, y = digits
    return explore(digits_pca, data=X, labels=y, image_shape=(8, 8))


def last_preview(frontend):
    content, buffers = frontend.custom_messages()[-1]
    assert content["type"] == "preview"
    return content, buffers


def test_explore_maps_every_row_with_binary_state(widget, digits, digits_pca):
    X, y = digits
    assert isinstance(widget, LatentExplorer)
    assert widget.latents.shape == (1797, 16)
    assert widget.latents.dtype == np.float32
    np.testing.assert_allclose(widget.latents, digits_pca.transform(X), rtol=1e-5, atol=1e-4)
    assert widget.points.shape == (1797, 2)
    assert widget.get_state("_points")["_points"].nbytes == 1797 * 2 * 4  # float32 pairs, not JSON
    assert widget._code_width == 1
    assert widget._legend["names"] == [str(d) for d in range(10)]
    codes = np.frombuffer(widget._codes, np.uint8)
    assert widget._legend["names"][codes[0]] == str(y[0])
    assert widget._decoder == {
        "can_decode": True,
        "exact": True,
        "reason": "",
        "lift": "affine",
        "neighbors": False,
    }
    assert widget._status.startswith("1,797 points")


def test_default_map_is_the_top_two_principal_axes(widget):
    Z = widget.latents.astype(np.float64)
    centred = Z - Z.mean(axis=0)
    axes = np.linalg.svd(centred, full_matrices=False)[2][:2]  # top two, unit rows
    expected = centred @ axes.T
    P = widget.points.astype(np.float64)
    for k in range(2):  # each map axis is one principal axis, up to sign
        sign = np.sign(P[:, k] @ expected[:, k])
        np.testing.assert_allclose(P[:, k], sign * expected[:, k], atol=1e-3)


def test_lift_and_project_are_exact_and_decode_at_uses_the_model(widget, digits_pca):
    for x, y in [(0.0, 0.0), (12.5, -7.25), (-40.0, 33.0)]:
        z = widget.lift(x, y)
        assert z.shape == (16,)
        np.testing.assert_allclose(widget.project(z[None]), [[x, y]], atol=1e-9)
        np.testing.assert_allclose(widget.decode_at(x, y), digits_pca.inverse_transform(z[None])[0])


def test_off_plane_components_equal_the_anchor(widget):
    anchor = widget.latents[42]
    widget.anchor = anchor
    np.testing.assert_allclose(
        widget.project(widget.anchor), widget.project(anchor[None]), atol=1e-5
    )
    z = widget.lift(3.0, 4.0)
    basis = widget._space.projection.basis
    q, _ = np.linalg.qr(basis.T)
    np.testing.assert_allclose(z - q @ (q.T @ z), anchor - q @ (q.T @ anchor), atol=1e-5)
    assert widget._anchor_xy == pytest.approx(widget.project(anchor[None])[0].tolist(), abs=1e-5)


def test_a_lasso_from_the_browser_reaches_python_with_vectors(widget, frontend):
    seen = []
    widget.on_select(seen.append)
    chosen = np.array([3, 10, 500, 1796], dtype="<u4")
    frontend.update(widget, _selection=chosen.tobytes())
    assert widget.selected_indices.tolist() == [3, 10, 500, 1796]
    np.testing.assert_array_equal(widget.selected_vectors, widget.latents[chosen])
    assert [s.tolist() for s in seen] == [[3, 10, 500, 1796]]


def test_a_selection_too_large_for_one_message_arrives_in_parts(widget, frontend):
    seen = []
    widget.on_select(seen.append)
    chosen = np.arange(0, 1797, 3, dtype="<u4")
    parts = np.array_split(chosen, 3)
    for k, part in enumerate(parts):
        assert widget.selected_indices.size == 0, "nothing is set before the last part"
        message = {"type": "selection_part", "id": 4, "part": k, "parts": 3}
        frontend.send(widget, message, [part.tobytes()])
    assert widget.selected_indices.tolist() == chosen.tolist()
    assert len(seen) == 1
    # A part that goes missing drops that selection; the one before stays.
    frontend.send(widget, {"type": "selection_part", "id": 5, "part": 0, "parts": 2}, [b"\0" * 4])
    frontend.send(widget, {"type": "selection_part", "id": 6, "part": 1, "parts": 2}, [b"\0" * 4])
    assert widget.selected_indices.tolist() == chosen.tolist()
    # A malformed part is refused with a notice, and changes nothing.
    frontend.send(widget, {"type": "selection_part", "id": 7, "part": 3, "parts": 2}, [b""])
    notices = [c for c, _ in frontend.custom_messages() if c.get("type") == "notice"]
    assert notices[-1]["level"] == "error"
    assert "selection_part: part must be 0..1 (of parts 2); got 3." in notices[-1]["text"]
    assert widget.selected_indices.tolist() == chosen.tolist()


def test_setting_the_selection_from_python_updates_the_map(widget, frontend):
    widget.selected_indices = [7, 2, 2]
    assert np.frombuffer(widget._selection, "<u4").tolist() == [2, 7]
    sent_updates = [d for d, _ in frontend.sent if d.get("method") == "update"]
    # Binary state travels as a buffer, not inside the JSON state.
    assert any(["_selection"] in d["buffer_paths"] for d in sent_updates)
    widget.selected_indices = []
    assert widget.selected_indices.size == 0


def test_a_bad_selection_is_refused_and_the_old_one_kept(widget):
    widget.selected_indices = [1, 2]
    with pytest.raises(ValueError, match=r"rows \[5000\] are not on the map \(valid: 0..1796"):
        widget.selected_indices = [1, 5000]
    with pytest.raises(ValueError, match="1-D array of integer row numbers"):
        widget.selected_indices = [0.5]
    assert widget.selected_indices.tolist() == [1, 2]


def test_a_failing_callback_is_shown_in_the_widget(widget, frontend):
    def broken(indices):
        raise RuntimeError("boom")

    widget.on_select(broken)
    frontend.update(widget, _selection=np.array([1], "<u4").tobytes())
    assert "on_select callback failed: RuntimeError: boom" in widget._status
    assert widget.selected_indices.tolist() == [1]


def test_pins_keep_the_vector_they_were_lifted_to(widget, frontend):
    frontend.send(widget, {"type": "pin", "x": 1.5, "y": -2.0, "view": "v1"})
    np.testing.assert_array_equal(widget.pinned_vectors, widget.lift(1.5, -2.0)[None])
    lifted_before = widget.pinned_vectors[0].copy()
    widget.anchor = widget.latents[0]
    widget.pin(3.0, 4.0)  # Python pins the same way the page asks
    np.testing.assert_array_equal(widget.pinned_vectors[0], lifted_before)
    np.testing.assert_array_equal(widget.pinned_vectors[1], widget.lift(3.0, 4.0))
    np.testing.assert_array_equal(widget.pins, [[1.5, -2.0], [3.0, 4.0]])
    # The kernel writes the positions every view draws, exactly where they were asked.
    state = np.frombuffer(widget.get_state("_pins")["_pins"], "<f8").reshape(-1, 2)
    np.testing.assert_array_equal(state, widget.pins)
    frontend.send(widget, {"type": "clear_pins", "view": "v1"})
    assert widget.pinned_vectors.shape == (0, 16)
    assert widget.pins.shape == (0, 2)


def test_bad_pin_requests_are_refused_and_keep_the_pins(widget, frontend):
    widget.pin(1.0, 1.0)
    for bad in [{"x": float("nan"), "y": 0.0}, {"x": "1", "y": 0.0}, {"y": 0.0}]:
        frontend.send(widget, {"type": "pin", **bad})
        notice = frontend.custom_messages()[-1][0]
        assert (notice["type"], notice["level"]) == ("notice", "error")
        assert "pin: x must be a finite number" in notice["text"]
    np.testing.assert_array_equal(widget.pins, [[1.0, 1.0]])
    assert widget.pinned_vectors.shape == (1, 16)
    with pytest.raises(ValueError, match="x must be a finite map position; got nan"):
        widget.pin(float("nan"), 0.0)
    assert widget.pinned_vectors.shape == (1, 16)


def test_hovering_empty_space_replies_with_the_decoded_image(widget, frontend, digits_pca):
    frontend.send(widget, {"type": "decode", "id": 7, "x": 5.0, "y": -3.0, "index": None})
    content, buffers = last_preview(frontend)
    assert content["id"] == 7
    assert (content["kind"], content["title"], content["exact"]) == ("image", "empty space", True)
    pixels = shown_pixels(content, buffers[0])
    assert pixels.shape == (8, 8)
    expected = digits_pca.inverse_transform(widget.lift(5.0, -3.0)[None])[0].reshape(8, 8)
    scaled = np.clip(expected / 16.0, 0, 1) * 255
    np.testing.assert_allclose(pixels, scaled, atol=1)


def test_hovering_a_point_previews_its_own_latent_with_its_label(widget, frontend, digits):
    frontend.send(widget, {"type": "decode", "id": 8, "x": 0.0, "y": 0.0, "index": 12})
    content, buffers = last_preview(frontend)
    assert content["title"] == f"{digits[1][12]} · row 12"
    assert content["index"] == 12
    # The data point's input (left), a gap, and its own latent decoded (right; not the lift
    # of its position): PCA reconstructs its data as an autoencoder does.
    X = digits[0]
    own = widget.model.decode(widget.latents[12:13])[0].reshape(8, 8)
    shown = shown_pixels(content, buffers[0])
    assert shown.shape == (8, 17, 4)
    assert (shown[:, 8, 3] == 0).all()  # the gap
    np.testing.assert_allclose(
        shown[:, :8, 0], np.clip(X[12].reshape(8, 8) / 16, 0, 1) * 255, atol=1
    )
    np.testing.assert_allclose(shown[:, 9:, 0], np.clip(own / 16, 0, 1) * 255, atol=1)
    error = float(np.mean((X[12] - own.ravel()) ** 2))
    assert content["reconstruction_error"] == pytest.approx(error)
    assert content["note"] == f"input | reconstruction · mean squared error {error:.4g}"


def test_a_bad_point_index_gets_a_message(widget, frontend):
    frontend.send(widget, {"type": "decode", "id": 9, "x": 0.0, "y": 0.0, "index": 10**6})
    content, _ = last_preview(frontend)
    assert content["kind"] == "message"
    assert "no point 1000000" in content["text"]


def test_set_anchor_from_the_map(widget, frontend):
    frontend.send(widget, {"type": "set_anchor", "index": 5, "x": 0, "y": 0})
    np.testing.assert_allclose(widget.anchor, widget.latents[5])
    frontend.send(widget, {"type": "set_anchor", "index": None, "x": 2.0, "y": 1.0})
    np.testing.assert_allclose(widget.project(widget.anchor), [[2.0, 1.0]], atol=1e-9)


def test_a_bad_anchor_is_refused_and_the_old_one_kept(widget):
    before = widget.anchor
    with pytest.raises(ValueError, match=r"shape \(16,\); got shape \(3,\)"):
        widget.anchor = [1, 2, 3]
    np.testing.assert_array_equal(widget.anchor, before)


def test_nan_rows_are_left_out_but_indices_stay_the_users(frontend, digits, digits_pca):
    X, y = digits
    X = X.copy()
    X[[4, 9]] = np.nan
    with pytest.warns(UserWarning, match="2 of 1797 rows"):
        w = explore(digits_pca, data=X, labels=y)
    assert w.latents.shape == (1795, 16)
    assert "2 rows left out (NaN or inf)" in w._status
    w.selected_indices = [3, 10]
    assert w.selected_indices.tolist() == [3, 10]
    np.testing.assert_allclose(w.selected_vectors, digits_pca.transform(X[[3, 10]]), atol=1e-4)
    with pytest.raises(ValueError, match=r"rows \[4\] are not on the map"):
        w.selected_indices = [4]


def test_records_preview_without_an_image_shape(frontend):
    import pandas as pd

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(50, 3)) * [10, 5, 1] + [170, 70, 0], columns=["h", "w", "z"])
    w = explore(PCA(2).fit(df), data=df)
    frontend.send(w, {"type": "decode", "id": 1, "x": 1.0, "y": 0.0, "index": None})
    content, _ = last_preview(frontend)
    assert content["kind"] == "record"
    assert [f["name"] for f in content["features"]] == ["h", "w", "z"]


def test_a_model_that_cannot_decode_still_maps_and_says_why(frontend, digits):
    X = digits[0][:300]
    w = explore(KernelPCA(n_components=4).fit(X), data=X)
    assert w.points.shape == (300, 2)
    assert w._decoder["can_decode"] is False
    assert "fit_inverse_transform=True" in w._decoder["reason"]
    frontend.send(w, {"type": "decode", "id": 1, "x": 0.0, "y": 0.0, "index": 3})
    content, _ = last_preview(frontend)
    assert content["kind"] == "message"
    assert "fit_inverse_transform=True" in content["text"]


def test_errors_in_a_preview_function_are_shown_not_swallowed(frontend, digits, digits_pca):
    def broken(output):
        raise ZeroDivisionError("bad figure")

    w = explore(digits_pca, data=digits[0], preview=broken)
    frontend.send(w, {"type": "decode", "id": 3, "x": 0.0, "y": 0.0, "index": None})
    content, _ = last_preview(frontend)
    assert content["text"] == "preview failed: ZeroDivisionError: bad figure"


def test_unknown_keyword_arguments_raise_type_error(digits, digits_pca):
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        explore(digits_pca, data=digits[0], colour="red")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"data": None}, ValueError, r"needs data= to place on the map"),
        ({"data": np.zeros((3, 5))}, ValueError, "fitted on 64 features, but data has 5"),
        ({"labels": [1, 2]}, ValueError, r"one value per row of data \(1797 rows\); got 2"),
        ({"image_shape": (8,)}, ValueError, r"image_shape must be \(H, W\)"),
        ({"preview": "nope"}, TypeError, "preview must be a function"),
    ],
)
def test_bad_arguments_are_explained(digits, digits_pca, kwargs, error, message):
    args = {"data": digits[0], **kwargs}
    with pytest.raises(error, match=message):
        explore(digits_pca, **args)


def test_the_widget_embeds_like_any_ipywidget(widget):
    box = ipywidgets.VBox([ipywidgets.HTML("<b>digits</b>"), widget])
    assert box.children[1] is widget
    data, _metadata = widget._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id


def test_the_public_api_is_small_and_every_other_module_private():
    assert set(latent_magic.__all__) == {
        "ArithmeticResult",
        "Atlas",
        "CannotDecodeError",
        "Direction",
        "DirectionGrid",
        "ExploreOptions",
        "ExpressionError",
        "Interpolation",
        "LatentExplorer",
        "LatentModel",
        "SearchResult",
        "Walk",
        "__version__",
        "adapt",
        "arithmetic",
        "closed_form_directions",
        "direction",
        "explore",
        "load_ipython_extension",
        "principal_directions",
        "register_adapter",
    }
    for name in latent_magic.__all__:
        assert getattr(latent_magic, name) is not None
    package = Path(latent_magic.__file__).parent
    modules = {p.stem for p in package.glob("*.py")} - {"__init__"}
    assert modules, package
    assert all(m.startswith("_") for m in modules), sorted(modules)
    assert latent_magic.__version__ == importlib.metadata.version("latent_magic")


def test_explore_names_every_option_and_refuses_unknown_ones(digits, digits_pca):
    shown = inspect.signature(latent_magic.explore).parameters
    assert {f.name for f in dataclasses.fields(latent_magic.ExploreOptions)} <= set(shown)
    with pytest.raises(TypeError, match=r"argument 'hieght'\. Did you mean 'height'"):
        explore(digits_pca, data=digits[0], hieght=300)


def test_a_selection_part_that_is_not_whole_uint32_values_is_refused(widget, frontend):
    widget.selected_indices = [3, 5]
    frontend.send(widget, {"type": "selection_part", "id": 1, "part": 0, "parts": 1}, [b"\x01" * 5])
    notice = frontend.custom_messages()[-1][0]
    assert notice["level"] == "error"
    assert "expects uint32 values of shape (n,); got 5 bytes" in notice["text"]
    assert widget.selected_indices.tolist() == [3, 5]  # nothing stored, still readable


def test_binary_traits_refuse_what_does_not_fit_and_say_so(widget):
    with pytest.raises(traitlets.TraitError, match=r"'_pins' .* float64 values of shape \(n, 2\)"):
        widget._pins = np.zeros((3, 3))
    with pytest.raises(traitlets.TraitError, match="int64 values that do not fit uint32"):
        widget._selection = np.array([-1, 2])
    assert widget.pins.shape == (0, 2)
    widget._selection = np.array([2, 7])  # int64 row numbers that fit are taken
    assert widget._selection.dtype == np.dtype("<u4")


def test_the_page_writes_only_the_selection(widget, frontend):
    widget.pin(1.0, 2.0)
    widget.selected_indices = [4]
    groups, anchor_xy = widget.groups, list(widget._anchor_xy)
    stale = np.array([[9.0, 9.0], [8.0, 8.0]], "<f8").tobytes()
    frontend.update(widget, _pins=stale, _group_a=np.array([1, 2], "<u4").tobytes(), height=99)
    notice = frontend.custom_messages()[-1][0]
    assert notice["level"] == "error"
    assert "_group_a, _pins, height belong to the kernel" in notice["text"]
    np.testing.assert_array_equal(widget.pins, [[1.0, 2.0]])  # pins and vectors still agree
    assert widget.pinned_vectors.shape == (1, 16)
    assert widget.groups["A"].tolist() == groups["A"].tolist()
    assert widget.height == 420
    assert widget._anchor_xy == anchor_xy
    frontend.update(widget, _selection=np.array([2, 7], "<u4").tobytes())  # still the page's
    assert widget.selected_indices.tolist() == [2, 7]


def test_a_principal_axis_keeps_its_share_of_variance_after_switching_back(widget):
    before = list(widget._axis_titles)
    assert before[0].startswith("PC 1 (")
    assert "% of variance" in before[0]
    widget.set_axes("PC 3", "PC 2")
    assert widget._axis_titles[0].startswith("PC 3 (")
    assert widget._axis_titles[1] == before[1]
    widget.set_axes("PC 1", "PC 2")
    assert list(widget._axis_titles) == before


def test_the_arithmetic_box_suggests_the_maps_own_labels(widget):
    # Digits are numbers: the example quotes them, as the expression parser needs.
    assert widget._arithmetic_hint.count("'") == 6


def test_colour_by_reconstruction_error_is_one_option_away(digits, digits_pca):
    X, y = digits
    w = explore(digits_pca, X, labels=y, image_shape=(8, 8), color="reconstruction error")
    errors = w.reconstruction_errors
    expected = ((digits_pca.inverse_transform(digits_pca.transform(X)) - X) ** 2).mean(axis=1)
    np.testing.assert_allclose(errors, expected, rtol=1e-4)
    assert w._legend["kind"] == "continuous"
    assert w._legend["title"] == "reconstruction error"
    assert w._legend["max"] == pytest.approx(expected.max(), rel=1e-4)
    with pytest.raises(ValueError, match="needs data the model reconstructs"):
        explore({"a": [1.0, 0.0], "b": [0.0, 1.0]}, color="reconstruction error")


def test_the_legend_and_each_points_colour_are_public(widget, digits):
    _, y = digits
    assert widget.legend["kind"] == "category"
    assert widget.legend["names"] == [str(d) for d in range(10)]
    colors = widget.point_colors
    assert colors.shape == (1797,)
    # Points of one digit share a colour; different digits differ.
    assert len(set(colors[y == 3])) == 1
    assert len(set(colors)) == 10
    assert colors[0] == widget._palette[widget._codes[0]]


def test_measured_numbers_as_labels_suggest_no_arithmetic(digits, digits_pca):
    X, _ = digits
    w = explore(digits_pca, X, labels=X[:, 10] + 0.5, image_shape=(8, 8))
    assert w._arithmetic_hint == ""


def test_a_request_on_another_thread_waits_for_the_cell_acting_on_the_widget(widget, frontend):
    # JupyterLab 4 sends the page's requests to a kernel subshell: another thread.
    import threading

    done = threading.Event()
    request = {"type": "pin", "x": 1.0, "y": 2.0}
    thread = threading.Thread(target=lambda: (frontend.send(widget, request), done.set()))
    with widget._lock:  # as a cell's call to the widget holds it
        thread.start()
        assert not done.wait(0.3), "the request ran while the widget was busy"
        assert len(widget.pins) == 0
    thread.join(5)
    assert done.is_set()
    np.testing.assert_array_equal(widget.pins, [[1.0, 2.0]])
