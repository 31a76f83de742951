"""Decoding in the browser: when the model's decoder is affine and the map is linear, the
output at map position (x, y) is ``base + x·ux + y·uy``; three small vectors sent once make
every hover preview instant, with no kernel round trip."""

from __future__ import annotations

from typing import Any

import numpy as np

from .renderers import ImageRenderer, RecordRenderer, arrange_image

MAX_OUTPUTS = 1 << 16  # beyond this many output values a kernel round trip is cheaper to send
MAX_DIM = 1024  # probing an affine decoder costs dim + 1 decodes


def affine_decoder(model: Any, dim: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``(A (d, f), b (f,))`` with ``decode(z) == z @ A + b`` for every z, or None.

    Found by decoding the origin and the unit vectors, then checked on random latents: a
    decoder that is not affine (a neural network) fails the check and stays in the kernel.
    """
    if not model.can_decode or dim > MAX_DIM:
        return None
    try:
        # Four probes first: a large output or a failing decoder costs only those.
        probes = np.random.default_rng(0).normal(size=(4, dim)) * 3
        decoded = np.asarray(model.decode(probes), dtype=np.float64).reshape(4, -1)
        if decoded.shape[1] > MAX_OUTPUTS:
            return None
        basis = np.vstack([np.zeros(dim), np.eye(dim)])
        outputs = np.asarray(model.decode(basis), dtype=np.float64).reshape(dim + 1, -1)
        b, A = outputs[0], outputs[1:] - outputs[0]
    except Exception:  # a decoder that cannot take these probes simply stays in the kernel
        return None
    scale = max(float(np.abs(decoded).max()), 1e-12)
    if not np.allclose(decoded, probes @ A + b, rtol=0, atol=1e-5 * scale):
        return None
    return A, b


def linear_preview(
    affine: tuple[np.ndarray, np.ndarray] | None, space: Any
) -> tuple[dict[str, Any], bytes]:
    """The ``_linear_decoder`` description and ``_linear_basis`` bytes for the current map
    and anchor; empty when previews cannot be computed in the browser."""
    projection, renderer = space.projection, space.renderer
    if affine is None or not projection.exact or space.shows_neighbours:
        return {}, b""
    A, b = affine
    lift = projection._lift_basis  # (d, 2): map offsets → latent offsets
    anchor = space.anchor
    at_anchor = anchor @ A + b
    p_anchor = (anchor - projection.origin) @ projection.basis.T
    ux, uy = lift[:, 0] @ A, lift[:, 1] @ A
    base = at_anchor - p_anchor[0] * ux - p_anchor[1] * uy
    if isinstance(renderer, ImageRenderer) and renderer.value_range is not None:
        # Put the vectors in pixel order (H, W[, C]) exactly as the kernel's renderer would.
        order = arrange_image(np.arange(base.size, dtype=np.float64), renderer.shape)
        shape = list(order.shape)
        order = order.reshape(-1).astype(np.intp)
        vectors = [base[order], ux[order], uy[order]]
        meta = {
            "kind": "image",
            "shape": shape,
            "value_range": [float(v) for v in renderer.value_range],
            "exact": True,
        }
    elif isinstance(renderer, RecordRenderer) and base.size == len(renderer.names):
        vectors = [base, ux, uy, renderer.mean, renderer.std]
        meta = {"kind": "record", "names": renderer.names, "exact": True}
    else:
        return {}, b""
    return meta, np.concatenate(vectors).astype("<f4").tobytes()
