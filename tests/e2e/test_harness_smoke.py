"""Proves the e2e harness with stock ipywidgets (no latent_magic involved)."""

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
