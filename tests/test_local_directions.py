"""Local directions: the principal directions of one region's latents, found where the global
principal directions of all the data miss them."""

from __future__ import annotations

import numpy as np
import pytest

from latent_magic import explore, principal_directions
from latent_magic._direction import Direction
from latent_magic._local_directions import local_directions

D = 32
NOISE = 0.1
REGION_VARIANCE = 9 + 4 + D * NOISE**2  # the planted axes' variances plus the noise's


def orthonormal(rng: np.random.Generator, k: int) -> np.ndarray:
    """``(k, D)``: k random orthonormal rows."""
    q, _ = np.linalg.qr(rng.normal(size=(D, k)))
    return q.T


def whitened(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """``(n, k)`` coordinates with mean 0 and identity covariance exactly: the planted
    variances are then exact, and only the noise is left to chance."""
    x = rng.normal(size=(n, k))
    x -= x.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(x, rowvar=False))
    return x @ vectors @ np.diag(values**-0.5) @ vectors.T


@pytest.fixture(scope="module")
def planted():
    """A region of 300 latents spread along two planted orthogonal axes (variances 9 and 4,
    noise 0.1 on every coordinate), inside 3,000 others spread along other axes, far wider."""
    rng = np.random.default_rng(7)
    axes = orthonormal(rng, 6)
    local_axes, global_axes = axes[:2], axes[2:]
    centre = 4.0 * axes[5]
    region = (
        centre + whitened(rng, 300, 2) * [3.0, 2.0] @ local_axes + NOISE * rng.normal(size=(300, D))
    )
    others = rng.normal(size=(3000, 4)) * [12.0, 9.0, 7.0, 5.0] @ global_axes
    others += NOISE * rng.normal(size=others.shape)
    Z = np.vstack([others, region]).astype(np.float32)
    return Z, np.arange(3000, 3300), local_axes


def test_the_local_directions_recover_the_planted_axes_with_their_shares(planted):
    Z, region, local_axes = planted
    found = local_directions(Z[region])  # a widget's w.latents[points]: float32
    assert [d.name for d in found] == ["local 1", "local 2", "local 3"]
    assert all(d.method == "local principal" for d in found)
    for d, axis in zip(found, local_axes, strict=False):
        assert abs(d.unit @ axis) > 0.99
    # The share of the region's variance each explains: quality, and in details as for PCs.
    np.testing.assert_allclose(
        [d.quality for d in found[:2]], [9 / REGION_VARIANCE, 4 / REGION_VARIANCE], atol=0.01
    )
    assert found[2].quality < 0.01  # the third is noise
    for d in found:
        assert d.details["explained_variance_ratio"] == pytest.approx(d.quality)
        assert d.details["n_samples"] == 300
        assert "share of the region's variance" in repr(d)
    np.testing.assert_allclose(found[0].details["mean"], Z[region].mean(axis=0), atol=1e-5)
    # Each vector is its unit direction at the region's spread along it (as PCs are).
    np.testing.assert_allclose([d.norm for d in found[:2]], [3.0, 2.0], rtol=0.02)


def test_the_global_principal_directions_miss_the_planted_axes(planted):
    Z, _, local_axes = planted
    global_pcs = principal_directions(Z, 3)
    for axis in local_axes:
        assert max(abs(d.unit @ axis) for d in global_pcs) < 0.5


def test_the_directions_are_orthonormal_with_fixed_signs(planted):
    Z, region, _ = planted
    found = local_directions(Z[region], k=4)
    U = np.vstack([d.unit for d in found])
    np.testing.assert_allclose(U @ U.T, np.eye(4), atol=1e-9)
    for u in U:  # each one's largest loading is positive: the same data, the same signs
        assert u[np.argmax(np.abs(u))] > 0
    mirrored = local_directions(-Z[region], k=4)
    for a, b in zip(found, mirrored, strict=True):
        np.testing.assert_allclose(a.unit, b.unit, atol=1e-9)


def test_k_is_clipped_to_what_the_region_spans():
    rng = np.random.default_rng(0)
    three = rng.normal(size=(3, D))  # 3 points span a plane: 2 directions at most
    assert len(local_directions(three, k=5)) == 2
    flat = rng.normal(size=(50, 2)) @ orthonormal(rng, 2)  # 50 points in a plane
    assert len(local_directions(flat, k=5, name="cluster")) == 2
    assert [d.name for d in local_directions(flat, k=1, name="cluster")] == ["cluster 1"]


def test_the_lead_widget_can_pass_a_selection_of_its_latents(frontend, digits, digits_pca):
    X, y = digits
    w = explore(digits_pca, data=X, labels=y, image_shape=(8, 8))
    zeros = np.flatnonzero(y == 0)
    found = local_directions(w.latents[zeros], k=3, name="zeros")
    assert [d.name for d in found] == ["zeros 1", "zeros 2", "zeros 3"]
    assert all(isinstance(d, Direction) and d.dim == 16 for d in found)
    assert sum(d.quality for d in found) < 1
    # A region's walk is a walk like any other: the space measures it in the data's SDs.
    walk = w.walk(found[0], steps=3, span=(-1, 1))
    assert walk.latents.shape == (3, 16)


@pytest.mark.parametrize(
    ("latents", "k", "error", "words"),
    [
        (np.ones((1, 4)), 3, ValueError, "at least 2 latents; got 1. Select more points."),
        (np.zeros((0, 4)), 3, ValueError, "at least 2 latents; got 0. Select more points."),
        (np.ones(4), 3, ValueError, "must be a 2-D array of shape (n, d); got shape (4,)"),
        ([[0.0, 1.0], [np.nan, 2.0]], 3, ValueError, "hold NaN or infinite values (1 rows: 1)"),
        ([[0.0, 1.0], [1.0, np.inf]], 3, ValueError, "NaN or infinite"),
        (np.ones((5, 4)), 3, ValueError, "all the same point"),
        (np.eye(4), 0, ValueError, "k must be a positive integer (directions wanted); got 0."),
        (np.eye(4), -2, ValueError, "got -2."),
        (np.eye(4), 2.0, TypeError, "k must be a positive integer (directions wanted); got 2.0"),
        (np.eye(4), True, TypeError, "got True."),
        ([["a", "b"], ["c", "d"]], 3, ValueError, "must be real numbers"),
    ],
)
def test_bad_input_is_explained(latents, k, error, words):
    with pytest.raises(error) as raised:
        local_directions(latents, k=k)
    assert words in str(raised.value)


def test_a_name_must_be_a_string():
    with pytest.raises(TypeError, match="name must be a string; got 3"):
        local_directions(np.eye(4), name=3)  # type: ignore[arg-type]
