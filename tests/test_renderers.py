import io

import numpy as np
import pytest
from PIL import Image
from previews import shown_pixels

from latent_magic._png import encode_png
from latent_magic._renderers import (
    CallableRenderer,
    ImageRenderer,
    RecordRenderer,
    to_uint8_image,
)


def decode_png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trips_through_a_real_decoder(channels):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (5, 7, channels), dtype=np.uint8)
    decoded = decode_png(encode_png(pixels))
    np.testing.assert_array_equal(decoded.reshape(pixels.shape), pixels)


def test_flat_output_with_shape_hint_becomes_an_image_with_fixed_range():
    # Not square and every value distinct: a transposed or flipped image shows.
    renderer = ImageRenderer((6, 10), value_range=(0.0, 80.0))
    output = np.arange(60.0) + 10.0  # 10 … 69: a guessed range would stretch it to 0 … 255
    preview = renderer(output)
    assert preview.kind == "image"
    assert (preview.fields["width"], preview.fields["height"]) == (10, 6)
    assert preview.fields["mime"] == "image/x-raw-rgba"  # small: painted without a decode
    pixels = shown_pixels(preview.fields, preview.buffers[0])
    shade = [int((10 + i) / 80 * 255 + 0.5) for i in range(60)]  # rounded half up
    expected = [[shade[10 * row + col] for col in range(10)] for row in range(6)]
    assert pixels.tolist() == expected


def pixel_of(array, layout, row, col):
    """The value at (row, col) of an image stored in ``layout``, read element by element."""
    if layout == "CHW":
        return [array[c, row, col] for c in range(array.shape[0])]
    if layout == "1HW":
        return array[0, row, col]
    return array[row, col].tolist() if array.ndim == 3 else array[row, col]


@pytest.mark.parametrize(
    ("shape", "layout", "expected"),
    [
        ((3, 6, 5), "CHW", (6, 5, 3)),
        ((6, 5, 3), "HWC", (6, 5, 3)),
        ((4, 6, 5), "CHW", (6, 5, 4)),
        ((1, 6, 5), "1HW", (6, 5)),
        ((6, 5), "HW", (6, 5)),
    ],
)
def test_channel_layouts_are_understood(shape, layout, expected):
    # Every value distinct: a transposed, flipped or channel-shuffled layout fails.
    array = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    pixels = to_uint8_image(array, value_range=(0.0, 255.0))
    assert pixels.shape == expected
    for row in range(expected[0]):
        for col in range(expected[1]):
            assert np.array_equal(pixels[row, col], pixel_of(array, layout, row, col))
    # and the page is sent the same pixels
    preview = ImageRenderer(value_range=(0.0, 255.0))(array)
    np.testing.assert_array_equal(shown_pixels(preview.fields, preview.buffers[0]), pixels)


def test_value_range_is_guessed_from_tanh_outputs():
    pixels = to_uint8_image(np.array([[-1.0, 0.0, 1.0]]))
    assert pixels.tolist() == [[0, 128, 255]]


def test_an_unknown_shape_points_at_image_shape_and_preview():
    with pytest.raises(ValueError, match=r"shape \(4, 5, 6, 7\).*image_shape.*preview="):
        to_uint8_image(np.zeros((4, 5, 6, 7)))
    with pytest.raises(ValueError, match=r"has 64 values, but image shape \(9, 9\) needs 81"):
        to_uint8_image(np.zeros(64), (9, 9))


def test_records_list_values_against_the_data():
    renderer = RecordRenderer(["height", "weight"], np.array([170.0, 70.0]), np.array([10.0, 12.0]))
    preview = renderer(np.array([190.0, 58.0]))
    assert preview.kind == "record"
    assert preview.fields["features"][0] == {
        "name": "height",
        "value": 190.0,
        "mean": 170.0,
        "std": 10.0,
    }


def test_wide_records_show_the_features_furthest_from_the_mean():
    names = [f"f{i}" for i in range(50)]
    renderer = RecordRenderer(names, np.zeros(50), np.ones(50), max_features=3)
    values = np.zeros(50)
    values[[4, 20, 33]] = [5, -6, 7]
    shown = [f["name"] for f in renderer(values).fields["features"]]
    assert shown == ["f4", "f20", "f33"]


def test_user_preview_functions_may_return_figures_pil_arrays_or_html():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def figure(output):
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot(output)
        return fig

    before = len(plt.get_fignums())
    assert CallableRenderer(figure)(np.arange(3.0)).kind == "image"
    assert len(plt.get_fignums()) == before  # closed, not leaked
    pil = CallableRenderer(lambda o: Image.new("RGB", (4, 3)))(None)
    assert (pil.kind, pil.fields["width"], pil.fields["height"]) == ("image", 4, 3)
    assert CallableRenderer(lambda o: np.zeros((3, 3)))(None).kind == "image"
    assert CallableRenderer(lambda o: "<b>hi</b>")(None).fields == {"html": "<b>hi</b>"}
    with pytest.raises(TypeError, match=r"must return a PIL image.*got int"):
        CallableRenderer(lambda o: 3)(None)


def test_large_images_travel_as_png_and_small_ones_as_raw_rgba():
    small = ImageRenderer()(np.zeros((8, 8, 3)))
    assert small.fields["mime"] == "image/x-raw-rgba"
    assert len(small.buffers[0]) == 8 * 8 * 4
    large = ImageRenderer()(np.random.default_rng(0).random((200, 200)))
    assert large.fields["mime"] == "image/png"
    np.testing.assert_array_equal(
        shown_pixels(large.fields, large.buffers[0]),
        to_uint8_image(np.random.default_rng(0).random((200, 200))),
    )


def test_an_svg_drawing_from_a_preview_function_is_a_picture_not_html():
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="120px" height="80"><rect/></svg>'
    preview = CallableRenderer(lambda o: svg)(None)
    assert preview.kind == "image"
    assert preview.fields == {"mime": "image/svg+xml", "width": 120, "height": 80}
    assert preview.buffers == [svg.encode()]
    prolog = '<?xml version="1.0"?>\n<svg viewBox="0 0 10 10"><g/></svg>\n'
    assert CallableRenderer(lambda o: prolog)(None).fields["width"] == 0  # no size of its own
    # Anything more than one drawing stays the user's HTML.
    mixed = "<svg><g/></svg><p>and a caption</p>"
    assert CallableRenderer(lambda o: mixed)(None).kind == "html"


def test_the_atlas_tiles_a_preview_functions_svg_drawings():
    import numpy as np
    from sklearn.decomposition import PCA

    from latent_magic import explore
    from latent_magic._atlas import atlas_tiles

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2)) * [10, 5] + [170, 70]

    def person(output):
        height, weight = output
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="60">'
            f'<rect width="{weight / 3:.1f}" height="{height / 3:.1f}"/></svg>'
        )

    w = explore(PCA(2).fit(X), X, preview=person)
    atlas = w.atlas(2, 3)
    tiles = atlas_tiles(w._space, atlas)
    assert [t["mime"] for t in tiles.tiles] == ["image/svg+xml"] * 6
    expected = person(atlas.outputs[1, 2]).encode()
    assert tiles.buffers[5] == expected
