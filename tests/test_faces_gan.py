"""A real pretrained GAN (100-d faces): the map's empty space decodes to faces, neighbouring
spots to neighbouring faces, walks stay on faces, and the off-data flag says where they are not.

The defect these guard: the plane through the samples' mean lies in the prior's hollow centre
(norms 1–5 where samples have 7–12), where this generator draws a tiled brown texture."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from faces import face_generator, is_face

from latent_magic import explore


@pytest.fixture(scope="module")
def faces_map():
    torch.set_num_threads(1)
    return explore(face_generator(), n_samples=500)


def _plain_lift_through_the_mean():
    """The same 500 prior samples (same seed), lifted the plain way through their mean."""
    plain = explore(face_generator(), n_samples=500, lift="affine")
    plain.anchor = plain.latents.mean(axis=0)
    return plain


def _inner_grid(w, n: int, share: float = 0.8) -> np.ndarray:
    """``(n * n, 2)`` map positions over the inner ``share`` of the points' extent."""
    lo, hi = w.points.min(axis=0), w.points.max(axis=0)
    middle, half = (lo + hi) / 2, (hi - lo) / 2 * share
    xs = np.linspace(middle[0] - half[0], middle[0] + half[0], n)
    ys = np.linspace(middle[1] - half[1], middle[1] + half[1], n)
    return np.array([(x, y) for y in ys for x in xs])


def _decode(w, positions: np.ndarray) -> np.ndarray:
    return np.stack([w.decode_at(x, y) for x, y in positions])


def test_the_measure_tells_the_models_faces_from_its_texture(faces_map):
    samples = faces_map.model.decode(faces_map.latents[:100])
    assert is_face(samples).all()
    hollow = faces_map.model.decode(np.zeros((1, 100)))  # the prior's mean
    assert not is_face(hollow).any()


def test_empty_space_decodes_to_faces_where_the_plain_lift_did_not(faces_map):
    w = faces_map
    assert w.lift_mode == "local"
    grid = _inner_grid(w, 7)
    assert is_face(_decode(w, grid)).all()
    # The plain lift through the samples' mean: the hollow centre of the prior.
    plain = _plain_lift_through_the_mean()
    assert is_face(_decode(plain, grid)).mean() < 0.5


def test_the_lift_is_exact_on_the_map_and_gives_points_back(faces_map):
    w = faces_map
    grid = _inner_grid(w, 5)
    lifted = np.stack([w.lift(x, y) for x, y in grid])
    np.testing.assert_allclose(w.project(lifted), grid, atol=1e-9)
    for i in [0, 17, 250, 499]:
        np.testing.assert_allclose(w.lift(*w.points[i]), w.latents[i], atol=1e-5)
    np.testing.assert_allclose(w.decode_at(*grid[3]), w.model.decode(lifted[3][None])[0])


def test_neighbouring_spots_decode_to_neighbouring_faces(faces_map):
    w = faces_map
    samples = w.model.decode(w.latents[:50]).reshape(50, -1)
    typical = np.median(np.sqrt(((samples[:25] - samples[25:]) ** 2).mean(axis=1)))

    def steps(line):
        decoded = _decode(w, line).reshape(len(line), -1)
        return np.sqrt((np.diff(decoded, axis=0) ** 2).mean(axis=1)) / typical

    lo, hi = w.points.min(axis=0) * 0.8, w.points.max(axis=0) * 0.8
    line = np.linspace(lo, hi, 161)  # a diagonal across the map in small steps
    # Close to a sample (a disc of a quarter of the gap to its nearest other sample) the lift
    # blends into that sample, so that the sample's position lifts to the sample itself.
    near = _near_a_sample(w, line)
    assert near.mean() < 0.1
    step = steps(line)
    between = ~(near[:-1] | near[1:])
    assert np.median(step[between]) < 0.1
    assert step[between].max() < 0.5
    # Inside a disc the face changes fast, but continuously: zoomed in on the largest change
    # twice (20 finer steps each time), each step changes the face less.
    start, end, largest = line[np.argmax(step)], line[np.argmax(step) + 1], step.max()
    for _ in range(2):
        segment = np.linspace(start, end, 21)
        finer = steps(segment)
        k = int(np.argmax(finer))
        assert finer[k] < 0.75 * largest
        start, end, largest = segment[k], segment[k + 1], finer[k]
    assert largest < 0.1


