"""Conv decoders in the page: which torch decoders are exported to ONNX, that the exported
graph decodes like the model (run here by onnx's reference evaluator, the same graph the page
runs with onnxruntime-web), what stays in the kernel and why, and the parts the runtime and
the model travel in."""

import base64
import json
import os
import zlib
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from faces import face_generator
from onnx.reference import ReferenceEvaluator
from torch_models import BranchingGenerator, ConvVAE28, SlowConvDecoder

from latent_magic import _onnx_decoder as onnx_decoder
from latent_magic import _page_runtime as page_runtime
from latent_magic import explore
from latent_magic._renderers import arrange_image

STATIC = Path(__file__).parents[1] / "latent_magic" / "static"
SPOTS = [(0.0, 0.0), (1.5, -0.5), (-2.0, 1.0)]


@pytest.fixture(scope="module")
def vae():
    torch.manual_seed(0)
    return ConvVAE28()


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((300, 1, 28, 28)).astype(np.float32)


def page_decode(w, graph: bytes, x: float, y: float) -> np.ndarray:
    """What the page computes at (x, y): the latent from ``_onnx_decoder``'s lift, through the
    exported graph."""
    state = w._onnx_decoder
    z = np.asarray(state["at_origin"]) + np.asarray(state["lift"]) @ [x, y]
    model = onnx.load_from_string(graph)
    feed = {model.graph.input[0].name: z[None].astype(np.float32)}
    return np.asarray(ReferenceEvaluator(model).run(None, feed)[0]).reshape(-1)


def test_a_conv_vae_decoder_is_exported_and_decodes_like_the_kernel(vae, images, frontend):
    w = explore(vae, data=images, lift="affine")
    assert w._client_decoder == {}, "a conv decoder is no dense chain"
    state = w._onnx_decoder
    assert state["page"] is True
    assert state["reason"] == ""
    assert state["shape"] == [28, 28]
    assert state["value_range"] == [0.0, 1.0]
    assert len(state["at_origin"]) == 8
    assert np.shape(state["lift"]) == (8, 2)
    found = w._onnx_export()
    assert isinstance(found, onnx_decoder.OnnxDecoder), found
    assert found.checked == 8
    assert found.max_error < 1e-5
    ops = {node.op_type for node in onnx.load_from_string(found.onnx).graph.node}
    assert {"ConvTranspose", "Conv", "Add"} <= ops, ops
    for x, y in SPOTS:
        expected = arrange_image(w.decode_at(x, y)).reshape(-1)
        np.testing.assert_allclose(page_decode(w, found.onnx, x, y), expected, atol=1e-5)
    # A new anchor moves the lift the page computes with; the graph stays the same.
    w.anchor = w.latents[5]
    assert w._onnx_decoder["at_origin"] != state["at_origin"]
    x, y = SPOTS[1]
    expected = arrange_image(w.decode_at(x, y)).reshape(-1)
    np.testing.assert_allclose(page_decode(w, found.onnx, x, y), expected, atol=1e-5)


def test_the_page_asks_and_gets_the_runtime_and_model_in_checked_parts(vae, images, frontend):
    w = explore(vae, data=images, lift="affine")
    frontend.send(w, {"type": "onnx_runtime", "view": "v1"})
    sent = frontend.custom_messages()
    parts = []
    for content, buffers in sent:
        assert content["type"] == "onnx_part"
        assert content["view"] == "v1"
        (buffer,) = buffers
        data = bytes(buffer)
        assert len(data) <= page_runtime.PART_BYTES < 10 * 2**20
        assert zlib.crc32(data) == content["crc32"]
        part = page_runtime.Part(
            content["blob"],
            content["index"],
            content["total"],
            data,
            content["blob_size"],
            content["blob_crc32"],
        )
        parts.append(part)
    blobs = page_runtime.join(parts)
    assert blobs["runtime"] == (STATIC / "ort_runtime.js").read_bytes()
    assert blobs["wasm"] == (STATIC / "ort_runtime.wasm").read_bytes()
    assert blobs["model"] == w._onnx_export().onnx
    assert len([p for p in parts if p.blob == "wasm"]) == 4  # 14.8 MB in 4 MiB parts


