"""The Dask table engine on a real ``distributed.LocalCluster``: the map of a Dask table equals
the in-memory map of the same rows (axes up to sign, density, samples, polygon selections,
latents of rows, group directions), and a worker lost mid-computation is one catchable
``ClusterError``, soon, not a hang."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import cloudpickle
import dask
import dask.array as da
import numpy as np
import pytest
from distributed import Client, LocalCluster

from latent_magic._big_map import BigTable
from latent_magic._dask_compute import ClusterError, compute, current_client
from latent_magic._density import density
from latent_magic._directions import direction
from latent_magic._polygon import points_in_polygon
from latent_magic._projection import pca_projection, principal_axes
from latent_magic._sample import row_ranks, view_sample

# Worker processes cannot import this test module: its functions travel by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

# Map positions of the planted table: clusters near (-9, 2), (3, -8) and (8, 6).
POLYGON = [(-12.0, -2.0), (0.0, -12.0), (6.0, -3.0), (10.0, 9.0), (-4.0, 6.0)]
OTHER = [(3.0, 2.0), (12.0, 2.0), (12.0, 10.0), (3.0, 10.0)]


def planted(n: int = 6000, d: int = 12, seed: int = 0) -> np.ndarray:
    """Three clusters on a slope of variances, far from the origin (the mean must not cancel
    the spread), with NaN and inf rows."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(3, d))
    Z = centres[rng.integers(0, 3, n)] + rng.normal(size=(n, d)) * np.linspace(2, 0.2, d)
    Z = (Z + 50.0).astype(np.float32)
    Z[[7, 1234, n - 1]] = np.nan
    Z[42, 3] = np.inf
    return Z


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
    assert current_client() is None  # torn down: later tests run on the local scheduler


@pytest.fixture(scope="module")
def table():
    return planted()


@pytest.fixture(scope="module")
def in_memory(table):
    """The in-memory map of the table's finite rows, as LatentSpace lays it out."""
    keep = np.isfinite(table).all(axis=1)
    Z = table[keep]
    axes = principal_axes(Z)
    points = pca_projection(Z, axes).transform(Z).astype(np.float32)
    return {"Z": Z, "rows": np.flatnonzero(keep), "axes": axes, "points": points}


@pytest.fixture(scope="module")
def big(client, table):
    with pytest.warns(UserWarning, match="4 of 6,000 rows of data have NaN or inf"):
        return BigTable(da.from_array(table, chunks=(1000, 6)))


def test_the_cluster_is_the_one_used(big, client):
    assert current_client() is client
    assert big.positions_persisted  # 48 kB of positions: kept on the workers
    assert (big.n_total, big.n_rows, big.n_dropped, big.dim) == (6000, 5996, 4, 12)
    assert big.latents.numblocks == (6, 1)  # rows only: every block holds whole rows


def test_axes_equal_the_in_memory_ones_up_to_sign(big, in_memory):
    axes = in_memory["axes"]
    np.testing.assert_allclose(big.principal.mean, axes.mean, rtol=1e-12)
    np.testing.assert_allclose(big.principal.variances, axes.variances, rtol=1e-9, atol=1e-12)
    for ours, theirs in zip(big.principal.components[:4], axes.components[:4], strict=True):
        assert abs(float(ours @ theirs)) == pytest.approx(1.0, abs=1e-9)


def test_positions_equal_the_in_memory_map(big, in_memory, table):
    positions = big.positions.compute()
    np.testing.assert_allclose(positions[in_memory["rows"]], in_memory["points"], atol=1e-4)
    assert np.isnan(positions[[7, 42, 1234, 5999]]).all()  # left-out rows are nowhere


def test_density_counts_every_point_once_as_in_memory(big, in_memory):
    bounds = big.extent
    counts = big.density(bounds, bins=(64, 48))
    assert counts.shape == (1, 48, 64)
    assert counts.sum() == big.n_rows == 5996  # closed bounds: the extreme points count
    np.testing.assert_array_equal(counts, density(in_memory["points"], bounds, (64, 48)))
    x, y = in_memory["points"].T
    inside = (x >= -5) & (x <= 10) & (y >= -12) & (y <= 5)
    assert big.density((-5.0, -12.0, 10.0, 5.0), 32).sum() == inside.sum() > 1000


