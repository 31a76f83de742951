"""The real pretrained face GAN of ``gan-face-generate`` (the PyTorch DCGAN tutorial trained on
DigiFace1M; MIT; weights inside its wheel), and a measure of whether an image it decodes is a
face or the tiled brown texture it makes of latents it never saw.

The measure was set on the model's own samples: every one of 500 prior samples passes, and no
decode of the map plane through the samples' mean, nor of latents of norm 1 or 2 (in 100-d the
prior's samples have norms 7.3–11.9), does. The texture repeats every 8 pixels (the stride of
the generator's transposed convolutions), so its energy sits on the FFT frequencies that are
multiples of 8; faces have almost none there, and far more contrast."""

from __future__ import annotations

import importlib.resources

import numpy as np

MAX_LATTICE_SHARE = 0.08  # samples: 0.0006–0.039; textures: ≥ 0.18
MIN_CONTRAST = 0.045  # samples: 0.050–0.352; textures: ≤ 0.037


def face_generator():
    """The generator, weights loaded, in eval mode: ``(n, 100, 1, 1)`` → ``(n, 3, 64, 64)``
    in [-1, 1]."""
    import torch
    from gan_face_generate.models import Generator

    weights = importlib.resources.files("gan_face_generate") / "weights.tar"
    G = Generator(0, 3, 100, 64)
    state = torch.load(str(weights), map_location="cpu", weights_only=True)
    G.load_state_dict(state["netG_state_dict"])
    return G.eval()


def _grey(images: np.ndarray) -> np.ndarray:
    """``(n, 64, 64)`` luminance in [0, 1] of ``(n, 3, 64, 64)`` or ``(n, 64, 64, 3)`` images
    in [-1, 1] (or ``uint8`` RGB, scaled to [0, 1])."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 3:
        images = images[None]
    if images.shape[-1] == 3:  # channels last: pixels read back from the page
        images = np.moveaxis(images, -1, 1)
        images = images / 255.0 * 2 - 1
    x = (images + 1) / 2
    return 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]


def lattice_share(images: np.ndarray) -> np.ndarray:
    """Share of each image's non-constant luminance energy that repeats every 8 pixels."""
    power = np.abs(np.fft.fft2(_grey(images))) ** 2
    step = power.shape[-1] // 8
    on_lattice = power[:, ::step, ::step].sum(axis=(1, 2)) - power[:, 0, 0]
    total = power.sum(axis=(1, 2)) - power[:, 0, 0]
    return on_lattice / np.maximum(total, 1e-12)


def contrast(images: np.ndarray) -> np.ndarray:
    """RMS contrast: the standard deviation of each image's luminance."""
    grey = _grey(images)
    return grey.reshape(len(grey), -1).std(axis=1)


def is_face(images: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: which images look like the model's own faces by both measures."""
    return (lattice_share(images) <= MAX_LATTICE_SHARE) & (contrast(images) >= MIN_CONTRAST)
