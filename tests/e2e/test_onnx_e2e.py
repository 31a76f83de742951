"""A conv VAE's decoder run in the page by onnxruntime-web, in real JupyterLab: the map is
drawn before the runtime arrives, then hovering empty space decodes in the page (the kernel
is kept busy meanwhile) to the pixels ``decode_at`` gives; a part damaged on its way is
caught by its checksum and previews stay in the kernel, with a notice; the real face DCGAN
(gan-face-generate) decodes faces in the page, pixel for pixel as ``decode_at``."""

from __future__ import annotations

import json
import re
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


def settle(view: MapView, quiet_s: float = 0.8) -> None:
    """Wait until no newer preview has come for ``quiet_s``: the pointer's intermediate
    positions decode too (the newest waits), and the preview's image copy follows 120 ms
    after the last one."""
    last, since = view.attr("preview-id"), time.monotonic()
    while time.monotonic() - since < quiet_s:
        time.sleep(0.05)
        now = view.attr("preview-id")
        if now != last:
            last, since = now, time.monotonic()


def caption_xy(view: MapView) -> tuple[float, float]:
    """The map position the preview on display was decoded at, from its caption."""
    text = view.root.locator(".lm-preview-caption").inner_text().replace("\u2212", "-")
    found = re.match(r"x (-?[\d.e+-]+), y (-?[\d.e+-]+)", text)
    assert found, f"no coordinates in the caption: {text!r}"
    return float(found[1]), float(found[2])


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


# Recorded by the page as it happens (the kernel goes idle only after sending the runtime, so
# the test cannot look in between): when the map first showed every point, and when the
# page decoder first said it was loading and ready.
WATCH_JS = """(n) => {
  window.__onnxSeen = {};
  const seen = window.__onnxSeen;
  const look = () => {
    const r = document.querySelector('.lm-root');
    if (!r) return;
    const now = performance.now();
    if (seen.drawn === undefined && r.dataset.drawn === String(n) && Number(r.dataset.frames) > 0)
      seen.drawn = now;
    const state = r.dataset.onnx ? JSON.parse(r.dataset.onnx).state : '';
    if (state && seen[state] === undefined) seen[state] = now;
  };
  new MutationObserver(look).observe(document.body, {
    subtree: true, childList: true, attributes: true,
    attributeFilter: ['data-drawn', 'data-frames', 'data-onnx'],
  });
}"""


def test_a_conv_vae_decodes_in_the_page_once_its_runtime_arrives(open_notebook):
    nb = open_notebook([cell()])
    nb.page.evaluate(WATCH_JS, N)
    nb.run_cell(0, timeout=240)
    view = MapView(nb)
    view.wait_drawn(N, timeout=90)
    spots = view.empty_spots(view.points(), 2, clearance=15.0)
    if onnx_state(view)["state"] == "loading":
        nb.screenshot("onnx-map-before-runtime", locator=view.root)
        view.hover(spots[0])
        assert view.attr("preview-source") == "kernel"  # until the runtime has arrived
    wait_onnx(nb, "ready", timeout=120)
    # The map was on screen while the runtime was on its way (sent 3 s after it was asked).
    seen = nb.page.evaluate("() => window.__onnxSeen")
    assert seen["drawn"] <= seen["loading"] < seen["ready"], seen
    assert seen["ready"] - seen["drawn"] > 3000, seen
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
    shown, where = [], []
    for spot in spots:
        view.hover(spot)
        settle(view)
        assert view.attr("preview-source") == "onnx"
        assert view.root.locator(".lm-preview-title").inner_text() == "empty space"
        shown.append(view.preview_pixels())
        # Where the page decoded, as its caption says (the panel's first image may move the
        # map, so the pointer's page position alone does not tell).
        where.append(caption_xy(view))
    assert busy.is_alive(), "the kernel's answers were due: the previews may have come from it"
    sent = [m for m in view.sent() if m.get("method") == "custom"]
    assert all(m.get("type") == "decode" for m in sent), sent  # only the resting requests
    nb.screenshot("onnx-page-preview", locator=view.root)
    busy.join()
    nb.kernel.execute("w._requests._handlers['decode'] = _decode")
    for (x, y), pixels in zip(where, shown, strict=True):
        decoded = np.array(nb.kernel.eval(f"w.decode_at({float(x)!r}, {float(y)!r}).tolist()"))
        expected = (np.clip(np.squeeze(decoded), 0, 1) * 255 + 0.5).astype(np.uint8)
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


FACES = (
    "import sys, time\n"
    f"sys.path.insert(0, {TESTS!r})\n"
    "import latent_magic\n"
    "from faces import face_generator\n"
    "w = latent_magic.explore(face_generator(), n_samples=500, lift='affine')\n"
    "w"
)


def test_the_real_face_gan_decodes_faces_in_the_page(open_notebook):
    import sys

    sys.path.insert(0, TESTS)
    from faces import is_face

    nb = open_notebook([FACES])
    nb.run_cell(0, timeout=240)
    view = MapView(nb)
    view.wait_drawn(500, timeout=90)
    wait_onnx(nb, "ready", timeout=240)
    assert onnx_state(view)["bytes"] > 29_000_000  # the runtime and 14.4 MB of weights
    nb.kernel.execute(  # the kernel answers late: what shows is the page's
        "_decode = w._requests._handlers['decode']\n"
        "w._requests._handlers['decode'] = lambda c, b: (time.sleep(6), _decode(c, b))"
    )
    anchor = view.to_page(np.array(nb.kernel.eval("w._anchor_xy")))[0]
    spots = view.empty_spots(view.points(), 40, clearance=9.0)
    near = spots[np.argsort(np.hypot(*(spots - anchor).T))[:2]]  # faces near the anchor
    for k, spot in enumerate(near):
        view.hover(spot)
        settle(view)
        assert view.attr("preview-source") == "onnx"
        nb.wait_for_js(
            "() => { const img = document.querySelector('.lm-preview img.lm-preview-image');"
            " return img && img.complete && img.naturalWidth === 64; }",
            what="the 64×64 preview",
        )
        data = nb.page.evaluate(
            """() => { const img = document.querySelector('.lm-preview img.lm-preview-image');
                       const c = document.createElement('canvas'); c.width = 64; c.height = 64;
                       const g = c.getContext('2d'); g.drawImage(img, 0, 0);
                       return Array.from(g.getImageData(0, 0, 64, 64).data); }"""
        )
        rgb = np.array(data, dtype=np.uint8).reshape(64, 64, 4)[..., :3]
        x, y = caption_xy(view)
        decoded = np.array(nb.kernel.eval(f"w.decode_at({x!r}, {y!r}).tolist()"))
        rgb_decoded = np.moveaxis(decoded.reshape(3, 64, 64), 0, -1)  # CHW → HWC, in [-1, 1]
        expected = (np.clip((rgb_decoded + 1) / 2, 0, 1) * 255 + 0.5).astype(np.uint8)
        np.testing.assert_allclose(rgb, expected, atol=2)
        assert is_face(rgb[None])[0], f"spot {k} is no face"
        nb.screenshot(f"onnx-face-{k}", locator=view.root)
    nb.kernel.execute("w._requests._handlers['decode'] = _decode")
