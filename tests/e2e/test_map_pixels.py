"""The check that a map's pixels show its points (widget_page.points_painted_report), on
pictures made here: it must pass a faithful picture and fail a blank or misplaced one."""

from __future__ import annotations

import numpy as np
import pytest

from .widget_page import occupancy, painted_cells, points_painted_report

VIEW = {"x0": -4.0, "x1": 4.0, "y0": -3.0, "y1": 3.0}
CSS = (800.0, 420.0)


def picture(points: np.ndarray, radius: float = 2.5, scale: int = 1) -> np.ndarray:
    """Discs at the points as the map draws them: transparent elsewhere."""
    w, h = int(CSS[0] * scale), int(CSS[1] * scale)
    rgba = np.zeros((h, w, 4), np.uint8)
    px = (points[:, 0] - VIEW["x0"]) / (VIEW["x1"] - VIEW["x0"]) * w
    py = (VIEW["y1"] - points[:, 1]) / (VIEW["y1"] - VIEW["y0"]) * h
    r = radius * scale
    yy, xx = np.mgrid[-int(r) - 1 : int(r) + 2, -int(r) - 1 : int(r) + 2]
    disc = xx**2 + yy**2 <= r * r
    for x, y in zip(px.astype(int), py.astype(int), strict=True):
        ys, xs = y + yy[disc], x + xx[disc]
        keep = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
        rgba[ys[keep], xs[keep]] = (200, 60, 60, 255)
    return rgba


@pytest.fixture
def points() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.normal(size=(3000, 2)) * [1.2, 0.7] + [0.5, -0.3]


@pytest.mark.parametrize("scale", [1, 2])
def test_a_faithful_picture_passes(points, scale):
    assert points_painted_report(picture(points, scale=scale), VIEW, points, CSS) == ""


def test_a_blank_canvas_fails(points):
    blank = np.zeros((420, 800, 4), np.uint8)
    report = points_painted_report(blank, VIEW, points, CSS)
    assert "cells holding points are blank" in report


def test_points_drawn_in_the_wrong_place_fail(points):
    moved = np.roll(picture(points), 200, axis=1)
    report = points_painted_report(moved, VIEW, points, CSS)
    assert "are blank" in report
    assert "without points are painted" in report


def test_a_picture_of_other_points_fails(points):
    others = np.random.default_rng(1).uniform(-4, 4, size=(3000, 2)) * [1, 0.75]
    assert "without points are painted" in points_painted_report(picture(others), VIEW, points, CSS)


def test_a_canvas_painted_all_over_fails(points):
    full = np.full((420, 800, 4), 255, np.uint8)
    assert "without points are painted" in points_painted_report(full, VIEW, points, CSS)


def test_too_few_points_for_the_check_say_so():
    one = np.array([[0.0, 0.0]])
    assert "would say little" in points_painted_report(picture(one), VIEW, one, CSS)


def test_cells_and_margins():
    xy = np.array([[5.0, 5.0], [39.0, 5.0]])  # cells of 40 x 40 px
    held = occupancy(xy, 80, 40, grid=(2, 1))
    assert held.tolist() == [[True, False]]
    assert occupancy(xy, 80, 40, grid=(2, 1), margin=2).tolist() == [[True, True]]
    rgba = np.zeros((40, 80, 4), np.uint8)
    rgba[3, 70, 3] = 1
    assert painted_cells(rgba, grid=(2, 1)).tolist() == [[False, True]]
