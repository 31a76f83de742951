import sys
import types

import numpy as np
import pytest
from scipy.spatial import cKDTree
from threadpoolctl import threadpool_limits

from latent_magic._neighbors import OFF_DATA_RATIO, DataDistance
from latent_magic._nonlinear import NonlinearProjection, make_projection
from latent_magic._projection import LinearProjection

# Isomap on well-separated clusters joins the disconnected neighbor graph, and says so.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The number of connected components:UserWarning"),
    pytest.mark.filterwarnings("ignore::scipy.sparse.SparseEfficiencyWarning"),
]


def clusters(n=300, d=10, seed=0):
    """Three well-separated Gaussian clusters: latents (n, d) float32 and labels (n,)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    centres = np.zeros((3, d))
    centres[0, 0] = centres[1, 1] = centres[2, 2] = 12.0
    Z = centres[labels] + rng.standard_normal((n, d))
    return Z.astype(np.float32), labels


@pytest.fixture(scope="module", autouse=True)
def _one_openmp_thread():
    # OpenMP and BLAS worker threads spin-wait: on a busy 2-core machine (tests running side
    # by side) t-SNE with two of them runs 5-10x slower than with one. threadpoolctl limits
    # only libraries already loaded, so load scikit-learn's OpenMP runtime first.
    import sklearn.manifold  # noqa: F401

    with threadpool_limits(1):
        yield


@pytest.fixture(scope="module")
def data():
    return clusters()


@pytest.fixture(scope="module", params=["tsne", "isomap"])
def fitted(request, data):
    Z, _ = data
    return make_projection(request.param, Z)


def neighbor_agreement(P, labels):
    gaps = np.linalg.norm(P[:, None, :] - P[None, :, :], axis=2)
    np.fill_diagonal(gaps, np.inf)
    return float(np.mean(labels[gaps.argmin(axis=1)] == labels))


def test_clusters_stay_apart(fitted, data):
    Z, labels = data
    assert fitted.exact is False
    assert fitted.dim == Z.shape[1]
    assert fitted.fit_points.shape == (len(Z), 2)
    assert fitted.fit_points.dtype == np.float32
    assert fitted.latents is Z
    assert neighbor_agreement(fitted.fit_points, labels) > 0.95


def test_titles_name_the_method(fitted):
    expected = {"tsne": ("t-SNE 1", "t-SNE 2"), "isomap": ("Isomap 1", "Isomap 2")}
    assert fitted.titles == expected[fitted.method]


def test_transform_of_the_fitted_latents_is_the_embedding(fitted, data):
    Z, _ = data
    np.testing.assert_array_equal(fitted.transform(Z), fitted.fit_points)
    # An equal array (not the same object) maps the same way.
    np.testing.assert_array_equal(fitted.transform(Z.copy()), fitted.fit_points)
    # The result is a copy: writing to it leaves the projection alone.
    fitted.transform(Z)[0] = 1e6
    assert fitted.fit_points[0, 0] != 1e6


def test_inverse_on_a_fitted_point_returns_its_latent(fitted, data):
    Z, _ = data
    lifted = fitted.inverse(fitted.fit_points[[0, 17, 123]].astype(np.float64))
    assert lifted.dtype == np.float64
    np.testing.assert_allclose(lifted, Z[[0, 17, 123]], atol=1e-6)


def test_inverse_between_points_is_a_convex_combination(fitted, data):
    Z, _ = data
    P = fitted.fit_points.astype(np.float64)
    # Midpoint of a point and its nearest map neighbor.
    gaps = np.linalg.norm(P - P[5], axis=1)
    gaps[5] = np.inf
    mid = (P[5] + P[gaps.argmin()]) / 2
    lifted = fitted.inverse(mid[None, :], anchor=Z[200])[0]
    near = np.argsort(np.linalg.norm(P - mid, axis=1))[: fitted.k]
    lo, hi = Z[near].min(axis=0), Z[near].max(axis=0)
    assert np.all(lifted >= lo - 1e-6)
    assert np.all(lifted <= hi + 1e-6)
    # The anchor is ignored.
    np.testing.assert_array_equal(lifted, fitted.inverse(mid[None, :])[0])


def test_off_data_flags_far_latents(data):
    Z, _ = data
    measure = DataDistance(Z)
    here = measure.measure(Z[3])
    assert here.distance == 0.0
    assert here.ratio < 1.0
    assert here.off_data is False
    far = Z.mean(axis=0) + 50 * Z.std(axis=0)
    there = measure.measure(far)
    assert there.ratio > OFF_DATA_RATIO
    assert there.off_data is True


def test_new_latent_near_a_fitted_one_lands_near_it(fitted, data):
    Z, _ = data
    rng = np.random.default_rng(1)
    fresh = Z[[4, 50, 250]] + 0.01 * rng.standard_normal((3, Z.shape[1])).astype(np.float32)
    placed = fitted.transform(fresh)
    assert placed.shape == (3, 2)
    spread = np.ptp(fitted.fit_points, axis=0).max()
    gaps = np.linalg.norm(placed - fitted.fit_points[[4, 50, 250]], axis=1)
    assert np.all(gaps < 0.05 * spread)


def test_tsne_places_a_duplicate_latent_exactly(data):
    Z, _ = data
    projection = make_projection("tsne", Z[:60], max_iter=250)
    placed = projection.transform(Z[[7, 9]].copy() + 0)  # not the fitted matrix
    np.testing.assert_allclose(placed, projection.fit_points[[7, 9]], atol=1e-5)


def test_isomap_uses_its_out_of_sample_transform(data):
    Z, _ = data
    projection = make_projection("isomap", Z)
    assert projection._estimator is not None
    fresh = Z[:3] + 0.01
    np.testing.assert_allclose(
        projection.transform(fresh), projection._estimator.transform(fresh), rtol=1e-5
    )


def test_isomap_is_deterministic(data):
    Z, _ = data
    a = make_projection("isomap", Z).fit_points
    b = make_projection("isomap", Z).fit_points
    np.testing.assert_allclose(a, b, atol=1e-4)


def test_pca_is_exact_and_lifts_from_the_anchor(data):
    Z, _ = data
    projection = make_projection("pca", Z)
    assert isinstance(projection, LinearProjection)
    assert projection.exact is True
    p = np.array([[1.0, -2.0]])
    a, b = projection.inverse(p, Z[0]), projection.inverse(p, Z[1])
    assert not np.allclose(a, b)
    np.testing.assert_allclose(projection.transform(a), p, atol=1e-9)
    with pytest.raises(TypeError, match="no parameters"):
        make_projection("pca", Z, perplexity=5)


def test_unknown_name_lists_the_choices(data):
    Z, _ = data
    with pytest.raises(ValueError, match=r"'mds'.*pca, tsne, isomap, umap"):
        make_projection("mds", Z)


def test_umap_without_umap_learn_says_how_to_install(data, monkeypatch):
    Z, _ = data
    monkeypatch.setitem(sys.modules, "umap", None)  # import umap → ImportError
    with pytest.raises(ImportError, match="pip install umap-learn") as error:
        make_projection("umap", Z)
    assert "pca, tsne, isomap" in str(error.value)


def test_umap_wiring_with_a_stand_in_module(data, monkeypatch):
    """The umap path with a stand-in for umap-learn's ``UMAP`` (not installed here)."""
    Z, _ = data
    calls = {}

    class UMAP:
        def __init__(self, **kwargs):
            calls.update(kwargs)

        def fit_transform(self, X):
            return np.asarray(X[:, :2], dtype=np.float64)

        def transform(self, X):
            return np.asarray(X[:, :2], dtype=np.float64) + 100

    monkeypatch.setitem(sys.modules, "umap", types.SimpleNamespace(UMAP=UMAP))
    projection = make_projection("umap", Z[:10], random_state=3, min_dist=0.5)
    assert calls == {"n_components": 2, "random_state": 3, "n_neighbors": 9, "min_dist": 0.5}
    assert projection.titles == ("UMAP 1", "UMAP 2")
    np.testing.assert_array_equal(projection.transform(Z[:10]), Z[:10, :2])
    np.testing.assert_array_equal(projection.transform(Z[10:12]), Z[10:12, :2] + 100)