def _near_a_sample(w, positions: np.ndarray) -> np.ndarray:
    gaps = np.sqrt(((w.points[:, None] - w.points[None]) ** 2).sum(-1))
    np.fill_diagonal(gaps, np.inf)
    radius = 0.25 * gaps.min(axis=1)
    distance = np.sqrt(((positions[:, None] - w.points[None]) ** 2).sum(-1))
    return (distance < radius[None]).any(axis=1)


def test_a_walk_from_the_default_anchor_stays_on_faces(faces_map):
    w = faces_map
    walk = w.walk("PC 1", steps=7)
    assert is_face(walk.outputs).all()
    norms = np.linalg.norm(walk.latents, axis=1)
    np.testing.assert_allclose(norms, np.linalg.norm(w.anchor))
    assert "norm" in walk.note


def test_off_data_flags_the_hollow_centre_and_not_the_faces(faces_map):
    w = faces_map
    grid = _inner_grid(w, 5)
    space = w._space
    assert not any(space.distance_from_data(w.lift(x, y)).off_data for x, y in grid)
    plain = _plain_lift_through_the_mean()
    assert all(plain._space.distance_from_data(plain.lift(x, y)).off_data for x, y in grid)


def test_the_lift_is_chosen_stated_and_switched(faces_map):
    w = explore(faces_map.model, data=faces_map.latents[:200])
    assert w.lift_mode == "local"
    assert "lifted from the latents near it, at their norm" in w._status
    assert w._decoder["lift"] == "local"
    x, y = w.points[:2].mean(axis=0)
    local = w.lift(x, y)
    w.anchor = w.latents[5]  # a fixed anchor: it fills in what the plane cannot show
    assert w.lift_mode == "affine"
    assert "lifted through the anchor" in w._status
    affine = w.lift(x, y)
    plane = np.linalg.qr(w._space.projection.basis.T)[0]  # (d, 2)
    off = np.eye(100) - plane @ plane.T  # what the map cannot see comes from the anchor
    np.testing.assert_allclose(off @ affine, off @ w.latents[5], atol=1e-6)
    assert not np.allclose(affine, local)
    np.testing.assert_allclose(w.project(affine), [[x, y]], atol=1e-9)
    w.lift_mode = "local"
    np.testing.assert_allclose(w.lift(x, y), local)
    with pytest.raises(ValueError, match="the lift is one of 'local', 'affine'; got 'sideways'"):
        w.lift_mode = "sideways"
    assert w.lift_mode == "local"
    with pytest.raises(ValueError, match="lift must be one of 'auto', 'local', 'affine'"):
        explore(faces_map.model, data=faces_map.latents[:50], lift="curved")


def test_a_walk_from_the_hollow_centre_goes_straight_and_says_so(faces_map):
    w = explore(faces_map.model, n_samples=500)
    w.anchor = np.zeros(100)  # the prior's mean: no norm to keep
    walk = w.walk("PC 1", steps=5)
    assert "straight steps" in walk.note
    norms = np.linalg.norm(walk.latents, axis=1)
    np.testing.assert_allclose(norms, np.abs(walk.t) * norms[0] / abs(walk.t[0]))  # straight


def test_latent_codes_a_user_brings_are_not_held_to_the_priors_norms(faces_map):
    truncated = 0.6 * faces_map.latents  # the truncation trick: norms near 0.6 √d
    w = explore(faces_map.model, data=truncated)
    space = w._space
    assert not any(space.distance_from_data(z).off_data for z in truncated[:20])
