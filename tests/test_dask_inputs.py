"""What a Dask table can be read from: Dask arrays, a Dask DataFrame's numeric columns, a zarr
array or an npy stack on disk, data a model encodes block by block; unknown chunk sizes
computed or refused; NaN/inf rows counted and left out. Dask's local scheduler runs these (no
client is active), as it does for a user without a cluster."""

from __future__ import annotations

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from latent_magic._adapters import adapt
from latent_magic._big_map import BigTable
from latent_magic._dask_compute import current_client
from latent_magic._dask_table import dask_latents, is_dask_table
from latent_magic._projection import principal_axes


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(5)
    Z = rng.normal(size=(3000, 8)) * np.linspace(3, 0.5, 8)
    return Z.astype(np.float32)


def same_axes(big: BigTable, Z: np.ndarray) -> None:
    expected = principal_axes(Z[np.isfinite(Z).all(axis=1)])
    np.testing.assert_allclose(big.principal.variances, expected.variances, rtol=1e-8)
    for ours, theirs in zip(big.principal.components[:3], expected.components[:3], strict=True):
        assert abs(float(ours @ theirs)) == pytest.approx(1.0, abs=1e-9)


def test_no_client_means_the_local_scheduler(table):
    assert current_client() is None
    big = BigTable(da.from_array(table, chunks=700))
    same_axes(big, table)
    assert big.positions_persisted  # small: kept in the kernel
    assert big.density(big.extent, 8).sum() == 3000


def test_a_zarr_array_on_disk(tmp_path, table):
    path = tmp_path / "latents.zarr"
    da.from_array(table, chunks=(500, 8)).to_zarr(str(path))
    big = BigTable(str(path))
    assert "zarr array" in big.table.source
    assert big.latents.numblocks == (6, 1)
    same_axes(big, table)


def test_an_npy_stack_on_disk(tmp_path, table):
    da.to_npy_stack(str(tmp_path / "stack"), da.from_array(table, chunks=(1000, 8)))
    big = BigTable(tmp_path / "stack")
    assert "npy stack" in big.table.source
    same_axes(big, table)


def test_a_path_that_is_neither_says_what_was_expected(tmp_path, table):
    np.save(tmp_path / "one.npy", table)
    with pytest.raises(ValueError, match=r"neither a zarr array .* nor an npy stack"):
        dask_latents(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        dask_latents(tmp_path / "missing.zarr")


def test_a_dask_dataframe_of_numeric_columns(table):
    frame = pd.DataFrame(table, columns=[f"z{i}" for i in range(8)])
    ddf = dd.from_pandas(frame, npartitions=4)
    assert is_dask_table(ddf)
    big = BigTable(ddf)
    assert big.feature_names == [f"z{i}" for i in range(8)]
    same_axes(big, table)
    with pytest.raises(ValueError, match=r"columns \['label'\] are not numeric"):
        dask_latents(dd.from_pandas(frame.assign(label="a"), npartitions=2))


def test_unknown_chunk_sizes_are_computed_or_refused(table):
    x = da.from_array(table, chunks=600)
    kept = x[x[:, 0] > 0]  # a filter: the blocks' row counts are unknown
    assert np.isnan(kept.chunks[0][0])
    with pytest.raises(ValueError, match=r"blocks of unknown size.*compute_chunk_sizes"):
        dask_latents(kept, compute_chunks=False)
    big = BigTable(kept)
    assert big.n_total == int((table[:, 0] > 0).sum())
    same_axes(big, table[table[:, 0] > 0])


def test_nan_and_inf_rows_are_counted_and_left_out(table):
    Z = table.copy()
    Z[[0, 10, 2999]] = np.nan
    Z[20, 2] = -np.inf
    with pytest.warns(UserWarning, match="4 of 3,000 rows of data have NaN or inf"):
        big = BigTable(da.from_array(Z, chunks=1000))
    assert (big.n_rows, big.n_dropped) == (2996, 4)
    same_axes(big, Z)
    assert big.density(big.extent, 16).sum() == 2996
    with pytest.raises(ValueError, match="every row of a Dask array has NaN or inf"):
        BigTable(da.full((10, 3), np.nan, chunks=5))


def test_a_model_encodes_the_data_block_by_block(digits, digits_pca):
    X, _ = digits
    model = adapt(digits_pca)
    big = BigTable(da.from_array(X, chunks=(400, 16)), model=model)
    assert big.latents.shape == (len(X), 16)
    assert big.latents.numblocks == (5, 1)
    same_axes(big, model.encode(X))
    with pytest.raises(ValueError, match="model must have encode"):
        dask_latents(da.from_array(X), model=object())


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (np.zeros((3, 2)), "must be a Dask array, a Dask DataFrame, or a path"),
        (da.zeros(5), r"shape \(N, d\).*shape \(5,\)"),
        (da.from_array(np.array([["a", "b"]])), "real numbers"),
    ],
)
def test_other_sources_are_refused_clearly(source, message):
    with pytest.raises(ValueError, match=message):
        dask_latents(source)


def test_the_kernel_holds_blocks_never_the_table(tmp_path):
    """1,000,000 × 32 float32 (128 MB) in zarr, on the local scheduler (which computes in the
    kernel's own process, the worst case): building the map, its density, a sample and a
    polygon's count allocate about what reading the table once with ``sum()`` does (a few
    blocks), far less than the table."""
    import tracemalloc

    path = str(tmp_path / "big.zarr")
    rng = da.random.default_rng(0)
    rng.standard_normal((1_000_000, 32), chunks=(50_000, 32), dtype=np.float32).to_zarr(path)
    table_bytes = 1_000_000 * 32 * 4
    tracemalloc.start()
    try:
        da.from_zarr(path).sum().compute()
        _, reading = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        big = BigTable(path)
        counts = big.density(big.extent, 256)
        sample = big.sample(big.extent, max_points=20_000)
        selection = big.select_polygon([(-1, -1), (1, -1), (1, 1), (-1, 1)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counts.sum() == 1_000_000
    assert 15_000 < len(sample.rows) <= 20_000
    assert 100_000 < selection.count < 500_000
    # Beyond reading: the persisted positions (8 MB) and small per-block results.
    assert peak < reading + 16e6, f"peak {peak / 1e6:.0f} MB, reading {reading / 1e6:.0f} MB"
    assert peak < table_bytes / 2
