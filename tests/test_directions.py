import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import PCA

from latent_magic._direction import Direction
from latent_magic._directions import direction, directions_of_axes, principal_directions
from latent_magic._projection import axis_title, pca_projection, principal_axes, variance_share


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def planted_groups(n=4000, d=16, seed=0):
    """Two groups that differ by a planted vector ``t``, on isotropic noise."""
    rng = np.random.default_rng(seed)
    t = rng.normal(size=d)
    labels = np.where(rng.random(n) < 0.5, "old", "young")
    Z = rng.normal(size=(n, d)) + np.where(labels == "old", 1.0, 0.0)[:, None] * t
    return Z, labels, t


# ---------------------------------------------------------------------- mean difference
def test_mean_difference_recovers_the_planted_vector():
    Z, labels, t = planted_groups()
    d = direction(Z, labels, positive="old", negative="young")
    assert cosine(d.vector, t) > 0.99
    np.testing.assert_allclose(np.linalg.norm(d.vector), np.linalg.norm(t), rtol=0.05)
    assert d.method == "mean_difference"
    assert d.name == "old − young"
    assert d.details["n_positive"] + d.details["n_negative"] == len(Z)
    assert d.details["labels"] == {"positive": ["old"], "negative": ["young"]}


def test_mean_difference_is_exactly_the_difference_of_group_means():
    Z, labels, _ = planted_groups(n=300)
    d = direction(Z, labels, positive="old", negative="young")
    expected = Z[labels == "old"].mean(0) - Z[labels == "young"].mean(0)
    np.testing.assert_allclose(d.vector, expected, rtol=1e-12)


def test_quality_is_cohens_d_of_the_projections():
    Z, labels, _ = planted_groups(n=500)
    d = direction(Z, labels, positive="old", negative="young")
    a, b = Z[labels == "old"] @ d.unit, Z[labels == "young"] @ d.unit
    pooled = ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
    assert d.quality == pytest.approx((a.mean() - b.mean()) / math.sqrt(pooled))
    assert d.details["quality_measure"] == "Cohen's d"


def test_negative_none_means_everyone_else_and_lists_of_labels_pool_groups():
    rng = np.random.default_rng(1)
    labels = rng.choice(["a", "b", "c"], size=600)
    Z = rng.normal(size=(600, 5))
    rest = direction(Z, labels, positive="a")
    np.testing.assert_allclose(
        rest.vector, Z[labels == "a"].mean(0) - Z[labels != "a"].mean(0), rtol=1e-12
    )
    assert rest.name == "a − rest"
    assert rest.details["labels"]["negative"] is None
    pooled = direction(Z, labels, positive=["a", "b"], negative="c")
    np.testing.assert_allclose(
        pooled.vector, Z[labels != "c"].mean(0) - Z[labels == "c"].mean(0), rtol=1e-12
    )


def test_masks_and_row_indices_select_groups_without_labels():
    Z, labels, t = planted_groups(n=2000)
    mask = labels == "old"
    by_mask = direction(Z, positive=mask)
    by_index = direction(Z, positive=np.flatnonzero(mask), negative=np.flatnonzero(~mask))
    np.testing.assert_allclose(by_mask.vector, by_index.vector)
    assert cosine(by_mask.vector, t) > 0.98


def test_boolean_labels_point_toward_true():
    Z, labels, t = planted_groups(n=2000)
    d = direction(Z, labels == "old")
    assert cosine(d.vector, t) > 0.98


# ---------------------------------------------------------------------- ordered
def planted_ages(n=6000, d=12, seed=2):
    rng = np.random.default_rng(seed)
    t = rng.normal(size=d)
    ages = rng.uniform(18, 80, n)
    return rng, ages, t


def test_ordered_bins_recover_a_planted_monotone_direction():
    rng, ages, t = planted_ages()
    Z = rng.normal(size=(len(ages), len(t))) + np.log(ages)[:, None] * t  # monotone, curved
    d = direction(Z, ages, ordered=True, bins=6)
    assert cosine(d.vector, t) > 0.95
    curve, centers = d.details["curve"], d.details["bin_centers"]
    assert curve.shape == (6, len(t))
    assert np.all(np.diff(centers) > 0)
    assert d.details["counts"].sum() == len(ages)
    assert len(d.details["bin_edges"]) == 7
    assert d.quality > 0.5  # Spearman ρ between ages and projections
    assert d.method == "ordered"


