"""A table bigger than the page holds, on the map: a stable sample drawn over the density of
every row, a lasso over all rows (lazy), groups of all rows, the density of each settled view
counted off the request thread. The same data in memory under ``max_points`` is the reference:
the big map must agree with it wherever both answer."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
from distributed import Client, LocalCluster

import latent_magic as lm
from latent_magic._dask_compute import ClusterError
from latent_magic._polygon import points_in_polygon

N, D = 60_000, 6
MAX_POINTS = 4_000


def _table() -> tuple[np.ndarray, np.ndarray]:
    """Two planted clusters along the first latent, labelled 0 and 1."""
    rng = np.random.default_rng(3)
    labels = (np.arange(N) % 3 == 0).astype(np.int64)
    Z = rng.normal(size=(N, D)) * np.linspace(2.0, 0.3, D)
    Z[:, 0] += np.where(labels == 1, 8.0, -4.0)
    return Z.astype(np.float32), labels


Z, LABELS = _table()
W = np.random.default_rng(4).normal(size=(D, 10)).astype(np.float32)


def decode(latents: np.ndarray) -> np.ndarray:
    return np.asarray(latents, dtype=np.float32) @ W


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def whole():
    """The same table in memory, every row a point: the reference."""
    return lm.explore(decode=decode, latent_dim=D, data=Z, labels=LABELS, max_points=N)


@pytest.fixture
def big(client):
    return lm.explore(
        decode=decode,
        latent_dim=D,
        data=da.from_array(Z, chunks=15_000),
        labels=LABELS,
        max_points=MAX_POINTS,
    )


LEFT_HALF = [(-1e3, -1e3), (0.0, -1e3), (0.0, 1e3), (-1e3, 1e3)]


def test_the_page_gets_a_sample_and_the_density_of_every_row(big, whole):
    assert whole._big is None
    assert big._big is not None
    assert len(big.points) <= MAX_POINTS
    assert big.n_rows == N
    assert big._status.startswith(f"showing {len(big.points):,} of {N:,} points · density of all")
    assert "clicks, search and arithmetic over the points shown" in big._status
    meta = big._density_meta
    counts = big._density.reshape(meta["rows"], meta["cols"])
    assert counts.sum() == meta["in_view"] == N == meta["total"]
    assert meta["shown"] == len(big.points)
    # The sampled points sit where the whole table's map puts those rows.
    np.testing.assert_allclose(np.abs(big.points), np.abs(whole.points[big.rows]), atol=1e-4)
    # Row 0 of the density is the top of the view: the planted clusters are left and right,
    # so the counts per column have two humps at the two clusters' x.
    x0, x1, _, _ = meta["bounds"]
    columns = counts.sum(axis=0)
    peak_x = x0 + (np.argmax(columns) + 0.5) * (x1 - x0) / meta["cols"]
    xs = big.points[:, 0]
    assert abs(peak_x - np.median(xs[np.abs(xs - peak_x) < 3])) < 1.0


def test_the_density_is_coloured_by_each_bins_most_frequent_label(big):
    meta = big._density_meta
    codes = big._density_codes.reshape(meta["rows"], meta["cols"])
    counts = big._density.reshape(meta["rows"], meta["cols"])
    assert set(np.unique(codes[counts > 0])) <= {0, 1}
    assert (codes[counts == 0] == 0xFFFF).all()
    # The sample's colours are the density's codes (the same palette and order).
    np.testing.assert_array_equal(big._codes, LABELS[big.rows])


def test_a_settled_view_is_counted_again_with_every_row_in_it(big):
    big._view = [0.0, 20.0, -5.0, 5.0]
    assert big._density_worker.wait(60)
    meta = big._density_meta
    assert meta["bounds"] == [0.0, 20.0, -5.0, 5.0]
    assert (meta["cols"], meta["rows"]) == (512, 256)  # bins about square on screen
    # Every row of the table in the view, not only the sampled ones.
    P = big._big.table.positions.compute()
    inside = (P[:, 0] >= 0) & (P[:, 0] <= 20) & (P[:, 1] >= -5) & (P[:, 1] <= 5)
    assert big._density.sum() == meta["in_view"] == int(inside.sum())


def test_a_failed_count_keeps_the_last_picture_and_says_so(frontend, monkeypatch):
    w = lm.explore(
        decode=decode, latent_dim=D, data=da.from_array(Z, chunks=15_000), max_points=MAX_POINTS
    )
    before = dict(w._density_meta)

    def lost(*_args, **_kwargs):
        raise ClusterError("a Dask worker died while computing")

    monkeypatch.setattr(w._big.table, "density", lost)
    w._view = [0.0, 1.0, 0.0, 1.0]
    assert w._density_worker.wait(30)
    assert w._density_meta == before
    notices = [c for c, _ in frontend.custom_messages() if c.get("type") == "notice"]
    assert notices
    assert "worker died" in notices[-1]["text"]
    assert notices[-1]["level"] == "error"


def test_a_lasso_selects_among_all_rows_lazily(big, whole):
    count = big.select_polygon(LEFT_HALF)
    expected = points_in_polygon(whole.points, LEFT_HALF)
    assert count == len(expected) > MAX_POINTS  # more than the page ever held
    rows = big.selected_indices
    assert hasattr(rows, "compute")  # lazy: a Dask array
    np.testing.assert_array_equal(np.sort(rows.compute()), whole.rows[expected])
    np.testing.assert_array_equal(big.selected_vectors.compute(), Z[whole.rows[expected]])
    # The page rings the sampled points inside.
    np.testing.assert_array_equal(big._selection, points_in_polygon(big.points, LEFT_HALF))
    assert f"{count:,} of {N:,} rows selected" in big._status


def test_a_shift_lasso_adds_rows_and_a_click_goes_back_to_sampled_points(big, whole):
    right = [(x + 1e3, y) for x, y in LEFT_HALF]
    big.select_polygon(LEFT_HALF)
    total = big.select_polygon(right, add=True)
    assert total == len(points_in_polygon(whole.points, LEFT_HALF)) + len(
        points_in_polygon(whole.points, right)
    )
    big.selected_indices = big.rows[:3]  # as a click or Python chooses sampled points
    np.testing.assert_array_equal(big.selected_indices, big.rows[:3])
    assert "rows selected" not in big._status


def test_the_page_lasso_request_is_checked_then_selects_all_rows(frontend, big, whole):
    frontend.send(big, {"type": "select_polygon", "vertices": [[0, 0], [1, 1]], "add": False})
    frontend.send(big, {"type": "select_polygon", "vertices": [[0, 0], [1, "x"], [2, 0]]})
    frontend.send(big, {"type": "select_polygon", "vertices": LEFT_HALF_LISTS, "add": "yes"})
    refusals = [c["text"] for c, _ in frontend.custom_messages() if c.get("type") == "notice"]
    assert len(refusals) == 3
    assert all("select_polygon" in text for text in refusals)
    assert big._big.selection is None  # nothing was selected by a bad request
    frontend.send(big, {"type": "select_polygon", "vertices": LEFT_HALF_LISTS, "add": False})
    assert big._big.selection.count == len(points_in_polygon(whole.points, LEFT_HALF))


LEFT_HALF_LISTS = [list(v) for v in LEFT_HALF]


def test_groups_of_all_rows_make_the_same_direction_as_in_memory(frontend, big, whole):
    right = [(x + 1e3, y) for x, y in LEFT_HALF]
    big.select_polygon(right)
    frontend.send(big, {"type": "set_group", "group": "A"})
    big.select_polygon(LEFT_HALF)
    frontend.send(big, {"type": "set_group", "group": "B"})
    groups = big.groups
    assert len(groups["A"]) + len(groups["B"]) == N
    frontend.send(big, {"type": "make_direction", "name": "cluster"})
    made = big.directions["cluster"]
    reference = whole.direction_between(
        whole.rows[points_in_polygon(whole.points, right)],
        whole.rows[points_in_polygon(whole.points, LEFT_HALF)],
        "cluster",
    )
    np.testing.assert_allclose(made.vector, reference.vector, rtol=1e-4, atol=1e-4)
    assert made.quality == pytest.approx(reference.quality, rel=1e-3)


def test_an_in_memory_array_past_max_points_takes_the_same_way():
    w = lm.explore(decode=decode, latent_dim=D, data=Z, max_points=MAX_POINTS)
    assert w._big is not None
    assert len(w.points) <= MAX_POINTS
    assert w._density.sum() == N
    assert w.select_polygon(LEFT_HALF) > MAX_POINTS
    with pytest.raises(ValueError, match="max_points must be"):
        lm.explore(decode=decode, latent_dim=D, data=Z, max_points=0)


def test_the_sample_stays_put_and_hovering_decodes_as_everywhere(big):
    again = lm.explore(
        decode=decode, latent_dim=D, data=da.from_array(Z, chunks=15_000), max_points=MAX_POINTS
    )
    np.testing.assert_array_equal(again.rows, big.rows)  # the same rows every time
    x, y = big.points[0]
    np.testing.assert_allclose(big.decode_at(x, y), decode(big.lift(x, y)[None])[0], rtol=1e-5)


def test_labels_must_have_one_value_per_row_of_the_table(client):
    with pytest.raises(ValueError, match=f"one value per row of data \\({N:,} rows\\)"):
        lm.explore(
            decode=decode,
            latent_dim=D,
            data=da.from_array(Z, chunks=15_000),
            labels=LABELS[:10],
            max_points=MAX_POINTS,
        )


def test_new_axes_move_every_row_and_its_density(big, whole):
    big.select_polygon(LEFT_HALF)
    whole_positions = whole.points
    big.set_axes("PC 2", "PC 1")  # swapped: x is the old y
    moved = big._big.table.positions.compute()
    np.testing.assert_allclose(np.abs(moved), np.abs(whole_positions[:, ::-1]), atol=1e-4)
    meta = big._density_meta
    assert big._density.sum() == meta["in_view"] == N
    x0, x1, y0, y1 = meta["bounds"]
    assert x0 < moved[:, 0].min()
    assert moved[:, 0].max() < x1
    assert y0 < moved[:, 1].min()
    assert moved[:, 1].max() < y1
    np.testing.assert_allclose(np.abs(big.points), np.abs(moved[big.rows]), atol=1e-5)


def test_a_non_linear_map_of_a_big_table_is_refused_before_any_work():
    with pytest.raises(ValueError, match="projection='tsne' needs every point"):
        lm.explore(decode=decode, latent_dim=D, data=Z, max_points=MAX_POINTS, projection="tsne")


def test_density_counts_every_row_of_the_data_in_any_map(big, whole):
    bounds = (-20.0, 20.0, -10.0, 10.0)
    counts = big.density(bounds, bins=(40, 20))
    assert counts.shape == (20, 40)
    np.testing.assert_array_equal(counts, whole.density(bounds, bins=(40, 20)))
    assert counts.sum() == N
    # Row 0 is the bottom of the bounds: the rows with y below 0 fill the lower half.
    P = whole.points
    assert counts[:10].sum() == int(((P[:, 1] < 0) & (P[:, 1] >= -10)).sum())
    with pytest.raises(ValueError, match="bounds must be"):
        big.density((1.0, 0.0, 0.0, 1.0))
