"""Proves the e2e harness with stock ipywidgets (no latent_magic involved)."""

import os
import pathlib
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from .harness import CellError, KernelError

pytestmark = pytest.mark.e2e


def test_harness_smoke(open_notebook, jupyter_server):
    t0 = time.monotonic()
    nb = open_notebook(
        [
            "import ipywidgets as W; s = W.IntSlider(value=3); s",
            "1 / 0",
        ]
    )
    t_open = time.monotonic() - t0

    # WebGL2 through SwiftShader in headless Chromium.
    gl = nb.page.evaluate("""() => {
        const gl = document.createElement('canvas').getContext('webgl2');
        if (!gl) return null;
        const ext = gl.getExtension('WEBGL_debug_renderer_info');
        const name = ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER;
        return {renderer: gl.getParameter(name)};
    }""")
    assert gl is not None, "WebGL2 is not available in the page"

    r = nb.run_cell(0)
    assert r["executionCount"] == 1
    slider = nb.output_area(0).locator(".jupyter-widgets.widget-slider")
    expect(slider).to_be_visible(timeout=30_000)
    readout = slider.locator(".widget-readout")
    expect(readout).to_have_text("3")

    # Kernel side: attached client shares the notebook's namespace.
    assert nb.kernel.eval("s.value") == 3
    assert nb.kernel.eval("{'a': [1, 2.5, None], 'b': 'x'}") == {"a": [1, 2.5, None], "b": "x"}
    assert nb.kernel.eval("__import__('numpy').arange(3) * 2") == [0, 2, 4]
    with pytest.raises(KernelError, match="NameError"):
        nb.kernel.eval("no_such_name")

    # Browser -> kernel: keyboard on the slider handle, then wait for Python to have it.
    handle = slider.locator(".noUi-handle")
    handle.focus()
    handle.press("ArrowRight")
    expect(readout).to_have_text("4")
    t1 = time.monotonic()
    assert nb.kernel.wait_until("s.value", 4, timeout=30) == 4
    t_sync = time.monotonic() - t1

    # Kernel -> browser.
    nb.kernel.execute("s.value = 7")
    expect(readout).to_have_text("7")
    assert nb.kernel.execute("print(s.value * 2)") == "14\n"

    # A cell that raises surfaces its traceback.
    with pytest.raises(CellError, match="ZeroDivisionError"):
        nb.run_cell(1)

    # Cells can be added after opening.
    i = nb.append_cell("t = W.Text(value='hello'); t")
    assert i == 2
    nb.run_cell(i)
    expect(nb.output_area(i).locator(".widget-text input")).to_have_value("hello")

    nb.assert_no_page_errors()
    shot = nb.screenshot("slider")
    nb.screenshot("slider-output", locator=nb.output_area(0))
    assert shot.exists()
    print(
        f"\n[e2e timings] server startup {jupyter_server.startup_seconds:.2f}s, "
        f"open_notebook {t_open:.2f}s (page load -> idle kernel "
        f"{nb.timings['page_load_to_idle_s']:.2f}s, attach client "
        f"{nb.timings['attach_kernel_client_s']:.3f}s), cell runs "
        f"{ {i: [round(x, 3) for x in v] for i, v in nb.timings['cells'].items()} }, "
        f"key press -> python {t_sync:.3f}s, renderer {gl['renderer']}"
    )


# Tests run by an inner pytest session on the e2e fixtures: what fails and what does not.
INNER_TESTS = """
import pytest

NOISY_WIDGET = (
    "import anywidget\\n"
    "class Noisy(anywidget.AnyWidget):\\n"
    "    _esm = 'export default { render({ el }) {"
    " el.textContent = \\"noisy\\"; console.error(\\"logged by the widget\\"); } }'\\n"
    "Noisy()"
)


def test_an_uncaught_error(open_notebook):
    nb = open_notebook(["1"])
    nb.page.evaluate("() => { setTimeout(() => { throw new Error('thrown in the page'); }); }")
    nb.page.wait_for_timeout(300)


def test_a_widget_that_logs_an_error(open_notebook):
    nb = open_notebook([NOISY_WIDGET])
    nb.run_cell(0)
    nb.wait_for_js("() => document.body.textContent.includes('noisy')")


def test_a_failure_with_page_errors_too(open_notebook):
    nb = open_notebook(["1"])
    nb.page.evaluate("() => { Promise.reject(new Error('rejected in the page')); }")
    nb.page.wait_for_timeout(300)
    assert 1 == 2, "the test's own failure"


def test_a_console_error_of_the_page_not_the_widget(open_notebook):
    nb = open_notebook(["1"])
    nb.page.evaluate("() => console.error('logged by the page')")


def test_errors_taken_by_the_test(open_notebook):
    nb = open_notebook(["1"])
    nb.page.evaluate("() => { setTimeout(() => { throw new Error('expected'); }); }")
    nb.page.wait_for_timeout(300)
    assert any("expected" in e for e in nb.take_page_errors())
"""


def test_an_uncaught_page_error_fails_the_test_that_caused_it(tmp_path):
    tests_dir = pathlib.Path(__file__).parents[1]
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["e2e.conftest"]\n')
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    env = dict(os.environ, PYTHONPATH=str(tests_dir), E2E_ARTIFACTS=str(tmp_path / "artifacts"))
    env.pop("PYTEST_ADDOPTS", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q", "test_inner.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = run.stdout + run.stderr
    outcome = {
        line.split("::")[1].split(" ")[0]: line.split(" ")[0]
        for line in out.splitlines()
        if line.startswith(("PASSED test_inner.py", "FAILED test_inner.py", "ERROR test_inner.py"))
    }
    assert outcome == {
        "test_an_uncaught_error": "FAILED",
        "test_a_widget_that_logs_an_error": "FAILED",
        "test_a_failure_with_page_errors_too": "FAILED",
        "test_a_console_error_of_the_page_not_the_widget": "PASSED",
        "test_errors_taken_by_the_test": "PASSED",
    }, out
    # The failures name the errors, and the test's own failure keeps its message.
    assert "thrown in the page" in out
    for words in (
        "console.error at blob:",
        "logged by the widget",
        "rejected in the page",
        "the test's own failure",
    ):
        assert words in out