def test_ordered_vector_is_the_change_per_unit_times_the_label_range():
    rng, ages, t = planted_ages()
    Z = rng.normal(size=(len(ages), len(t))) * 0.1 + ages[:, None] * t  # linear: slope t
    d = direction(Z, ages, ordered=True)
    np.testing.assert_allclose(d.details["per_unit"], t, rtol=0.02, atol=0.01)
    np.testing.assert_allclose(d.vector, d.details["per_unit"] * (ages.max() - ages.min()))
    assert d.details["label_range"] == pytest.approx(ages.max() - ages.min())


def test_ordered_with_few_distinct_values_uses_them_as_bins():
    rng = np.random.default_rng(3)
    grades = rng.choice([1, 2, 5], size=900)
    t = rng.normal(size=4)
    Z = rng.normal(size=(900, 4)) + grades[:, None] * t
    d = direction(Z, grades, ordered=True, bins=6)
    np.testing.assert_array_equal(d.details["bin_centers"], [1, 2, 5])
    for row, grade in zip(d.details["curve"], [1, 2, 5], strict=True):
        np.testing.assert_allclose(row, Z[grades == grade].mean(0))
    assert cosine(d.vector, t) > 0.95


def test_ordered_quality_is_spearman_rho():
    rng, ages, t = planted_ages(n=800)
    Z = rng.normal(size=(len(ages), len(t))) + (ages / 20)[:, None] * t
    d = direction(Z, np.round(ages), ordered=True)  # rounded: ties
    expected = scipy.stats.spearmanr(np.round(ages), Z @ d.unit).statistic
    assert d.quality == pytest.approx(expected, abs=1e-12)
    assert d.details["quality_measure"] == "Spearman ρ"


def test_ordered_direction_takes_its_name_from_a_series():
    rng, ages, t = planted_ages(n=300)
    Z = rng.normal(size=(300, len(t))) + (ages / 20)[:, None] * t
    assert direction(Z, pd.Series(ages, name="age"), ordered=True).name == "age (ordered)"


# ---------------------------------------------------------------------- classifier
def test_classifier_normal_aligns_with_the_planted_direction():
    Z, labels, t = planted_groups(n=2000)
    d = direction(Z, labels, positive="old", method="classifier")
    assert cosine(d.vector, t) > 0.9
    assert d.method == "classifier"
    assert d.details["quality_measure"] == "balanced accuracy, 5-fold CV"
    assert 0.8 < d.quality <= 1.0
    # sized by the gap between the group means along the normal
    gap = (Z[labels == "old"].mean(0) - Z[labels != "old"].mean(0)) @ d.unit
    assert np.linalg.norm(d.vector) == pytest.approx(abs(gap))


def test_classifier_with_tiny_groups_scores_on_the_training_rows():
    rng = np.random.default_rng(4)
    Z = np.vstack([rng.normal(size=(3, 6)) + 5, rng.normal(size=(40, 6))])
    labels = np.array(["smile"] * 3 + ["plain"] * 40)
    d = direction(Z, labels, positive="smile", method="classifier")
    assert d.details["quality_measure"] == "balanced accuracy on the training rows"
    assert d.quality == pytest.approx(1.0)


# ---------------------------------------------------------------------- principal
def test_principal_directions_are_orthogonal_with_decreasing_quality():
    rng = np.random.default_rng(5)
    Z = rng.normal(size=(500, 8)) @ rng.normal(size=(8, 8))
    pcs = principal_directions(Z, k=5)
    assert [p.name for p in pcs] == [f"PC {i}" for i in range(1, 6)]
    units = np.vstack([p.unit for p in pcs])
    np.testing.assert_allclose(units @ units.T, np.eye(5), atol=1e-10)
    qualities = [p.quality for p in pcs]
    assert qualities == sorted(qualities, reverse=True)
    for p in pcs:
        assert p.unit[np.argmax(np.abs(p.unit))] > 0  # sign convention
        spread = np.std((Z - Z.mean(0)) @ p.unit, ddof=1)
        assert np.linalg.norm(p.vector) == pytest.approx(spread)


