"""The article's operations in the real browser: named axes, walking, groups, arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from .widget_page import inside_polygon, lasso, open_map

pytestmark = pytest.mark.e2e


def wait_axes(nb, axes):
    nb.wait_for_js(
        "(want) => document.querySelector('.lm-root').dataset.axes === JSON.stringify(want)",
        axes,
        what=f"the map to show axes {axes}",
    )


def test_named_axes_and_the_walk_slider(quickstart):
    nb, view = quickstart
    # A named direction from Python appears in the pickers; choosing it moves the map.
    nb.kernel.execute(
        "import latent_magic\n"
        "thick = latent_magic.direction(w.latents, X.sum(axis=1), ordered=True, bins=6, "
        "name='ink')\n"
        "w.add_direction(thick)"
    )
    nb.wait_for_js(
        "() => [...document.querySelectorAll('select.lm-axis-x option')]"
        ".some(o => o.textContent === 'ink')",
        what="the 'ink' direction among the axis options",
    )
    ink = np.array(nb.kernel.eval("X.sum(axis=1).tolist()"))
    before = np.array(nb.kernel.eval("w.points.tolist()"))
    nb.page.locator("select.lm-axis-x").select_option("ink")
    nb.kernel.wait_until("w._axes", ["ink", "PC 2"])
    wait_axes(nb, ["ink", "PC 2"])
    nb.wait_for_js(
        "() => Number(document.querySelector('.lm-root').dataset.frames) > 0",
        what="a frame after the axes changed",
    )
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    # The x axis now tracks the amount of ink, much better than PC 1 did.
    tracks = np.corrcoef(points[:, 0], ink)[0, 1]
    assert tracks > 0.7
    assert tracks > abs(np.corrcoef(before[:, 0], ink)[0, 1]) + 0.2
    assert "ink" in view.root.inner_text()

    # Walking along 'ink' decodes live: thin digits at one end, heavy at the other.
    nb.page.locator("select.lm-walk-direction").select_option("ink")
    slider = nb.page.locator("input.lm-walk")
    shown = {}
    for t in ("-3", "3"):
        before = view.attr("preview-id")
        slider.fill(t)
        nb.wait_for_js(
            """(before) => { const r = document.querySelector('.lm-root');
                             return r.dataset.previewId !== before
                                    && r.querySelector('.lm-preview-title')
                                        .textContent.startsWith('ink · t ='); }""",
            before,
            what=f"the walk preview at t={t}",
        )
        nb.page.wait_for_timeout(300)
        shown[t] = view.preview_pixels().astype(int)
    assert shown["3"].sum() > shown["-3"].sum() * 1.3, "more ink along +ink"
    nb.screenshot("walk", locator=view.root)

    nb.page.locator('button[data-action="pin-walk"]').click()
    pinned = nb.kernel.wait_until("len(w.pinned_vectors)", 9)
    assert pinned == 9
    walk = np.array(nb.kernel.eval("w.walk('ink').latents.tolist()"))
    np.testing.assert_allclose(np.array(nb.kernel.eval("w.pinned_vectors.tolist()")), walk)


def select_region(nb, view, points, centre, radius, shift=False):
    polygon = np.array(
        [
            (centre[0] + radius * np.cos(a), centre[1] + radius * np.sin(a))
            for a in np.linspace(0, 2 * np.pi, 10)[:-1]
        ]
    )
    lasso(nb, view, polygon, shift=shift)
    return np.flatnonzero(inside_polygon(view.to_page(points), polygon))


def test_a_direction_from_two_lassoed_groups(quickstart):
    nb, view = quickstart
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    labels = np.array(nb.kernel.eval("y.tolist()"))
    page = view.to_page(points)
    zeros, ones = page[labels == 0].mean(axis=0), page[labels == 1].mean(axis=0)
    radius = 0.35 * np.linalg.norm(zeros - ones)

    group_a = select_region(nb, view, points, zeros, radius)
    nb.kernel.wait_until("len(w.selected_indices)", lambda n: n > 10)
    nb.page.locator('button[data-action="set-group-a"]').click()
    group_b = select_region(nb, view, points, ones, radius)
    nb.kernel.wait_until("sorted(w.selected_indices.tolist())[:3]", sorted(group_b.tolist())[:3])
    nb.page.locator('button[data-action="set-group-b"]').click()
    nb.page.locator("input.lm-direction-name").fill("zero_vs_one")
    nb.page.locator('button[data-action="make-direction"]').click()

    nb.kernel.wait_until("'zero_vs_one' in w.directions", True)
    # The groups live in the kernel: Python reads them, and a second view shows them.
    assert nb.kernel.eval("w.groups['A'].tolist()") == sorted(group_a.tolist())
    assert nb.kernel.eval("w.groups['B'].tolist()") == sorted(group_b.tolist())
    made = np.array(nb.kernel.eval("w.directions['zero_vs_one'].vector.tolist()"))
    latents = np.array(nb.kernel.eval("w.latents.tolist()"))
    expected = latents[group_a].mean(axis=0) - latents[group_b].mean(axis=0)
    np.testing.assert_allclose(made, expected, rtol=1e-4, atol=1e-4)
    nb.wait_for_js(
        "() => document.querySelector('.lm-root').dataset.notice.includes('zero_vs_one')",
        what="the notice that the direction was made",
    )
    # It can become an axis at once.
    nb.page.locator("select.lm-axis-y").select_option("zero_vs_one")
    nb.kernel.wait_until("w._axes", ["PC 1", "zero_vs_one"])
    wait_axes(nb, ["PC 1", "zero_vs_one"])
    nb.screenshot("groups-direction", locator=view.root)
    again = nb.append_cell("w")
    nb.run_cell(again, timeout=60)
    nb.wait_for_js(
        "([a, b]) => { const roots = document.querySelectorAll('.lm-root');"
        " const r = roots[roots.length - 1];"
        " return roots.length === 2 && r.dataset.groupA === String(a)"
        " && r.dataset.groupB === String(b); }",
        [len(group_a), len(group_b)],
        what="the second view showing both groups",
    )


TABLE = (
    "%load_ext latent_magic\n"
    "import numpy as np\n"
    "rng = np.random.default_rng(0)\n"
    "words = {f'filler{i}': rng.normal(size=24) for i in range(150)}\n"
    "gender, royal = rng.normal(size=24), rng.normal(size=24)\n"
    "base = rng.normal(size=24)\n"
    "words.update(man=base, woman=base + gender, king=base + royal,\n"
    "             queen=base + royal + gender + rng.normal(size=24) * 0.05)\n"
    "w = %latent explore words"
)


def test_arithmetic_box_shows_neighbors_and_marks_the_result(open_notebook):
    nb, view = open_map(open_notebook, TABLE, 154, run_timeout=120)
    box = nb.page.locator("input.lm-arith")
    box.fill("king - man + woman")
    box.press("Enter")
    nb.wait_for_js(
        "() => document.querySelectorAll('.lm-arith-result li').length > 0",
        what="the arithmetic result",
    )
    first = nb.page.locator(".lm-arith-result li .lm-arith-label").first.inner_text()
    assert first == "queen"
    assert view.attr("marks") == "1"
    mark = nb.kernel.eval("w._marks[-1]")
    assert mark["label"] == "king - man + woman"
    nb.screenshot("arithmetic", locator=view.root)

    box.fill("king - + man")
    box.press("Enter")
    error = nb.wait_for_js(
        "() => { const e = document.querySelector('.lm-arith-error'); return e && e.textContent; }",
        what="the parse error",
    )
    assert "^" in error
    assert nb.kernel.eval("len(w._marks)") == 1