def test_parts_reassemble_and_their_checksums_catch_a_flipped_byte():
    data = np.random.default_rng(1).integers(0, 256, 10_000, dtype=np.uint8).tobytes()
    parts = page_runtime.split("model", data, part_bytes=3000)
    assert [p.index for p in parts] == [0, 1, 2, 3]
    assert {p.total for p in parts} == {4}
    assert page_runtime.join(parts) == {"model": data}
    sent = parts[2].message()["crc32"]
    flipped = bytearray(parts[2].data)
    flipped[17] ^= 0x01
    damaged = page_runtime.Part("model", 2, 4, bytes(flipped), len(data), parts[2].blob_crc32)
    with pytest.raises(ValueError, match=r"part 3/4 of the model: checksum mismatch"):
        page_runtime.checked(damaged, sent)
    with pytest.raises(ValueError, match="do not match its announced size"):
        page_runtime.join([*parts[:2], damaged, parts[3]])
    with pytest.raises(ValueError, match=r"has parts \[0, 1, 3\] of 4"):
        page_runtime.join([parts[0], parts[1], parts[3]])
    truncated = page_runtime.Part("model", 3, 4, parts[3].data[:-5], len(data), zlib.crc32(data))
    with pytest.raises(ValueError, match="do not match"):
        page_runtime.join([*parts[:3], truncated])


def test_page_blobs_give_the_runtime_and_the_model_for_a_saved_page():
    blobs = page_runtime.page_blobs(b"onnx bytes")
    assert set(blobs) == {"runtime", "wasm", "model"}
    assert blobs["model"] == b"onnx bytes"
    assert blobs["wasm"][:4] == b"\0asm"  # a WebAssembly module
    assert b"InferenceSession" in blobs["runtime"]


def test_a_decoder_with_data_dependent_control_flow_stays_in_the_kernel_with_the_reason(
    frontend,
):
    torch.manual_seed(0)
    w = explore(BranchingGenerator(), n_samples=200, lift="affine")
    assert w._onnx_decoder["page"] is True  # cheap: only the export can tell
    frontend.send(w, {"type": "onnx_runtime"})
    assert frontend.custom_messages() == [], "nothing is sent for a model that did not export"
    state = w._onnx_decoder
    assert state["page"] is False
    reason = state["reason"]
    assert reason.startswith("BranchingGenerator decodes in the kernel: torch.onnx.export failed")
    assert "data-dependent" in reason
    assert "if x.mean() > 0:" in reason
    assert "at_origin" not in state
    # Asked again: the same verdict, from the cache, and previews still decode in the kernel.
    assert w._onnx_export() == reason
    assert w.decode_at(0.0, 0.0).shape == (1, 8, 8)


def test_the_face_gan_is_judged_fit_for_the_page():
    w = explore(face_generator(), n_samples=200, lift="affine")
    state = w._onnx_decoder
    assert state["page"] is True, state
    assert 0.09e9 < state["macs"] < 0.12e9  # 0.105 G multiply-adds a face
    assert 13e6 < state["weight_bytes"] < 16e6
    assert state["shape"] == [64, 64, 3]
    assert state["value_range"] == [-1.0, 1.0]


def test_a_big_slow_conv_decoder_stays_in_the_kernel_and_says_why():
    torch.manual_seed(0)
    w = explore(SlowConvDecoder(), n_samples=50, lift="affine")
    state = w._onnx_decoder
    assert state["page"] is False
    assert state["macs"] > onnx_decoder.MAX_MACS
    assert (
        "SlowConvDecoder decodes in the kernel: one decode costs 1.0 G multiply-adds"
        in (state["reason"])
    )
    assert w._onnx_export() == state["reason"]  # not exported at all


def test_the_local_lift_keeps_empty_space_in_the_kernel_without_a_reason(vae, images):
    w = explore(vae, data=images, lift="local")
    assert w._onnx_decoder["page"] is False
    assert w._onnx_decoder["reason"] == ""
    w.lift_mode = "affine"  # now the page can lift, and decodes
    assert w._onnx_decoder["page"] is True
    assert "lift" in w._onnx_decoder


def test_models_without_a_torch_decoder_or_with_a_dense_chain_have_no_onnx_state(digits_pca):
    from torch_models import MLPGenerator

    X = np.random.default_rng(0).random((200, 64))
    assert explore(digits_pca, data=X * 16)._onnx_decoder == {}
    torch.manual_seed(0)
    w = explore(MLPGenerator(), n_samples=100, lift="affine")
    assert w._client_decoder
    assert w._onnx_decoder == {}


def test_exporter_reason_is_short_and_names_the_line():
    error = RuntimeError(
        "Failed to export the model with torch.export.\n\n## Exception summary\n\n"
        "<class 'torch.fx.experimental.symbolic_shapes.GuardOnDataDependentSymNode'>: "
        "Could not guard on data-dependent expression\n\nThe following call raised this error:\n"
        '  File "m.py", line 7, in forward\n    if x.sum() > 0:\n'
    )
    assert onnx_decoder.exporter_reason(error) == (
        "GuardOnDataDependentSymNode: Could not guard on data-dependent expression "
        'at File "m.py", line 7, in forward: if x.sum() > 0:'
    )
    assert onnx_decoder.exporter_reason(ValueError("one\ntwo")) == "one"


