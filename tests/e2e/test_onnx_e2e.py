"""A conv VAE's decoder run in the page by onnxruntime-web, in real JupyterLab: the map is
drawn before the runtime arrives, then hovering empty space decodes in the page (the kernel
is kept busy meanwhile) to the pixels ``decode_at`` gives; a part damaged on its way is
caught by its checksum and previews stay in the kernel, with a notice."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from .widget_page import MapView

pytestmark = pytest.mark.e2e

TESTS = str(Path(__file__).parents[1])
N = 400


def cell(after: str = "") -> str:
    return (
        "import sys, time\n"
        f"sys.path.insert(0, {TESTS!r})\n"
        "import numpy as np, torch, latent_magic\n"
        "from torch_models import ConvVAE28\n"
        "torch.manual_seed(0)\n"
        "rng = np.random.default_rng(0)\n"
        # Noise of varied brightness: the untrained encoder spreads it over the map.
        f"X = (rng.random(({N}, 1, 28, 28)) * rng.random(({N}, 1, 1, 1)) * 4).astype('f4')\n"
        "w = latent_magic.explore(ConvVAE28(), data=X, lift='affine')\n"
        # The runtime is sent 3 s after the page asks: the map must be drawn without it.
        "_send_runtime = w._requests._handlers['onnx_runtime']\n"
        "w._requests._handlers['onnx_runtime'] = (\n"
        "    lambda c, b: (time.sleep(3), _send_runtime(c, b)))\n"
        f"{after}"
        "w"
    )


def onnx_state(view: MapView) -> dict:
    raw = view.attr("onnx")
    return json.loads(raw) if raw else {}


def wait_onnx(nb, state: str, timeout: float = 90.0) -> None:
    nb.wait_for_js(
        "(s) => { const r = document.querySelector('.lm-root');"
        " return r && r.dataset.onnx && JSON.parse(r.dataset.onnx).state === s; }",
        state,
        timeout=timeout,
        what=f"the page decoder to be {state}",
    )


def test_a_conv_vae_decodes_in_the_page_once_its_runtime_arrives(open_notebook):
    nb = open_notebook([cell()])
    nb.run_cell(0, timeout=240)
    view = MapView(nb)
    view.wait_drawn(N, timeout=90)
    # The map is on screen while the runtime is still on its way.
    assert onnx_state(view)["state"] in ("waiting", "loading"), onnx_state(view)
    nb.screenshot("onnx-map-before-runtime", locator=view.root)
    spots = view.empty_spots(view.points(), 2, clearance=15.0)
    view.hover(spots[0])
    assert view.attr("preview-source") == "kernel"  # until the runtime has arrived
    wait_onnx(nb, "ready", timeout=120)
    ready = onnx_state(view)
    assert ready["bytes"] > 14_000_000, ready  # the 14.8 MB .wasm, the JS and the model
    # From now on the kernel answers previews only after a long while: what shows comes
    # from the page, which sends no decode request before the pointer rests.
    nb.kernel.execute(
        "_decode = w._requests._handlers['decode']\n"
        "w._requests._handlers['decode'] = lambda c, b: (time.sleep(8), _decode(c, b))"
    )
    busy = threading.Thread(target=time.sleep, args=(8,))
    busy.start()
    view.count_sends()
    shown = []
    for spot in spots:
        view.hover(spot)
        assert view.attr("preview-source") == "onnx"
        assert view.root.locator(".lm-preview-title").inner_text() == "empty space"
        shown.append(view.preview_pixels())
    assert busy.is_alive(), "the kernel's answers were due: the previews may have come from it"
    sent = [m for m in view.sent() if m.get("method") == "custom"]
    assert all(m.get("type") == "decode" for m in sent), sent  # only the resting requests
    nb.screenshot("onnx-page-preview", locator=view.root)
    busy.join()
    nb.kernel.execute("w._requests._handlers['decode'] = _decode")
    for spot, pixels in zip(spots, shown, strict=True):
        expected = view.decoded_pixels(spot, value_range=(0.0, 1.0))
        assert pixels.shape == expected.shape == (28, 28)
        np.testing.assert_allclose(pixels, expected, atol=2)
    assert np.abs(shown[0].astype(int) - shown[1]).max() > 10, "the preview did not change"
    assert float(view.attr("preview-ms")) >= 0


DAMAGE = (
    # A byte of the second .wasm part flipped after its checksum was computed: what a broken
    # transfer would deliver.
    "_send = w.send\n"
    "def _damaging(content, buffers=None):\n"
    "    if content.get('type') == 'onnx_part' and content['blob'] == 'wasm' "
    "and content['index'] == 1:\n"
    "        data = bytearray(buffers[0]); data[1000] ^= 0xFF; buffers = [bytes(data)]\n"
    "    return _send(content, buffers)\n"
    "w.send = _damaging\n"
)


def test_a_damaged_runtime_part_is_caught_and_previews_stay_in_the_kernel(open_notebook):
    nb = open_notebook([cell(DAMAGE)])
    nb.run_cell(0, timeout=240)
    view = MapView(nb)
    view.wait_drawn(N, timeout=90)
    wait_onnx(nb, "kernel", timeout=120)
    notice = view.attr("notice") or ""
    assert "part 2/4 of the wasm: checksum mismatch" in notice, notice
    assert "previews decode in the kernel" in notice
    spot = view.empty_spots(view.points(), 1, clearance=15.0)[0]
    view.hover(spot)
    assert view.attr("preview-source") == "kernel"
    expected = view.decoded_pixels(spot, value_range=(0.0, 1.0))
    np.testing.assert_allclose(view.preview_pixels(), expected, atol=2)
    nb.screenshot("onnx-damaged-part", locator=view.root)
