"""Convolutional decoders in the page: a torch decoder that is not a chain of dense layers
(transposed and plain convolutions, upsampling, batch norm, skip additions) is exported to
ONNX and run in the browser by onnxruntime-web.

Two steps, so that building a widget stays fast:

* :func:`plan` (when the widget is built): one decode of one latent with forward hooks
  counts the multiply-adds of its convolutions and dense layers and the bytes of its weights
  (convolutions called as functions, ``F.conv2d``, are not counted).
  A decoder over :data:`MAX_MACS` or :data:`MAX_MODEL_BYTES` stays in the kernel, and the
  verdict says why.
* :func:`export` (once the page asks, after the map is drawn; cached per decoder):
  ``torch.onnx.export`` (the dynamo exporter, which refuses data-dependent control flow
  rather than tracing one branch of it), then the exported graph is run by onnx's reference
  evaluator on 2–8 random latents (fewer for costly decoders: it takes ~2 s a latent for the
  face DCGAN) and must match ``decode`` as the dense chains must (``_client_decoder``).
  A failure keeps the decoder in the kernel with the exporter's reason.

The exported graph takes one latent ``(1, d)`` and gives the output flat, in the page's pixel
order ``(H, W[, C])`` (a gather at its end), so the page only lifts (x, y) to the latent with
the map's affine lift and paints the values like the dense chain's.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._projection import LinearProjection
from ._renderers import ImageRenderer, arrange_image

if TYPE_CHECKING:
    import torch

    from ._space import LatentSpace

# The measured facts (shared/scale-and-page-decoding.md): the face DCGAN, 0.105 G multiply-adds
# and 14 MB of weights, decodes in 26–39 ms in the page (about 3.5 G multiply-adds a second on
# one WASM thread); a 128² decoder with 64 channels takes ~2 s. Up to ~4× the DCGAN (~120 ms a
# preview) the page still beats a round trip to a busy kernel; beyond, the kernel decodes.
MAX_MACS = 400_000_000
MAX_MODEL_BYTES = 48 * 2**20  # a dozen 4 MiB parts, after the 14 MB runtime
# onnx's reference evaluator takes ~2 s a latent for the face DCGAN: fewer latents for big nets.
_MAX_CHECK_MACS = 200_000_000
_CHECKS = (2, 8)  # random latents the exported graph must reproduce (fewest, most)


@dataclass(frozen=True)
class Verdict:
    """Whether the page can run a decoder: ``page`` and, when not, ``reason``; ``macs`` and
    ``weight_bytes`` as measured."""

    page: bool
    reason: str = ""
    macs: int = 0
    weight_bytes: int = 0


@dataclass(frozen=True)
class OnnxDecoder:
    """An exported decoder: the ``.onnx`` bytes, its input's and output's names, the latent
    size, the number of values it gives, and how far from ``decode`` it was when checked."""

    onnx: bytes
    input_name: str
    output_name: str
    dim: int
    size: int
    max_error: float
    checked: int


# One export per decoder and output order: exporting the face DCGAN takes seconds.
_EXPORTS: weakref.WeakKeyDictionary[Any, dict[bytes, OnnxDecoder | str]] = (
    weakref.WeakKeyDictionary()
)


def torch_decoder(model: Any) -> Any:
    """The model's torch decoder (``_torch_runner.Decoder``), or None for other models."""
    return getattr(model, "torch_decoder", None)


@dataclass(frozen=True)
class PagePlan:
    """What the page would run: the verdict, the flat output's indices in the page's pixel
    order, and the image shape ``(H, W[, C])`` the page paints."""

    verdict: Verdict
    order: np.ndarray
    shape: tuple[int, ...]


def plan(model: Any, dim: int, renderer: Any) -> PagePlan | None:
    """The plan for the model's torch decoder: None for a model without one, or whose
    previews the page does not paint itself (only fixed-range images); otherwise whether the
    page can run it, from multiply-adds and weights counted over one decode."""
    decoder = torch_decoder(model)
    if decoder is None or not model.can_decode:
        return None
    if not isinstance(renderer, ImageRenderer) or renderer.value_range is None:
        return None
    name = model.name
    try:
        macs, weight_bytes, output_shape = _measure(decoder, dim)
        flat = np.arange(int(np.prod(output_shape))).reshape(output_shape)
        arranged = arrange_image(flat, renderer.shape)
    except Exception:  # the kernel's renderer says what is wrong, on every preview
        return None
    order, shape = arranged.reshape(-1).astype(np.int64), tuple(arranged.shape)
    reason = ""
    if weight_bytes > MAX_MODEL_BYTES:
        reason = (
            f"{name} decodes in the kernel: its weights are {weight_bytes / 2**20:.0f} MB, "
            f"more than the {MAX_MODEL_BYTES // 2**20} MB the page takes."
        )
    elif macs > MAX_MACS:
        reason = (
            f"{name} decodes in the kernel: one decode costs {macs / 1e9:.1f} G multiply-adds, "
            f"too slow for the page (at most {MAX_MACS / 1e9:.1f} G)."
        )
    return PagePlan(Verdict(not reason, reason, macs, weight_bytes), order, shape)


