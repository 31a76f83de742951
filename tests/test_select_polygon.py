"""``w.select_polygon``: a polygon of map positions selects what a lasso in the page would (the
even-odd rule of js/lasso.js, the same side of an edge), for in-memory maps."""

from __future__ import annotations

import numpy as np
import pytest

from latent_magic import explore
from latent_magic._polygon import as_polygon, inside_polygon, points_in_polygon


def even_odd(px: float, py: float, polygon: list[tuple[float, float]]) -> bool:
    """The page's pointInPolygon (js/lasso.js), written out point by point in plain floats."""
    inside = False
    j = len(polygon) - 1
    for k in range(len(polygon)):
        (xa, ya), (xb, yb) = polygon[k], polygon[j]
        if (ya > py) != (yb > py) and px < (xb - xa) * (py - ya) / (yb - ya) + xa:
            inside = not inside
        j = k
    return inside


def hand_selected(points: np.ndarray, polygon: list[tuple[float, float]]) -> list[int]:
    return [i for i, (x, y) in enumerate(points.tolist()) if even_odd(x, y, polygon)]


@pytest.fixture
def widget(frontend, digits, digits_pca):
    X, y = digits
    return explore(digits_pca, data=X, labels=y, image_shape=(8, 8))


# A concave, self-crossing polygon: the even-odd rule leaves the doubly covered part out.
STAR = [(-20.0, -5.0), (20.0, -5.0), (-12.0, 18.0), (0.0, -22.0), (12.0, 18.0)]


def test_a_polygon_selects_the_rows_the_even_odd_rule_gives(widget, digits):
    expected = hand_selected(widget.points, STAR)
    assert 50 < len(expected) < len(digits[0]) - 50  # a real cut through the map
    count = widget.select_polygon(STAR)
    assert count == len(expected)
    assert widget.selected_indices.tolist() == expected
    assert np.frombuffer(widget._selection, "<u4").tolist() == expected  # what the page shows
    np.testing.assert_array_equal(widget.selected_vectors, widget.latents[expected])


def test_points_on_the_left_and_bottom_edges_are_in_on_the_right_and_top_out(widget):
    x, y = (float(v) for v in widget.points[10])
    square = [(x, y - 1), (x + 1, y - 1), (x + 1, y + 1), (x, y + 1)]  # point on the left edge
    assert widget.select_polygon(square) >= 1
    assert 10 in widget.selected_indices
    square = [(x - 1, y - 1), (x, y - 1), (x, y + 1), (x - 1, y + 1)]  # on the right edge
    widget.select_polygon(square)
    assert 10 not in widget.selected_indices
    assert widget.selected_indices.tolist() == hand_selected(widget.points, square)


def test_add_joins_the_selection_as_a_shift_lasso_does(widget):
    left = [(-40.0, -40.0), (0.0, -40.0), (0.0, 40.0), (-40.0, 40.0)]
    right = [(0.0, -40.0), (40.0, -40.0), (40.0, 40.0), (0.0, 40.0)]
    first = widget.select_polygon(left)
    both = widget.select_polygon(right, add=True)
    expected = sorted(set(hand_selected(widget.points, left) + hand_selected(widget.points, right)))
    assert both == len(expected) > first
    assert widget.selected_indices.tolist() == expected
    assert widget.select_polygon(right) == len(hand_selected(widget.points, right))  # replaces


def test_on_a_map_of_direction_axes_and_with_rows_left_out(frontend, digits, digits_pca):
    X, y = digits
    X = X.astype(np.float64).copy()
    X[[0, 5]] = np.nan
    with pytest.warns(UserWarning, match="2 of 1797 rows"):
        w = explore(digits_pca, data=X, labels=y, image_shape=(8, 8))
    w.set_axes(w.direction(y, positive=0, negative=1), w.direction(y, positive=7, negative=4))
    (x0, y0), (x1, y1) = np.percentile(w.points, [10, 90], axis=0)
    polygon = [(x0, y0), (x1, (y0 + y1) / 2), ((x0 + x1) / 2, y1)]
    points = hand_selected(w.points, polygon)
    assert 20 < len(points) < 1500
    assert w.select_polygon(polygon) == len(points)
    assert w.selected_indices.tolist() == w.rows[points].tolist()  # rows of the user's data


@pytest.mark.parametrize(
    ("vertices", "message"),
    [
        ([(0, 0), (1, 1)], "at least 3 vertices; got 2"),
        ([(0, 0), (1, float("nan")), (2, 0)], r"finite numbers; vertices \[1\]"),
        ([(0, 0), (1, float("inf")), (2, 0)], "finite"),
        ([0, 1, 2, 3], r"shape \(m, 2\); got shape \(4,\)"),
        ([(0, 0, 0), (1, 1, 1), (2, 0, 1)], r"got shape \(3, 3\)"),
        ([("a", 0), (1, 1), (2, 0)], "list of number pairs"),
        ("square", "list of number pairs"),
    ],
)
def test_bad_polygons_are_refused_and_the_selection_kept(widget, vertices, message):
    widget.selected_indices = [3, 4]
    with pytest.raises(ValueError, match=message):
        widget.select_polygon(vertices)
    assert widget.selected_indices.tolist() == [3, 4]


def test_add_must_be_a_bool(widget):
    with pytest.raises(TypeError, match="add must be True or False"):
        widget.select_polygon(STAR, add="yes")


def test_numpy_rule_matches_the_plain_loop_on_random_points_and_polygons():
    rng = np.random.default_rng(3)
    for _ in range(20):
        xy = rng.uniform(-1, 1, size=(500, 2)).astype(np.float32)
        polygon = [tuple(v) for v in rng.uniform(-1, 1, size=(int(rng.integers(3, 12)), 2))]
        assert points_in_polygon(xy, polygon).tolist() == hand_selected(xy, polygon)
    # NaN positions (rows a map left out) are never inside.
    xy = np.array([[0.1, 0.1], [np.nan, 0.1]], np.float32)
    assert inside_polygon(xy, as_polygon([(0, 0), (1, 0), (0, 1)])).tolist() == [True, False]