def test_real_umap(data):
    Z, labels = data
    projection = make_projection("umap", Z)
    assert neighbor_agreement(projection.fit_points, labels) > 0.95
    placed = projection.transform(Z[:1] + 0.01)
    spread = np.ptp(projection.fit_points, axis=0).max()
    assert np.linalg.norm(placed[0] - projection.fit_points[0]) < 0.1 * spread


@pytest.mark.parametrize("name", ["tsne", "isomap", "umap"])
def test_too_few_points_says_how_many(name, data):
    Z, _ = data
    with pytest.raises(ValueError, match="needs at least 5 points; got 4"):
        make_projection(name, Z[:4])


def test_bad_neighborhood_sizes_are_explained(data):
    Z, _ = data
    with pytest.raises(ValueError, match=r"perplexity must be .* \(20\); got 25"):
        make_projection("tsne", Z[:20], perplexity=25)
    with pytest.raises(ValueError, match=r"n_neighbors must be .* \(20\); got 20"):
        make_projection("isomap", Z[:20], n_neighbors=20)


def test_isomap_refuses_more_points_than_its_distance_matrix_can_hold(monkeypatch):
    monkeypatch.setattr("latent_magic._nonlinear.ISOMAP_MAX_POINTS", 50)
    Z = np.random.default_rng(0).normal(size=(51, 3))
    with pytest.raises(ValueError, match=r"at most 50 points.*'umap', 'tsne' or 'pca'"):
        make_projection("isomap", Z)
    assert make_projection("isomap", Z[:50]).fit_points.shape == (50, 2)