def _measure(decoder: Any, dim: int) -> tuple[int, int, tuple[int, ...]]:
    """Multiply-adds of one decode (convolutions, transposed convolutions, dense layers),
    the bytes of the module's floating weights, and the shape of one output."""
    from torch import nn

    module = decoder.runner.module
    macs = 0
    transposed = nn.ConvTranspose1d | nn.ConvTranspose2d | nn.ConvTranspose3d
    plain = nn.Conv1d | nn.Conv2d | nn.Conv3d

    def count(layer: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
        nonlocal macs
        weight = layer.weight
        assert isinstance(weight, nn.Parameter)
        if isinstance(layer, transposed):  # weight (in, out/g, k…): each input feeds them
            macs += int(inputs[0].numel()) * int(np.prod(weight.shape[1:]))
        elif isinstance(layer, plain):  # weight (out, in/g, k…): each output reads them
            macs += int(output.numel()) * int(np.prod(weight.shape[1:]))
        else:
            macs += int(output.numel()) * int(weight.shape[1])

    counted = [m for m in module.modules() if isinstance(m, transposed | plain | nn.Linear)]
    handles = [m.register_forward_hook(count) for m in counted]
    try:
        output = decoder(np.zeros((1, dim), np.float32))
    finally:
        for handle in handles:
            handle.remove()
    tensors = [*module.parameters(), *module.buffers()]
    weight_bytes = sum(t.numel() * 4 for t in tensors if t.is_floating_point())
    return macs, weight_bytes, tuple(np.asarray(output).shape[1:])


def export(model: Any, page: PagePlan) -> OnnxDecoder | str:
    """The model's torch decoder exported to ONNX and checked against ``decode`` (cached per
    decoder), or the reason it cannot run in the page."""
    decoder = torch_decoder(model)
    if decoder is None:
        return f"{model.name} has no torch decoder to export."
    if not page.verdict.page:
        return page.verdict.reason
    cached = _EXPORTS.setdefault(decoder, {})
    key = page.order.tobytes()
    if key not in cached:
        cached[key] = _export(model, decoder, page)
    return cached[key]


def _export(model: Any, decoder: Any, page: PagePlan) -> OnnxDecoder | str:
    import torch

    name, dim, order = model.name, model.dim, page.order
    try:
        import onnx
        import onnxscript  # noqa: F401  (torch.onnx.export needs it)
    except ImportError as error:
        return (
            f"{name} decodes in the kernel: exporting it for the page needs onnx and "
            f"onnxscript (pip install 'latent_magic[onnx]'); {error}."
        )
    module = _exportable(decoder, order)
    latent = torch.zeros((1, dim), dtype=torch.float32)
    try:
        with _quiet():
            program = torch.onnx.export(
                module, (latent,), dynamo=True, verbose=False, report=False, optimize=True
            )
        if program is None:  # pragma: no cover - the dynamo exporter returns its program
            return f"{name} decodes in the kernel: torch.onnx.export gave no program."
        proto = program.model_proto
        data = proto.SerializeToString()
    except Exception as error:  # unsupported operators, data-dependent control flow, …
        return f"{name} decodes in the kernel: torch.onnx.export failed: {exporter_reason(error)}"
    checked = _check(model, onnx.load_from_string(data), page)
    if isinstance(checked, str):
        return f"{name} decodes in the kernel: {checked}"
    return OnnxDecoder(
        onnx=data,
        input_name=proto.graph.input[0].name,
        output_name=proto.graph.output[0].name,
        dim=dim,
        size=len(order),
        max_error=checked[0],
        checked=checked[1],
    )


def _exportable(decoder: Any, order: np.ndarray) -> torch.nn.Module:
    """A module ``(1, d)`` latents → the flat output in pixel order, on the CPU in float32,
    running the decoder exactly as the kernel does (DCGAN-style ``(n, d, 1, 1)`` input)."""
    import copy

    import torch

    root, function = decoder.runner.module, decoder.function
    tensors = [*root.parameters(), *root.buffers()]
    if not all(t.device.type == "cpu" and t.dtype != torch.float64 for t in tensors):
        # A copy on the CPU in float32; the user's module stays where it is.
        copied = copy.deepcopy(root).to("cpu", torch.float32)
        if isinstance(function, torch.nn.Module):
            path = {id(m): n for n, m in root.named_modules()}[id(function)]
            function = copied.get_submodule(path)
        else:
            function = getattr(copied, function.__name__)
        root = copied
    spatial, index = bool(decoder.spatial), torch.from_numpy(order)

    class Exported(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.root = root  # its weights, whatever function runs them
            self.register_buffer("order", index)

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            out = function(z.reshape(*z.shape, 1, 1) if spatial else z)
            while isinstance(out, tuple | list):  # (mu, logvar) and the like: the mean
                out = out[0]
            return out.reshape(1, -1).index_select(1, self.order)

    return Exported().eval()


def _check(model: Any, proto: Any, page: PagePlan) -> tuple[float, int] | str:
    """Run the exported graph with onnx's reference evaluator on random latents (at the
    prior's scale and three times it) and compare with ``decode``."""
    from onnx.reference import ReferenceEvaluator

    try:
        evaluator = ReferenceEvaluator(proto)
    except Exception as error:
        return f"onnx cannot evaluate the exported graph: {error}"
    rng = np.random.default_rng(0)
    dim, order, macs = model.dim, page.order, max(page.verdict.macs, 1)
    n = int(np.clip(_MAX_CHECK_MACS // macs, *_CHECKS))
    Z = rng.normal(size=(n, dim)) * np.where(np.arange(n) % 2, 3.0, 1.0)[:, None]
    Z = Z.astype(np.float32)
    expected = np.asarray(model.decode(Z), dtype=np.float64).reshape(n, -1)[:, order]
    feed = proto.graph.input[0].name
    got = np.stack([np.asarray(evaluator.run(None, {feed: z[None]})[0]).reshape(-1) for z in Z])  # type: ignore[index]
    scale = max(float(np.abs(expected).max()), 1e-12)
    off = float(np.abs(got - expected).max()) if got.shape == expected.shape else np.inf
    if not off <= 1e-4 * scale:
        return (
            f"its ONNX export differs from decode by {off:.3g} (scale {scale:.3g}) on "
            "random latents."
        )
    return off, n


def exporter_reason(error: BaseException) -> str:
    """The exporter's reason in a line or two: the exception summary torch.onnx writes, and
    the user's line that raised it; else the error's first line."""
    text = str(error)
    summary = re.search(r"## Exception summary\s*\n+(.+)", text)
    where = re.search(r"The following call raised this error:\s*\n(.+)\n(.+)", text)
    parts = []
    if summary:
        parts.append(re.sub(r"<class '([\w.]+)'>", lambda m: m[1].rsplit(".", 1)[-1], summary[1]))
    else:
        parts.append(text.strip().splitlines()[0] if text.strip() else type(error).__name__)
    if where:
        parts.append(f"at {where[1].strip()}: {where[2].strip()}")
    reason = " ".join(parts)
    return reason if len(reason) <= 600 else reason[:597] + "…"


@contextlib.contextmanager
def _quiet() -> Any:
    """The exporter prints progress and warnings; the notebook shows none of it."""
    loggers = [logging.getLogger(n) for n in ("torch", "torch.onnx", "torch.export", "onnxscript")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def page_state(page: PagePlan | None, space: LatentSpace, failure: str = "") -> dict[str, Any]:
    """The ``_onnx_decoder`` trait: empty for a model without a torch decoder the page could
    paint; otherwise whether it decodes in the page (``page``), why not (``reason``), the
    costs measured, and while it does the image's shape and value range and the map's affine
    lift ``z = at_origin + lift · (x, y)``."""
    if page is None:
        return {}
    reason = failure or page.verdict.reason
    state: dict[str, Any] = {
        "page": not reason,
        "reason": reason,
        "macs": page.verdict.macs,
        "weight_bytes": page.verdict.weight_bytes,
    }
    projection, renderer = space.projection, space.renderer
    if reason or not isinstance(renderer, ImageRenderer) or renderer.value_range is None:
        return state
    if not isinstance(projection, LinearProjection) or not space.lift_is_affine:
        state["page"] = False  # no reason shown: the lift, not the decoder, needs the kernel
        return state
    lift = projection.affine_lift(space.anchor)
    state["shape"] = list(page.shape)
    state["value_range"] = [float(v) for v in renderer.value_range]
    state["at_origin"] = [float(v) for v in lift.at_origin]
    state["lift"] = [[float(a), float(b)] for a, b in lift.lift]
    return state
