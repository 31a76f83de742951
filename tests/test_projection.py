import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from latent_magic._projection import (
    LinearProjection,
    axis_title,
    pca_projection,
    principal_axes,
    variance_share,
)


def planted(n=500, d=6, seed=0):
    rng = np.random.default_rng(seed)
    scales = np.array([5.0, 2.0] + [0.3] * (d - 2))
    return (rng.standard_normal((n, d)) * scales + 3.0).astype(np.float32)


def test_pca_finds_the_two_widest_axes():
    Z = planted()
    projection = pca_projection(Z)
    # The planted spread is along latent axes 0 and 1.
    assert abs(projection.basis[0, 0]) > 0.99
    assert abs(projection.basis[1, 1]) > 0.99
    assert projection.titles[0].startswith("PC 1")


def test_the_default_map_is_the_top_two_principal_axes_up_to_sign():
    # Correlated, not axis-aligned: any other plane, or a rotation within this one, fails.
    rng = np.random.default_rng(3)
    mixing = np.linalg.qr(rng.standard_normal((6, 6)))[0] * [6.0, 3.0, 1.0, 0.5, 0.2, 0.1]
    Z = (rng.standard_normal((800, 6)) @ mixing.T + 1.5).astype(np.float32)
    centred = Z.astype(np.float64) - Z.astype(np.float64).mean(0)
    top_two = np.linalg.svd(centred, full_matrices=False)[2][:2]
    projection = pca_projection(Z)
    for axis, reference in zip(projection.basis, top_two, strict=True):
        np.testing.assert_allclose(axis * np.sign(axis @ reference), reference, atol=1e-6)
    signs = np.sign(np.sum(projection.basis * top_two, axis=1))
    np.testing.assert_allclose(projection.transform(Z), centred @ top_two.T * signs, atol=1e-4)


def test_axis_titles_say_the_share_of_variance_when_given_one():
    assert axis_title("smile") == "smile"
    assert axis_title("PC 1", 0.2314) == "PC 1 (23% of variance)"
    assert axis_title("PC 9", 0.0) == "PC 9 (0% of variance)"


def test_the_share_of_variance_along_any_direction():
    rng = np.random.default_rng(4)
    Z = rng.standard_normal((600, 5)) @ rng.standard_normal((5, 5))
    axes = principal_axes(Z)
    total = np.var(Z, axis=0, ddof=1).sum()
    for u in [*rng.standard_normal((3, 5)), axes.components[2]]:
        unit = u / np.linalg.norm(u)
        expected = np.var(Z @ unit, ddof=1) / total
        assert variance_share(axes, 7.5 * u) == pytest.approx(expected, rel=1e-9)
    # A principal axis holds its own variance, and the shares of all of them add up to 1.
    shares = [variance_share(axes, c) for c in axes.components]
    np.testing.assert_allclose(shares, axes.variances / axes.variances.sum(), atol=1e-12)
    assert variance_share(axes, np.zeros(5)) == 0.0


def test_the_pca_maps_titles_are_the_principal_axes_titles():
    Z = planted()
    axes = principal_axes(Z)
    titles = pca_projection(Z, axes).titles
    assert titles == tuple(
        axis_title(f"PC {k + 1}", variance_share(axes, axes.components[k])) for k in (0, 1)
    )
    assert titles[0] == f"PC 1 ({axes.variances[0] / axes.variances.sum():.0%} of variance)"
    assert pca_projection(Z[:, :1]).titles == ("PC 1 (100% of variance)", "PC 2 (0% of variance)")


def test_map_is_centred_on_the_data():
    Z = planted()
    P = pca_projection(Z).transform(Z)
    np.testing.assert_allclose(P.mean(axis=0), 0, atol=1e-3)


@settings(max_examples=50, deadline=None)
@given(
    x=st.floats(-100, 100),
    y=st.floats(-100, 100),
    anchor_index=st.integers(0, 499),
)
def test_lift_then_project_is_exact(x, y, anchor_index):
    Z = planted()
    projection = pca_projection(Z)
    anchor = Z[anchor_index].astype(np.float64)
    z = projection.inverse(np.array([[x, y]]), anchor)
    np.testing.assert_allclose(
        projection.transform(z)[0], [x, y], atol=1e-9 * (1 + abs(x) + abs(y))
    )


def test_off_plane_components_come_from_the_anchor():
    Z = planted()
    projection = pca_projection(Z)
    anchor = Z[7].astype(np.float64)
    z = projection.inverse(np.array([[4.0, -1.0]]), anchor)[0]
    # Remove the in-plane part: what is left equals the anchor's off-plane part.
    plane = projection.basis / np.linalg.norm(projection.basis, axis=1, keepdims=True)

    def off_plane(v):
        return v - (v @ plane.T) @ plane

    np.testing.assert_allclose(off_plane(z), off_plane(anchor), atol=1e-9)


def test_non_orthogonal_axes_lift_exactly():
    basis = np.array([[1.0, 0.5, 0.0], [0.2, 1.0, 0.3]])
    projection = LinearProjection(basis, np.zeros(3), ("a", "b"))
    z = projection.inverse(np.array([[2.0, 3.0]]), np.array([1.0, -1.0, 2.0]))
    np.testing.assert_allclose(projection.transform(z), [[2.0, 3.0]])


def test_one_dimensional_latents_map_to_a_line():
    Z = np.linspace(-1, 1, 20, dtype=np.float32)[:, None]
    projection = pca_projection(Z)
    P = projection.transform(Z)
    np.testing.assert_allclose(P[:, 1], 0)
    np.testing.assert_allclose(projection.inverse(P[:3].astype(float), Z[0].astype(float)), Z[:3])


def test_wrong_shapes_say_what_was_expected():
    projection = pca_projection(planted())
    with pytest.raises(ValueError, match=r"\(n, 6\)"):
        projection.transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        projection.inverse(np.zeros((3, 3)), np.zeros(6))
