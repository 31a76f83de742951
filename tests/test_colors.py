import numpy as np
import pandas as pd
import pytest

from latent_magic._colors import label_colors


def test_small_integer_labels_are_categories_with_a_legend():
    colors = label_colors(np.array([3, 1, 3, 2]), 4)
    assert colors.legend == {"kind": "category", "title": "label", "names": ["1", "2", "3"]}
    assert colors.codes.dtype == np.uint8
    assert colors.codes.tolist() == [2, 0, 2, 1]
    assert len(set(colors.palette)) == 3


def test_labels_naming_every_point_are_not_colours():
    colors = label_colors(np.array([f"w{i}" for i in range(100)]), 100)
    assert colors.legend == {"kind": "none"}


def test_many_categories_use_two_byte_codes_and_distinct_colours():
    labels = np.array([f"w{i % 1000}" for i in range(2000)])
    colors = label_colors(labels, 2000)
    assert colors.codes.dtype == np.uint16
    assert len(set(colors.palette)) > 900


def test_continuous_numbers_get_a_colour_scale():
    values = pd.Series(np.linspace(18, 40, 100), name="BMI")
    colors = label_colors(values, 100)
    assert colors.legend == {"kind": "continuous", "title": "BMI", "min": 18.0, "max": 40.0}
    assert colors.codes[0] == 0
    assert colors.codes[-1] == 255
    assert len(colors.palette) == 256


def test_wrong_label_count_says_what_was_expected():
    with pytest.raises(ValueError, match=r"one value per row of data \(5\); got shape \(4,\)"):
        label_colors([1, 2, 3, 4], 5)


def test_no_labels_means_one_colour():
    colors = label_colors(None, 10)
    assert colors.legend == {"kind": "none"}
    assert colors.codes.size == 0


def test_the_colour_scale_is_matplotlibs_viridis():
    # A notebook's own figures (scatter(c=values, cmap="viridis")) and the widget agree.
    from matplotlib import colormaps
    from matplotlib.colors import to_rgb

    palette = label_colors(np.linspace(0, 1, 100), 100).palette
    ours = np.round(np.array([to_rgb(c) for c in palette]) * 255)
    reference = np.round(colormaps["viridis"](np.linspace(0, 1, 256))[:, :3] * 255)
    assert np.abs(ours - reference).max() <= 1  # in 8-bit steps