# ---------------------------------------------------------------------- a golden file for the page
# js/tests/onnx_decoder.test.js runs the page's loader (js/onnx_decoder.js) with the real
# onnxruntime-web on this file: the `_onnx_decoder` state and `.onnx` bytes the widget sends,
# map positions, and the RGBA pixels the kernel's renderer makes of decode_at there. The test
# below rebuilds the state and pixels from the kernel and fails when the file differs;
# LATENT_MAGIC_WRITE_GOLDEN=1 rewrites it.
GOLDEN = Path(__file__).resolve().parents[1] / "js" / "tests" / "golden_onnx" / "conv.json"


class TinyConvDecoder(torch.nn.Module):
    """``(n, 3)`` → ``(n, 3, 16, 16)`` RGB in [-1, 1]: a transposed conv with batch norm,
    upsampling, a skip around a conv; weights from a formula (the file does not follow torch's
    random initialisation)."""

    nz = 3

    def __init__(self):
        from torch import nn

        super().__init__()
        self.fc = nn.Linear(3, 4 * 4 * 4)
        self.up = nn.ConvTranspose2d(4, 4, 4, 2, 1)
        self.norm = nn.BatchNorm2d(4)
        self.grow = nn.Upsample(scale_factor=2)
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.out = nn.Conv2d(4, 3, 3, padding=1)
        with torch.no_grad():
            for k, p in enumerate([*self.parameters(), *self.norm.buffers()]):
                if p.is_floating_point():
                    i = torch.arange(p.numel(), dtype=torch.float64)
                    p.copy_((((7 * i + 3 * k) % 23 - 11) / 16).reshape(p.shape))
            self.norm.running_var.abs_().add_(0.5)

    def forward(self, z):
        x = self.fc(z).reshape(-1, 4, 4, 4)
        x = self.grow(self.norm(self.up(x)).relu())
        return torch.tanh(self.out(x + self.conv(x)))


def golden_onnx_case():
    w = explore(TinyConvDecoder(), n_samples=200, lift="affine", seed=0)
    found = w._onnx_export()
    assert isinstance(found, onnx_decoder.OnnxDecoder), found
    reach = float(np.abs(w.points).max())
    positions = [
        [round(f * reach, 6), round(g * reach, 6)] for f, g in [(0, 0), (0.4, -0.3), (-1.2, 0.8)]
    ]
    previews = [w._space.renderer(w.decode_at(x, y)) for x, y in positions]
    return {
        "about": "Written by tests/test_onnx_decoder.py (LATENT_MAGIC_WRITE_GOLDEN=1).",
        "onnx_decoder": w._onnx_decoder,
        "onnx": base64.b64encode(found.onnx).decode(),
        "positions": positions,
        "pixels": [base64.b64encode(p.buffers[0]).decode() for p in previews],  # RGBA
    }


def test_the_golden_file_for_the_page_matches_the_kernel():
    case = golden_onnx_case()
    if os.environ.get("LATENT_MAGIC_WRITE_GOLDEN") == "1" or not GOLDEN.exists():
        GOLDEN.write_text(json.dumps(case, indent=1) + "\n")
    stored = json.loads(GOLDEN.read_text())
    for key in ("positions", "pixels"):
        assert stored[key] == case[key], f"{GOLDEN.name} is stale ({key}): rewrite it"
    assert stored["onnx_decoder"].keys() == case["onnx_decoder"].keys()
    for key, value in case["onnx_decoder"].items():
        if isinstance(value, str | bool):
            assert stored["onnx_decoder"][key] == value, key
        else:
            np.testing.assert_allclose(stored["onnx_decoder"][key], value, rtol=1e-12, err_msg=key)
    # The stored graph decodes what the kernel decodes (the page's part is the JS test's).
    model = onnx.load_from_string(base64.b64decode(stored["onnx"]))
    state = stored["onnx_decoder"]
    for (x, y), pixels in zip(stored["positions"], stored["pixels"], strict=True):
        z = np.asarray(state["at_origin"]) + np.asarray(state["lift"]) @ [x, y]
        feed = {model.graph.input[0].name: z[None].astype(np.float32)}
        values = np.asarray(ReferenceEvaluator(model).run(None, feed)[0]).reshape(-1)
        grey = np.clip((values + 1) / 2, 0, 1) * 255 + 0.5
        rgba = np.frombuffer(base64.b64decode(pixels), np.uint8).reshape(-1, 4)[:, :3]
        assert np.abs(grey.astype(int) - rgba.reshape(-1).astype(int)).max() <= 1
