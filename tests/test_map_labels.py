"""Words on the map: which labels the page writes, in what order, and colours kept apart from
names (explore's color=)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA

from latent_magic import explore
from latent_magic._map_labels import isolation_order, label_buffer, names_items, placement_order

WORDS = ["lion", "tiger", "wolf", "sheep", "lamb", "goat", "car", "bus", "tram", "éclair"]
GROUPS = ["animal"] * 6 + ["vehicle"] * 3 + ["food"]


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    return dict(zip(WORDS, rng.normal(size=(len(WORDS), 8)).astype(np.float32), strict=True))


def page_labels(w) -> list[str]:
    """The labels as the page reads them: UTF-8 split at NUL."""
    return bytes(w._label_text).decode("utf-8").split("\x00")


def test_a_tables_words_go_to_the_page_in_point_order_and_are_shown(table):
    w = explore(table)
    assert page_labels(w) == WORDS
    assert w.show_labels
    # A table's rows are placed in their own order (by frequency in word2vec and GloVe files).
    assert w._label_order.tolist() == list(range(len(WORDS)))


def test_color_colours_the_points_while_the_labels_keep_naming_them(table, frontend):
    w = explore(table, color=GROUPS)
    assert page_labels(w) == WORDS
    assert w._legend == {
        "kind": "category",
        "title": "color",
        "names": ["animal", "food", "vehicle"],
    }
    assert [w._legend["names"][c] for c in w._codes] == GROUPS
    frontend.send(w, {"type": "decode", "id": 1, "x": 0.0, "y": 0.0, "index": 3})
    content, _ = frontend.custom_messages()[-1]
    assert content["title"] == "sheep · row 3"  # hover keeps the word, not its group


def test_color_can_be_numbers_on_a_continuous_scale_or_a_column_of_the_data():
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(200, 4)), columns=["a", "b", "c", "age"])
    names = [f"person {i}" for i in range(200)]
    w = explore(PCA(2).fit(df), df, labels=names, color="age")
    assert w._legend["kind"] == "continuous"
    assert w._legend["title"] == "age"
    assert w._legend["min"] == pytest.approx(df["age"].min())
    assert page_labels(w)[:2] == ["person 0", "person 1"]
    with pytest.raises(ValueError, match=r"color='agee' names no column.*'age'"):
        explore(PCA(2).fit(df), df, color="agee")
    with pytest.raises(ValueError, match=r"color must have one value per row of data \(200"):
        explore(PCA(2).fit(df), df, color=[1, 2, 3])
    with pytest.raises(ValueError, match=r"the color of row 0 is a tuple"):
        explore(PCA(2).fit(df), df, color=[(1, 2)] * 200)


def test_number_labels_colour_the_map_and_are_not_written_on_it(digits, digits_pca):
    X, y = digits
    w = explore(digits_pca, X, labels=y, image_shape=(8, 8))
    assert not w.show_labels
    assert len(w._label_text) == 0
    assert len(w._label_order) == 0


def test_repeated_words_are_available_but_off_until_asked():
    assert names_items(np.array(WORDS))
    assert not names_items(np.array(["cat", "dog"] * 50))
    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 3))
    w = explore(PCA(2).fit(X), X, labels=["cat", "dog"] * 50)
    assert not w.show_labels
    assert len(w._label_order) == 100
    w.show_labels = True  # from Python, as the toolbar does from the page
    assert w.show_labels


def test_isolation_places_the_lonely_points_first():
    rng = np.random.default_rng(3)
    crowd = rng.normal(scale=0.01, size=(500, 2))
    loners = np.array([[5.0, 5.0], [-5.0, 4.0], [4.0, -5.0]])
    points = np.vstack([crowd, loners]).astype(np.float32)
    order = isolation_order(points)
    assert sorted(order[:3].tolist()) == [500, 501, 502]
    assert sorted(order.tolist()) == list(range(503))


def test_a_priority_of_numbers_puts_the_highest_first_and_follows_kept_rows():
    points = np.zeros((4, 2), np.float32)
    rows = np.array([0, 1, 3, 4])  # row 2 was left out of the map (NaN)
    order = placement_order(points, np.array([1.0, 5.0, 9.0, 2.0, np.nan]), rows, 5)
    assert order.tolist() == [1, 2, 0, 3]  # rows 1, 3, 0, then the NaN last
    with pytest.raises(ValueError, match=r"one number per row of data \(5 rows\); got 3"):
        placement_order(points, np.array([1.0, 2.0, 3.0]), rows, 5)


def test_label_priority_is_checked_and_taken(table):
    with pytest.raises(ValueError, match=r"label_priority must be one of 'isolation', 'order'"):
        explore(table, label_priority="loudness")
    w = explore(table, label_priority=np.arange(len(WORDS)))
    assert w._label_order.tolist() == list(range(len(WORDS)))[::-1]


def test_the_isolation_order_follows_the_map_when_the_axes_change():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 5))
    X[:3, 0] += 30  # far out along one feature only
    names = [f"item {i}" for i in range(300)]
    w = explore(PCA(5).fit(X), X, labels=names)
    before = w._label_order.copy()
    w.set_axes("PC 4", "PC 5")
    assert not np.array_equal(before, w._label_order)
    assert (w._label_order == isolation_order(w.points)).all()


def test_a_nul_in_a_label_cannot_split_it():
    buffer = label_buffer(np.array(["a\x00b", "c"], dtype=object))
    assert bytes(buffer).decode().split("\x00") == ["a\ufffdb", "c"]


def test_the_page_reports_its_view_and_a_bad_one_is_refused(table, frontend):
    w = explore(table)
    assert w.view is None
    frontend.update(w, _view=[-1.0, 2.0, -0.5, 0.5])
    assert w.view == (-1.0, 2.0, -0.5, 0.5)
    frontend.update(w, _view=[2.0, -1.0, 0.0, 1.0])
    assert w.view == (-1.0, 2.0, -0.5, 0.5)  # kept
    content, _ = frontend.custom_messages()[-1]
    assert content["type"] == "notice"
    assert content["level"] == "error"
    assert "_view must be [x0, x1, y0, y1]" in content["text"]
    frontend.update(w, show_labels=False)
    assert not w.show_labels