def test_density_per_colour_code(big, in_memory, table):
    codes = (np.arange(len(table)) % 3).astype(np.int16)
    by_code = big.density(big.extent, 16, codes=da.from_array(codes, chunks=500), n_codes=3)
    assert by_code.shape == (3, 16, 16)
    memory = density(in_memory["points"], big.extent, 16, codes[in_memory["rows"]], 3)
    np.testing.assert_array_equal(by_code, memory)
    assert by_code.sum(axis=(1, 2)).tolist() == np.bincount(codes[in_memory["rows"]]).tolist()
    for _ in range(2):  # NumPy codes: sent to the workers once, the same counts
        np.testing.assert_array_equal(big.density(big.extent, 16, codes=codes, n_codes=3), memory)
    with pytest.raises(ValueError, match=r"codes must have shape \(6000,\)"):
        big.density(big.extent, 16, codes=codes[:10], n_codes=3)


def test_the_sample_is_the_in_memory_one_and_stable_when_zooming(big, in_memory):
    whole = big.sample(big.extent, max_points=500)
    assert len(whole.rows) == 500  # S of them, the S smallest ranks
    assert whole.n_in_view == 5996
    assert (row_ranks(whole.rows) < whole.threshold * 2**32).all()
    assert not whole.complete
    memory = view_sample(in_memory["points"], big.extent, 500, rows=in_memory["rows"])
    np.testing.assert_array_equal(whole.rows, memory.rows)
    np.testing.assert_array_equal(whole.positions, memory.positions)
    zoomed = big.sample((0.0, -11.0, 6.0, -5.0), max_points=500)
    x, y = whole.positions.T
    shown_there = whole.rows[(x >= 0) & (x <= 6) & (y >= -11) & (y <= -5)]
    assert set(shown_there) <= set(zoomed.rows)  # a point shown stays shown
    assert len(shown_there) < len(zoomed.rows) == 500 < zoomed.n_in_view
    deep = big.sample((2.0, -9.0, 3.0, -8.0), max_points=500)
    assert deep.complete
    assert deep.threshold == 1.0
    assert len(deep.rows) > 10


def test_polygon_selection_equals_the_in_memory_rows(big, in_memory, table):
    selection = big.select_polygon(POLYGON)
    expected = in_memory["rows"][points_in_polygon(in_memory["points"], POLYGON)]
    assert selection.count == len(expected) > 200
    assert isinstance(selection.indices, da.Array)  # lazy, row numbers of the table
    np.testing.assert_array_equal(selection.indices.compute(), expected)
    vectors = big.vectors(selection)
    assert isinstance(vectors, da.Array)
    assert vectors.numblocks == big.latents.numblocks  # block against block, not B² tasks
    np.testing.assert_array_equal(vectors.compute(), table[expected])
    np.testing.assert_array_equal(big.vectors(expected[:5]).compute(), table[expected[:5]])


def test_group_directions_use_all_rows_as_in_memory(big, in_memory, table):
    a = big.select_polygon(POLYGON)
    b = in_memory["rows"][points_in_polygon(in_memory["points"], OTHER)]
    ours = big.group_direction(a, b, name="a − b")
    rows_a = in_memory["rows"][points_in_polygon(in_memory["points"], POLYGON)]
    Z = np.vstack([table[rows_a], table[b]]).astype(np.float64)
    labels = np.array(["A"] * len(rows_a) + ["B"] * len(b))
    theirs = direction(Z, labels, positive="A", negative="B")
    np.testing.assert_allclose(ours.vector, theirs.vector, rtol=1e-9, atol=1e-12)
    assert ours.quality == pytest.approx(theirs.quality, rel=1e-9)
    assert (ours.details["n_positive"], ours.details["n_negative"]) == (a.count, len(b))
    assert ours.name == "a − b"
    assert ours.method == "mean_difference"