@pytest.mark.parametrize("shape", [(500, 8), (6, 8)])  # covariance and SVD paths
def test_principal_quality_is_the_explained_variance_ratio(shape):
    rng = np.random.default_rng(6)
    Z = rng.normal(size=shape) * np.arange(1, shape[1] + 1)
    pcs = principal_directions(Z, k=3)
    reference = PCA(3).fit(Z)
    np.testing.assert_allclose([p.quality for p in pcs], reference.explained_variance_ratio_)
    for p, component in zip(pcs, reference.components_, strict=True):
        assert abs(p.unit @ component) == pytest.approx(1.0)


def test_a_principal_direction_as_an_axis_keeps_its_share_of_variance():
    # A map of "PC 3" and "PC 2", then of "PC 1" and "PC 2" again, titles its axes as the
    # PCA map does: the share is computed from the direction, whatever its name or length.
    rng = np.random.default_rng(5)
    Z = rng.standard_normal((400, 6)) * [4.0, 3.0, 2.0, 1.0, 0.5, 0.2]
    axes = principal_axes(Z)
    found = directions_of_axes(axes, k=4)
    titles = [axis_title(d.name, variance_share(axes, d.unit)) for d in found]
    assert titles[:2] == list(pca_projection(Z, axes).titles)
    for d, title in zip(found, titles, strict=True):
        assert title == f"{d.name} ({d.details['explained_variance_ratio']:.0%} of variance)"


def test_principal_directions_stop_at_the_rank_of_the_data():
    rng = np.random.default_rng(7)
    Z = rng.normal(size=(4, 10))  # 4 points span 3 dimensions around their mean
    assert len(principal_directions(Z, k=10)) == 3


# ---------------------------------------------------------------------- Direction
def test_orthogonalized_direction_is_orthogonal_to_each_other():
    rng = np.random.default_rng(8)
    a, b, c = (Direction.from_vector(rng.normal(size=16), n) for n in "abc")
    d = a.orthogonalize(b, c.vector)
    assert abs(d.unit @ b.unit) < 1e-10
    assert abs(d.unit @ c.unit) < 1e-10
    assert d.name == "a ⊥ b, vector 2"
    assert math.isnan(d.quality)
    assert d.details["against"] == ["b", "vector 2"]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dim=st.integers(2, 40),
    data=st.data(),
)
def test_orthogonalize_against_random_directions(seed, dim, data):
    n_others = data.draw(st.integers(1, dim - 1))
    scale = 10.0 ** data.draw(st.integers(-6, 6))
    rng = np.random.default_rng(seed)
    others = rng.normal(size=(n_others, dim)) * scale
    d = Direction.from_vector(rng.normal(size=dim), "d")
    result = d.orthogonalize(*others)
    for other in others:
        assert abs(result.unit @ (other / np.linalg.norm(other))) < 1e-10
    # what was removed lies in the others' span: the original = kept part + projection
    removed = d.vector - result.vector
    coefficients, *_ = np.linalg.lstsq(others.T, removed, rcond=None)
    np.testing.assert_allclose(others.T @ coefficients, removed, atol=1e-9)
    # orthogonalizing again changes nothing
    np.testing.assert_allclose(result.orthogonalize(*others).vector, result.vector, atol=1e-12)


def test_orthogonalize_of_a_vector_in_the_span_is_an_error():
    rng = np.random.default_rng(9)
    a, b = rng.normal(size=(2, 8))
    inside = Direction.from_vector(2 * a - 3 * b, "mix")
    with pytest.raises(ValueError, match=r"'mix' lies in the span of 'vector 1', 'vector 2'"):
        inside.orthogonalize(a, b)


def test_orthogonalize_against_a_direction_of_another_dimension_is_an_error():
    d = Direction.from_vector(np.ones(16), "d")
    with pytest.raises(ValueError, match=r"dimension 16.*'e' \(dimension 8\)"):
        d.orthogonalize(Direction.from_vector(np.ones(8), "e"))
    with pytest.raises(ValueError, match="at least one"):
        d.orthogonalize()


