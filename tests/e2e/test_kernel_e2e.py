"""A kernel restarted or shut down under an open widget: the page says the kernel is gone,
asks it nothing more, and running the cell again brings a working widget back."""

from __future__ import annotations

import time

import numpy as np
import pytest
from playwright.sync_api import expect

from .widget_page import MapView, assert_quickstart_point_preview, lasso

pytestmark = pytest.mark.e2e

# Longer than the preview slot's timeout (5 s), after which it used to send again.
GONE_HOVER_S = 6.5


def hover_while_gone(nb, view: MapView, points: np.ndarray) -> None:
    """Moves over points and empty space for longer than the slot's timeout."""
    spots = np.concatenate([view.lonely_points(points, 4), view.empty_spots(points, 3)])
    deadline = time.monotonic() + GONE_HOVER_S
    k = 0
    while time.monotonic() < deadline:
        x, y = spots[k % len(spots)]
        nb.page.mouse.move(float(x), float(y), steps=3)
        nb.page.wait_for_timeout(250)
        k += 1


def assert_gone(nb, view: MapView, words: str) -> None:
    nb.wait_for_js(
        "(i) => document.querySelectorAll('.lm-root')[i].dataset.kernel === 'gone'",
        view.index,
        what="the widget to say its kernel is gone",
    )
    notice = view.root.locator(".lm-kernel-gone")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(words)
    expect(notice).to_contain_text("Run the cell again")


def assert_live_preview(nb, view: MapView) -> None:
    """Hovering a point shows the kernel's preview of it: its title and its pixels."""
    assert_quickstart_point_preview(nb, view)
    assert view.attr("preview-source") == "kernel"


def test_a_restarted_kernel_is_said_and_asked_nothing_until_the_cell_runs_again(quickstart):
    nb, view = quickstart
    points = view.points()
    view.count_sends()
    view.hover(view.lonely_points(points, 1)[0])
    assert {"method": "custom", "type": "decode"} in view.sent(), "the count sees requests"

    nb.restart_kernel()
    assert_gone(nb, view, "restarted")
    before = view.sent()
    clients = view.attr("preview-id")
    hover_while_gone(nb, view, points)
    assert view.sent() == before, "the page asked a kernel that is gone"
    # Empty space still decodes in the page (its decoder chain needs no kernel); a point says
    # why it shows nothing.
    assert view.attr("preview-id") != clients
    assert view.attr("preview-source") == "client"
    nb.page.mouse.move(*view.lonely_points(points, 1)[0])
    expect(view.root.locator(".lm-preview-message")).to_contain_text("Run the cell again")
    nb.screenshot("restarted", locator=view.root)

    nb.run_cell(0, timeout=120)
    view = MapView(nb)
    view.wait_drawn(1797)
    assert view.attr("kernel") == "live"
    assert nb.page.locator(".lm-root").count() == 1, "the old view is gone with its output"
    assert_live_preview(nb, view)
    nb.screenshot("run-again", locator=view.root)


def test_a_shut_down_kernel_is_said_and_asked_nothing(quickstart):
    nb, view = quickstart
    points = view.points()
    view.count_sends()
    view.hover(view.lonely_points(points, 1)[0])
    assert {"method": "custom", "type": "decode"} in view.sent()

    nb.shutdown_kernel()
    assert_gone(nb, view, "shut down")
    before = view.sent()
    hover_while_gone(nb, view, points)
    # A lasso, a pin and the operations bar ask nothing either.
    box = view.box()
    corners = [(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8)]
    polygon = [(box["x"] + box["width"] * u, box["y"] + box["height"] * v) for u, v in corners]
    lasso(nb, view, polygon)
    assert int(view.attr("selected")) > 100, "the selection is shown in the page"
    nb.page.locator('.lm-root button[data-tool="pin"]').click()
    nb.page.mouse.click(*view.empty_spots(points, 1)[0])
    assert view.attr("pins") == "0", "a pin the kernel will never make is drawn"
    assert view.root.locator(".lm-ops").evaluate("e => e.inert")
    assert view.sent() == before, "the page asked a kernel that is gone"
    nb.screenshot("shut-down", locator=view.root)

    nb.start_kernel()
    nb.run_cell(0, timeout=120)
    view = MapView(nb)
    view.wait_drawn(1797)
    assert view.attr("kernel") == "live"
    assert_live_preview(nb, view)
