"""Neighbours at scale with faiss: exact for small tables, IVF (HNSW coarse quantizer) past the
threshold, with recall@10 against exact search at least 0.95 at the default settings."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest

from latent_magic._ann import build_ann_index, exact_neighbors, recall_at_k


@pytest.fixture(scope="module")
def planted():
    """200,000 × 64 around 2,000 centres close enough that their clouds overlap, and queries
    drawn the same way (not rows of the table)."""
    rng = np.random.default_rng(1)
    centres = rng.normal(scale=1.5, size=(2000, 64)).astype(np.float32)
    table = centres[rng.integers(0, 2000, 200_000)] + rng.normal(size=(200_000, 64)).astype(
        np.float32
    )
    queries = centres[rng.integers(0, 2000, 200)] + rng.normal(size=(200, 64)).astype(np.float32)
    return table, queries


def test_ivf_defaults_reach_095_recall_at_10(planted):
    table, queries = planted
    index = build_ann_index(table)
    assert not index.exact
    assert index.nlist == 447
    assert index.n_rows == 200_000
    recall = recall_at_k(index, table, queries, k=10)
    assert recall >= 0.95
    index.nprobe = 1  # one list per query: visibly less exact, so the measurement measures
    assert recall_at_k(index, table, queries, k=10) < recall


def test_eight_bit_codes_keep_the_recall(planted):
    table, queries = planted
    part = table[:100_000]
    on_disk = build_ann_index(da.from_array(part, chunks=25_000), exact_below=50_000, codes="sq8")
    assert type(on_disk.index).__name__ == "IndexIVFScalarQuantizer"
    assert on_disk.refine is None  # a Dask table stays where it is
    coded = recall_at_k(on_disk, part, queries)
    assert coded >= 0.95
    in_memory = build_ann_index(part, exact_below=50_000, codes="sq8")
    assert in_memory.refine is part  # re-ranked against the table itself, not a copy
    assert recall_at_k(in_memory, part, queries) > coded  # what the codes blurred, found
    rows, scores = in_memory.search(queries[:3], k=10)
    exact = ((part[rows[0]] - queries[0]) ** 2).sum(axis=1)
    np.testing.assert_allclose(scores[0], exact, rtol=1e-5)
    assert np.all(np.diff(scores, axis=1) >= 0)  # nearest first


def test_small_tables_are_searched_exactly_with_row_numbers(planted):
    table, queries = planted
    small = table[:5000].copy()
    small[[3, 4000]] = np.nan  # left out: never a neighbour
    index = build_ann_index(small, metric="cosine")
    assert index.exact
    assert index.n_rows == 4998
    rows, scores = index.search(queries[:20], k=10)
    assert recall_at_k(index, small, queries[:20]) == 1.0
    assert not np.isin(rows, [3, 4000]).any()
    assert np.all(np.diff(scores, axis=1) <= 1e-6)  # cosine: best (largest) first
    unit = small[rows[0, 0]] / np.linalg.norm(small[rows[0, 0]])
    q = queries[0] / np.linalg.norm(queries[0])
    assert scores[0, 0] == pytest.approx(float(unit @ q), abs=1e-5)


def test_a_dask_table_is_indexed_block_by_block_with_its_row_numbers(planted):
    table, queries = planted
    part = table[:150_000]
    index = build_ann_index(da.from_array(part, chunks=(40_000, 64)), exact_below=100_000)
    assert not index.exact
    assert index.n_rows == 150_000
    truth = exact_neighbors(da.from_array(part, chunks=(40_000, 64)), queries[:50], 10)
    np.testing.assert_array_equal(truth, exact_neighbors(part, queries[:50], 10))
    assert recall_at_k(index, part, queries[:50]) >= 0.95


def test_bad_settings_are_refused(planted):
    table, _ = planted
    with pytest.raises(ValueError, match="metric must be one of"):
        build_ann_index(table[:10], metric="manhattan")
    with pytest.raises(ValueError, match="codes must be one of"):
        build_ann_index(table[:10], codes="pq")
    index = build_ann_index(table[:100])
    with pytest.raises(ValueError, match="no nprobe"):
        index.nprobe = 3
    with pytest.raises(ValueError, match="queries must have 64 columns"):
        index.search(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="k must be a positive integer"):
        index.search(np.zeros((1, 64)), k=0)
