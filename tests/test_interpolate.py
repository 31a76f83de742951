"""Interpolating between two latents: slerp keeps a Gaussian prior's samples on its shell where
lerp sinks toward its hollow centre; the default follows the prior and the note says so; in a
map's space the steps are decoded in one batch and placed on the map."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.decomposition import PCA
from torch_models import MLPGenerator, digit_images

from latent_magic import ExploreOptions, Interpolation, LatentModel
from latent_magic._interpolate import interpolate, interpolate_in
from latent_magic._prior import typical_norms
from latent_magic._space import build_space

D = 512


@pytest.fixture
def samples() -> tuple[np.ndarray, np.ndarray]:
    """Two draws of a 512-d standard normal prior."""
    a, b = np.random.default_rng(0).standard_normal((2, D))
    return a, b


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    cos = u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    return math.degrees(math.acos(np.clip(cos, -1, 1)))


def test_slerp_keeps_the_priors_norms_where_lerp_sinks_to_its_hollow_centre(samples):
    a, b = samples
    low, high = typical_norms(D)
    slerp = interpolate(a, b, steps=9, prior=True)
    assert slerp.method == "slerp"
    norms = np.linalg.norm(slerp.latents, axis=1)
    assert ((low <= norms) & (norms <= high)).all(), (low, norms, high)
    lerp = interpolate(a, b, steps=9, method="lerp", prior=True)
    assert lerp.method == "lerp"
    middle = float(np.linalg.norm(lerp.latents[4]))
    assert middle == pytest.approx(math.sqrt(D / 2), rel=0.05)  # 16 where samples have 22.6
    assert middle < low
    # The note says where a straight path leaves the norms the prior gives.
    assert "the Gaussian prior gives norms 20.5–24.8" in lerp.note
    assert f"run {middle:.1f}" in lerp.note


def test_slerp_between_orthogonal_unit_vectors_turns_by_equal_angles_at_unit_length():
    a, b = np.eye(4)[0], np.eye(4)[2]
    found = interpolate(a, b, steps=7, method="slerp")
    np.testing.assert_allclose(np.linalg.norm(found.latents, axis=1), 1.0, atol=1e-12)
    turns = [_angle(p, q) for p, q in zip(found.latents[:-1], found.latents[1:], strict=True)]
    np.testing.assert_allclose(turns, 90 / 6, atol=1e-9)
    np.testing.assert_allclose([_angle(a, z) for z in found.latents], 90 * found.t, atol=1e-6)
    assert "90.0° apart" in found.note


def test_slerp_is_the_standard_formula_on_the_vectors_themselves():
    # White (2016)'s slerp, written out here: ends of different norms at 60°.
    a = np.array([2.0, 0.0, 0.0])
    b = np.array([0.5, math.sqrt(3) / 2, 0.0]) * 3
    omega = math.acos(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    t = np.linspace(0, 1, 5)
    expected = [
        math.sin((1 - s) * omega) / math.sin(omega) * a + math.sin(s * omega) / math.sin(omega) * b
        for s in t
    ]
    np.testing.assert_allclose(interpolate(a, b, steps=5, method="slerp").latents, expected)


@pytest.mark.parametrize("method", ["slerp", "lerp"])
@pytest.mark.parametrize("steps", [2, 3, 8])
def test_the_ends_are_a_and_b_exactly(samples, method, steps):
    a, b = samples
    found = interpolate(a, b, steps=steps, method=method)
    assert isinstance(found, Interpolation)
    assert found.latents.shape == (steps, D)
    assert found.latents.dtype == np.float64
    np.testing.assert_array_equal(found.latents[0], a)
    np.testing.assert_array_equal(found.latents[-1], b)
    np.testing.assert_array_equal(found.t, np.linspace(0, 1, steps))
    assert found.outputs is None
    assert found.positions is None


def test_two_steps_are_the_ends_alone(samples):
    a, b = samples
    found = interpolate(a, b, steps=2, prior=True)
    np.testing.assert_array_equal(found.latents, np.vstack([a, b]))
    np.testing.assert_array_equal(found.t, [0.0, 1.0])


def test_lerp_is_the_straight_line():
    a, b = np.array([0.0, 0.0]), np.array([4.0, 2.0])
    found = interpolate(a, b, steps=5)
    np.testing.assert_allclose(found.latents, [[0, 0], [1, 0.5], [2, 1], [3, 1.5], [4, 2]])


def test_the_default_method_follows_the_prior_and_the_note_says_so(samples):
    a, b = samples
    generator = interpolate(a, b, prior=True)
    assert generator.method == "slerp"
    assert generator.note.startswith("slerp (the default under a Gaussian prior)")
    assert "shell of radius about √d = 22.6" in generator.note
    assert "√(d/2) = 16.0" in generator.note
    plain = interpolate(a, b)
    assert plain.method == "lerp"
    assert plain.note == "lerp (the default without a Gaussian prior): straight steps from a to b"
    assert interpolate(a, b, method="slerp").method == "slerp"  # asked for: no prior needed
    assert interpolate(a, b, method="lerp", prior=False).note == "lerp, as asked"


@pytest.mark.parametrize(
    ("b", "why"),
    [
        (lambda a: 2.5 * a, "a and b point the same way"),
        (lambda a: -a, "a and b point in opposite directions, which no one great circle joins"),
        (lambda a: np.zeros_like(a), "b is the zero vector"),
    ],
)
def test_slerp_falls_back_to_lerp_where_no_great_circle_is_defined(b, why):
    a = np.array([1.0, 2.0, -1.0])
    found = interpolate(a, b(a), steps=5, method="slerp")
    assert found.method == "lerp"
    assert found.note.startswith("lerp instead of slerp: " + why)
    np.testing.assert_allclose(found.latents, interpolate(a, b(a), steps=5).latents)
    assert np.isfinite(found.latents).all()


def test_torch_tensors_and_lists_are_vectors_too():
    found = interpolate(torch.tensor([1.0, 0.0], requires_grad=True), [0, 1], steps=3)
    np.testing.assert_allclose(found.latents[1], [0.5, 0.5])


# ---------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("steps", [1, 0, -3])
def test_fewer_than_two_steps_are_refused(steps):
    with pytest.raises(
        ValueError, match=rf"steps must be at least 2 \(a and b themselves\); got {steps}"
    ):
        interpolate([0.0, 1.0], [1.0, 0.0], steps=steps)


@pytest.mark.parametrize("steps", [2.0, True, "9", None])
def test_steps_that_are_not_an_integer_are_refused(steps):
    with pytest.raises(TypeError, match=r"steps must be an integer"):
        interpolate([0.0, 1.0], [1.0, 0.0], steps=steps)


@pytest.mark.parametrize(
    ("a", "b", "message"),
    [
        (np.ones(3), np.ones(4), r"same size; got a of size 3 and b of size 4"),
        ([0.0, math.nan], [1.0, 0.0], r"a holds NaN or infinite values"),
        ([0.0, 1.0], [math.inf, 0.0], r"b holds NaN or infinite values"),
        (
            np.ones((2, 3)),
            np.ones(3),
            r"a must be one latent vector of shape \(d,\); got shape \(2, 3\)",
        ),
        ([], [], r"a must be one latent vector of shape \(d,\); got shape \(0,\)"),
        (7, [1.0], r"a must be one latent vector of shape \(d,\); got shape \(\)"),
        (["x", "y"], [1.0, 0.0], r"a must be a vector of real numbers"),
    ],
)
def test_vectors_that_are_not_two_latents_of_one_space_are_refused(a, b, message):
    with pytest.raises(ValueError, match=message):
        interpolate(a, b)


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match=r"method must be one of 'slerp', 'lerp' or None"):
        interpolate([0.0, 1.0], [1.0, 0.0], method="cubic")


# ---------------------------------------------------------------------- in a map's space
def test_in_a_generators_space_the_steps_are_slerped_decoded_and_placed_on_the_map():
    torch.manual_seed(0)
    space = build_space(MLPGenerator(latent=6), None, ExploreOptions(n_samples=200))
    a, b = space.latents[3].astype(np.float64), space.latents[7].astype(np.float64)
    found = interpolate_in(space, a, b, steps=5)
    assert found.method == "slerp"
    assert "Gaussian prior" in found.note
    assert found.outputs is not None
    assert found.outputs.shape == (5, 8, 8)
    np.testing.assert_allclose(found.outputs, space.model.decode(found.latents), atol=1e-6)
    assert found.positions is not None
    np.testing.assert_allclose(found.positions, space.project(found.latents))
    np.testing.assert_allclose(found.positions[[0, -1]], space.points[[3, 7]], atol=1e-4)
    # On the linear PCA map a great circle is a curve: the middle step leaves the chord.
    chord = interpolate_in(space, a, b, steps=5, method="lerp")
    assert chord.method == "lerp"
    assert not np.allclose(found.positions[2], chord.positions[2], atol=1e-3)


def test_in_a_pca_space_the_default_is_lerp_and_without_a_decoder_nothing_is_decoded():
    X = digit_images().reshape(-1, 64)[:300]
    space = build_space(PCA(8).fit(X), X, ExploreOptions())
    a, b = space.latents[0], space.latents[1]
    found = interpolate_in(space, a, b, steps=4)
    assert found.method == "lerp"
    assert found.outputs is not None
    assert found.outputs.shape == (4, 64)
    encoder_only = LatentModel(encode=lambda X: np.asarray(X)[:, :3], n_features=64, name="enc")
    space = build_space(encoder_only, X, ExploreOptions())
    found = interpolate_in(space, space.latents[0], space.latents[1], steps=3)
    assert found.outputs is None
    assert found.positions is not None
    assert found.positions.shape == (3, 2)
    with pytest.raises(
        ValueError, match=r"a must be a latent vector of this map's space, of shape \(3,\)"
    ):
        interpolate_in(space, np.zeros(4), np.zeros(3))
