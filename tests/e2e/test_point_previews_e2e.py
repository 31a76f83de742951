"""Previews of data points decoded in the page, in real JupyterLab: hovering a data point of
an MLP decoder's map, or of a conv generator's map run as ONNX, shows the pixels the kernel
decodes from that point's own latent, and the page sends no ``decode`` request for it."""

from __future__ import annotations

import numpy as np
import pytest

from .test_onnx_e2e import TESTS, settle, wait_onnx
from .widget_page import MapView

pytestmark = pytest.mark.e2e

N = 300
MLP_MAP = (
    "import numpy as np, torch, latent_magic\n"
    "from torch import nn\n"
    "torch.manual_seed(0)\n"
    "class Decoder(nn.Module):\n"
    "    nz = 4\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.net = nn.Sequential(\n"
    "            nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 1024), nn.Tanh())\n"
    "    def forward(self, z):\n"
    "        return self.net(z.reshape(len(z), -1)).reshape(len(z), 1, 32, 32)\n"
    f"w = latent_magic.explore(Decoder(), n_samples={N}, lift='affine')\n"
    "w"
)
CONV_MAP = (
    "import sys, torch, latent_magic\n"
    f"sys.path.insert(0, {TESTS!r})\n"
    "from torch_models import DCGANGenerator\n"
    "torch.manual_seed(0)\n"
    f"w = latent_magic.explore(DCGANGenerator(nz=4), n_samples={N}, lift='affine')\n"
    "w"
)


@pytest.mark.parametrize("cell", [MLP_MAP, CONV_MAP], ids=["mlp", "conv-onnx"])
def test_hovering_a_point_decodes_its_own_latent_in_the_page(open_notebook, cell):
    nb = open_notebook([cell])
    nb.run_all(timeout=180)
    view = MapView(nb)
    view.wait_drawn(N)
    onnx = cell is CONV_MAP
    if onnx:
        wait_onnx(nb, "ready", timeout=120)
    assert nb.kernel.eval("len(w._point_latents)") == N * 4
    points = np.array(nb.kernel.eval("w.points.tolist()"))
    view.count_sends()
    view.root.scroll_into_view_if_needed()  # page positions are read after any scrolling
    for k in range(2):
        spot = view.lonely_points(points, 2)[k]
        index = int(np.argmin(np.hypot(*(view.to_page(points) - spot).T)))
        view.hover(spot)
        if onnx:
            settle(view)
        title = view.root.locator(".lm-preview-title").inner_text()
        assert title == f"point {index}"
        assert view.attr("preview-source") == ("onnx" if onnx else "client")
        decoded = np.squeeze(
            np.array(nb.kernel.eval(f"w._space.model.decode(w.latents[{index}][None])[0].tolist()"))
        )
        expected = (np.clip((decoded + 1) / 2, 0, 1) * 255 + 0.5).astype(np.uint8)
        np.testing.assert_allclose(view.preview_pixels(), expected, atol=1)
        # Not the spot's decode: a 4-d latent is off the map's plane.
        at_spot = view.decoded_pixels(view.to_page(points[index])[0])
        assert np.abs(at_spot.astype(int) - expected).max() > 2, "the test cannot tell them apart"
        nb.screenshot(f"point-preview-{'onnx' if onnx else 'mlp'}-{index}", locator=view.root)
    nb.page.wait_for_timeout(400)  # past the rest delay: still nothing asked of the kernel
    decodes = [m for m in view.sent() if m.get("type") == "decode"]
    assert decodes == [], decodes