@pytest.mark.parametrize("name", ["pca", "tsne", "isomap"])
def test_bad_latents_are_refused(name, data):
    Z, _ = data
    with pytest.raises(ValueError, match=r"shape \(n, d\); got shape \(300,\)"):
        make_projection(name, Z[:, 0])
    broken = Z.copy()
    broken[[2, 9], 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite values \(2 rows: 2, 9\)"):
        make_projection(name, broken)


def test_inputs_are_checked(fitted, data):
    Z, _ = data
    with pytest.raises(ValueError, match=r"shape \(n, 10\)"):
        fitted.transform(Z[:, :3])
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        fitted.inverse(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"shape \(10,\)"):
        DataDistance(Z).measure(np.zeros(3))
    assert fitted.inverse(np.zeros((0, 2))).shape == (0, 10)
    assert fitted.transform(Z[:0]).shape == (0, 2)


def test_data_distance_on_its_own():
    Z = np.outer(np.arange(10), [3.0, 3.0]).astype(np.float32)  # gaps of 3·√2
    measure = DataDistance(Z)
    assert measure.typical == pytest.approx(3 * np.sqrt(2))
    result = measure.measure(Z[4] + np.array([3.0, 3.0]) / 2)
    assert result.ratio == pytest.approx(0.5)
    assert result.off_data is False
    result = measure.measure(Z[-1] + np.array([9.0, 9.0]))
    assert result.ratio == pytest.approx(3.0)
    assert result.off_data is True


def test_data_distance_ignores_duplicates_and_handles_one_point():
    Z = np.repeat(np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]]), 2, axis=0)
    # Gaps to the nearest *distinct* latent: 1, 1, 1, 1, 2, 2.
    assert DataDistance(Z).typical == pytest.approx(1.0)
    single = DataDistance(np.zeros((1, 2)))
    assert single.measure(np.zeros(2)).ratio == 0.0
    assert single.measure(np.ones(2)).off_data is True


def test_data_distance_on_a_large_table_samples():
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((3000, 4)).astype(np.float32)  # more rows than the sample
    measure = DataDistance(Z)
    gaps, _ = cKDTree(Z).query(Z, k=2)
    assert measure.typical == pytest.approx(np.median(gaps[:, 1]), rel=0.1)


def test_projection_checks_its_parts(data):
    Z, _ = data
    with pytest.raises(ValueError, match="method must be one of"):
        NonlinearProjection("pca", Z, np.zeros((len(Z), 2)))
    with pytest.raises(ValueError, match=r"fit_points must have shape \(300, 2\)"):
        NonlinearProjection("tsne", Z, np.zeros((5, 2)))
