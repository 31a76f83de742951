"""The density and the zoom-stable sample on NumPy positions (the in-memory big-map path uses
the same functions as the Dask one)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from latent_magic._density import density
from latent_magic._sample import row_ranks, view_sample


@pytest.fixture(scope="module")
def positions():
    xy = np.random.default_rng(2).normal(size=(300_000, 2)).astype(np.float32)
    xy[5] = np.nan
    return xy


def test_density_counts_the_points_in_the_closed_bounds(positions):
    x, y = positions.T
    counts = density(positions, (-1.0, -2.0, 1.5, 0.5), (40, 30))
    assert counts.shape == (1, 30, 40)
    inside = (x >= -1) & (x <= 1.5) & (y >= -2) & (y <= 0.5)
    assert counts.sum() == inside.sum()
    # Row 0 is the bottom of the view, column 0 its left: numpy's histogram2d, transposed.
    expected, _, _ = np.histogram2d(
        x[inside], y[inside], bins=(40, 30), range=((-1.0, 1.5), (-2.0, 0.5))
    )
    np.testing.assert_array_equal(counts[0], expected.T)


def test_density_per_code(positions):
    codes = (np.arange(len(positions)) % 4).astype(np.uint8)
    counts = density(positions, (-3.0, -3.0, 3.0, 3.0), 16, codes)
    assert counts.shape == (4, 16, 16)
    np.testing.assert_array_equal(counts.sum(axis=0), density(positions, (-3, -3, 3, 3), 16)[0])


def test_ranks_are_the_same_in_every_process():
    here = row_ranks(np.arange(5)).tolist()
    code = "from latent_magic._sample import row_ranks; print(row_ranks(range(5)).tolist())"
    there = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert there.strip() == str(here)
    assert len(set(row_ranks(np.arange(100_000)).tolist())) > 99_990  # scattered, few ties


def test_even_a_tiny_sample_of_a_full_view_has_s_points_and_stays_when_zooming(positions):
    whole = view_sample(positions, (-5.0, -5.0, 5.0, 5.0), max_points=3)
    assert len(whole.rows) == 3  # fewer than one rank bucket's worth: still S points
    zoomed = view_sample(positions, (-0.5, -0.5, 0.5, 0.5), max_points=3)
    x, y = whole.positions.T
    there = whole.rows[(np.abs(x) <= 0.5) & (np.abs(y) <= 0.5)]
    assert set(there) <= set(zoomed.rows)
    for s in (1, 1000, 50_000):
        sample = view_sample(positions, (-1.0, -1.0, 1.0, 1.0), max_points=s)
        assert len(sample.rows) == min(s, sample.n_in_view)
        larger = view_sample(positions, (-2.0, -2.0, 2.0, 2.0), max_points=s)
        x, y = larger.positions.T
        inner = larger.rows[(np.abs(x) <= 1) & (np.abs(y) <= 1)]
        assert set(inner) <= set(sample.rows)


def test_the_map_rows_decide_the_ranks(positions):
    rows = np.arange(len(positions)) * 3 + 7  # a map's rows, some left out
    sample = view_sample(positions, (-5.0, -5.0, 5.0, 5.0), max_points=1000, rows=rows)
    assert set(sample.rows) <= set(rows.tolist())
    assert (row_ranks(sample.rows) < sample.threshold * 2**32).all()
    with pytest.raises(ValueError, match=r"rows must have shape \(300000,\)"):
        view_sample(positions, (0, 0, 1, 1), 10, rows=rows[:5])