def test_repr_names_the_quality_measure():
    d = Direction("old − young", np.arange(16.0), 1.8412, "mean_difference")
    assert repr(d) == (
        "Direction('old − young', dim=16, quality=1.84 (Cohen's d), method='mean_difference')"
    )
    custom = Direction.from_vector([3.0, 4.0], "mine")
    assert repr(custom) == "Direction('mine', dim=2, quality=nan, method='custom')"
    np.testing.assert_allclose(custom.unit, [0.6, 0.8])
    assert custom.vector.dtype == np.float64
    assert custom.dim == 2


def test_a_zero_direction_has_no_unit():
    with pytest.raises(ValueError, match="zero vector"):
        _ = Direction.from_vector(np.zeros(3), "nothing").unit


# ---------------------------------------------------------------------- errors
@pytest.fixture
def small():
    rng = np.random.default_rng(10)
    return rng.normal(size=(12, 4)), np.array(["old", "young", "middle"] * 4)


def test_labels_of_the_wrong_length(small):
    Z, labels = small
    with pytest.raises(ValueError, match="labels has 10 values for 12 rows of Z"):
        direction(Z, labels[:10], positive="old")


def test_a_group_with_no_members_names_the_label_and_close_spellings(small):
    Z, labels = small
    with pytest.raises(
        ValueError,
        match=r"no row has the positive label 'olld'.*'middle', 'old', 'young'.*"
        r"Did you mean 'old'\?",
    ):
        direction(Z, labels, positive="olld")
    with pytest.raises(ValueError, match="negative label 'yung'"):
        direction(Z, labels, positive="old", negative="yung")


def test_positive_equal_to_negative(small):
    Z, labels = small
    with pytest.raises(ValueError, match="different groups; both hold 'old'"):
        direction(Z, labels, positive="old", negative="old")
    with pytest.raises(ValueError, match=r"different groups; 3 row\(s\) are in both"):
        direction(Z, positive=[0, 1, 2, 3], negative=[1, 2, 3, 4, 5, 6])


def test_ordered_with_non_numeric_labels(small):
    Z, labels = small
    with pytest.raises(ValueError, match=r"numeric labels.*such as 'old'"):
        direction(Z, labels, ordered=True)


def test_ordered_with_too_few_distinct_values(small):
    Z, _ = small
    with pytest.raises(
        ValueError, match=r"at least 2 distinct label values to order; got 1 \(42\)"
    ):
        direction(Z, np.full(12, 42.0), ordered=True)
    with pytest.raises(ValueError, match="bins must be an integer of at least 2; got 1"):
        direction(Z, np.arange(12.0), ordered=True, bins=1)
    with pytest.raises(ValueError, match="NaN"):
        direction(Z, np.r_[np.arange(11.0), np.nan], ordered=True)


def test_z_must_be_2d_and_finite(small):
    Z, labels = small
    with pytest.raises(ValueError, match=r"Z must be a 2-D array.*got shape \(48,\)"):
        direction(Z.ravel(), labels, positive="old")
    Z = Z.copy()
    Z[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite values \(1 rows: 5\)"):
        direction(Z, labels, positive="old")
    with pytest.raises(ValueError, match="NaN"):
        principal_directions(Z)


def test_arguments_that_do_not_fit_together(small):
    Z, labels = small
    with pytest.raises(ValueError, match="method must be one of"):
        direction(Z, labels, positive="old", method="median")
    with pytest.raises(ValueError, match="bins= applies to ordered=True only"):
        direction(Z, labels, positive="old", bins=4)
    with pytest.raises(ValueError, match=r"positive= and negative= .* must be left out"):
        direction(Z, np.arange(12.0), positive=3, ordered=True)
    with pytest.raises(ValueError, match=r"needs positive=.*'middle', 'old', 'young'"):
        direction(Z, labels)
    with pytest.raises(ValueError, match="got neither"):
        direction(Z)
    with pytest.raises(ValueError, match="the negative group has no rows"):
        direction(Z, positive=np.ones(12, dtype=bool))