def test_the_neighbor_index_answers_row_numbers_of_the_table(big, table):
    index = big.neighbor_index("cosine")
    assert index.exact
    assert index.n_rows == 5996
    assert big.neighbor_index("cosine") is index  # built once
    queries = table[[0, 100, 2000]]
    rows, _ = index.search(queries, k=5)
    assert rows[:, 0].tolist() == [0, 100, 2000]  # each row is its own nearest
    assert not np.isin(rows, [7, 42, 1234, 5999]).any()  # rows left out are never found


def test_bad_requests_say_what_was_expected(big):
    with pytest.raises(ValueError, match="at least 3 vertices"):
        big.select_polygon([(0, 0), (1, 1)])
    with pytest.raises(ValueError, match=r"bounds must be four finite numbers"):
        big.density((0, 0, 1), 8)
    with pytest.raises(ValueError, match="x0 < x1"):
        big.density((1, 0, 0, 1), 8)
    with pytest.raises(ValueError, match="bins must be"):
        big.density((0, 0, 1, 1), 0)
    with pytest.raises(ValueError, match="max_points must be a positive integer"):
        big.sample((0, 0, 1, 1), 0)
    with pytest.raises(ValueError, match=r"rows \[6000\] outside the table"):
        big.vectors([1, 6000])
    with pytest.raises(ValueError, match="1-D integer row numbers"):
        big.vectors(np.array([0.5]))


def _slow(block: np.ndarray, seconds: float) -> np.ndarray:
    time.sleep(seconds)
    return block


def test_a_computation_past_its_time_is_cancelled_with_a_cluster_error(client):
    slow = da.map_blocks(_slow, da.ones((4, 2), chunks=(1, 2)), 3.0, dtype=float)
    started = time.monotonic()
    with pytest.raises(ClusterError, match=r"did not finish within 0\.5 s"):
        compute(slow.sum(), timeout=0.5)
    assert time.monotonic() - started < 2.5  # the caller got control back, not a hang


def test_work_cancelled_on_the_cluster_is_a_cluster_error(client):
    slow = da.map_blocks(_slow, da.ones((2, 2), chunks=(1, 2)), 2.0, dtype=float).sum()
    canceller = threading.Timer(0.3, lambda: client.cancel(client.futures_of(running)))
    running = client.persist(slow)
    canceller.start()
    with pytest.raises(ClusterError, match="computation was cancelled"):
        compute(running, timeout=10)


def test_worker_processes_give_the_same_map_and_a_killed_worker_is_a_cluster_error(table):
    """Worker processes: the table travels to them and back as in the threaded cluster; then a
    worker killed while it aggregates makes the computation fail at once, catchably."""
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        with pytest.warns(UserWarning, match="4 of 6,000 rows"):
            big = BigTable(da.from_array(table, chunks=(1500, 12)), timeout=60)
        keep = np.isfinite(table).all(axis=1)
        expected = principal_axes(table[keep])
        assert abs(float(big.principal.components[0] @ expected.components[0])) == (
            pytest.approx(1.0, abs=1e-9)
        )
        assert big.density(big.extent, 32).sum() == 5996

        pids = list(client.run(os.getpid).values())
        slow = da.map_blocks(_slow, big.positions, 1.5, dtype=np.float32)
        killer = threading.Timer(1.0, os.kill, (pids[0], signal.SIGKILL))
        killer.start()
        started = time.monotonic()
        try:
            with pytest.raises(ClusterError, match="a Dask worker died"):
                compute(density(slow, big.extent, 32), timeout=60)
        finally:
            killer.cancel()
        assert time.monotonic() - started < 30
        # The cluster's nanny brings a worker back; what was computed before still stands.
        client.wait_for_workers(2, timeout=30)
        assert big.density(big.extent, 32).sum() == 5996
