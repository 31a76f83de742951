import numpy as np
import pytest

from latent_magic import _neighbors as neighbors
from latent_magic._neighbors import nearest


def brute(Q, T, k, metric):
    if metric == "cosine":
        s = (Q / np.linalg.norm(Q, axis=1, keepdims=True)) @ (
            T / np.linalg.norm(T, axis=1, keepdims=True)
        ).T
        order = np.argsort(-s, axis=1)[:, :k]
        return order, np.take_along_axis(s, order, 1)
    d = np.linalg.norm(Q[:, None] - T[None], axis=2)
    order = np.argsort(d, axis=1)[:, :k]
    return order, np.take_along_axis(d, order, 1)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_matches_brute_force_across_chunks(monkeypatch, metric):
    monkeypatch.setattr(neighbors, "_CHUNK_ROWS", 37)  # many chunks, ragged last one
    rng = np.random.default_rng(0)
    T = rng.normal(size=(500, 8)).astype(np.float32)
    Q = rng.normal(size=(6, 8)).astype(np.float32)
    index, scores = nearest(Q, T, 7, metric=metric)
    expected_index, expected_scores = brute(Q.astype(float), T.astype(float), 7, metric)
    np.testing.assert_array_equal(index, expected_index)
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-4, atol=1e-4)


def test_excluded_rows_never_come_back():
    T = np.eye(4, dtype=np.float32)
    index, _ = nearest(T[0], T, 2, exclude=[0])
    assert 0 not in index[0]
    assert index.shape == (1, 2)


def test_k_larger_than_the_table_returns_all_rows():
    index, scores = nearest(np.ones(3), np.eye(3), 10)
    assert index.shape == (1, 3)
    assert scores[0, 0] == pytest.approx(1 / np.sqrt(3), rel=1e-5)


def test_mismatched_columns_say_so():
    with pytest.raises(
        ValueError, match=r"queries of shape \(1, 2\) and a table of shape \(3, 4\)"
    ):
        nearest(np.ones(2), np.ones((3, 4)))
