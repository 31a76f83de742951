"""Small real PyTorch models for the adapter tests, and quick training on 8×8 digits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn
from torch.nn import functional


def digit_images() -> np.ndarray:
    """The 1,797 scikit-learn digits as ``(n, 1, 8, 8)`` float32 images in [0, 1]."""
    from sklearn.datasets import load_digits

    X = load_digits().data.astype(np.float32) / 16.0
    return X.reshape(-1, 1, 8, 8)


@contextmanager
def one_thread() -> Iterator[None]:
    """Models this small train fastest on one thread: with two on a busy two-core machine,
    OpenMP's waiting makes each step a hundred times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class DigitVAE(nn.Module):
    """An MLP VAE: images ``(n, 1, 8, 8)`` (or flat ``(n, 64)``) to ``(mu, logvar)``, and
    latents back to ``(n, 1, 8, 8)`` images in [0, 1]. No latent-size attribute on purpose:
    the adapter finds it by encoding."""

    def __init__(self, latent: int = 4, hidden: int = 64) -> None:
        super().__init__()
        self.hidden = nn.Linear(64, hidden)
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.expand = nn.Linear(latent, hidden)
        self.out = nn.Linear(hidden, 64)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = functional.relu(self.hidden(x.reshape(len(x), -1)))
        return self.mu(h), self.logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = functional.relu(self.expand(z))
        return torch.sigmoid(self.out(h)).reshape(len(z), 1, 8, 8)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar


class DCGANGenerator(nn.Module):
    """DCGAN-style: ``(n, nz, 1, 1)`` noise through transposed convolutions to ``(n, 1, 8, 8)``
    images in [-1, 1]."""

    def __init__(self, nz: int = 8, width: int = 32) -> None:
        super().__init__()
        self.nz = nz
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, width, 4, 1, 0, bias=False),  # 1×1 → 4×4
            nn.BatchNorm2d(width),
            nn.ReLU(True),
            nn.ConvTranspose2d(width, 1, 4, 2, 1, bias=False),  # 4×4 → 8×8
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z)


class DCGANDiscriminator(nn.Module):
    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1),  # 8×8 → 4×4
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(width, 1, 4, 1, 0),  # 4×4 → 1×1
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x).reshape(len(x))


class MLPGenerator(nn.Module):
    """``(n, 6)`` latents to ``(n, 8, 8)`` images in [0, 1]; its size is only in its first
    Linear layer."""

    def __init__(self, latent: int = 6) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent, 32), nn.ReLU(), nn.Linear(32, 64), nn.Sigmoid())

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).reshape(len(z), 8, 8)


class SubmoduleAutoencoder(nn.Module):
    """An autoencoder with ``encoder`` and ``decoder`` submodules and no methods of its own."""

    def __init__(self, latent: int = 3) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(64, latent))
        self.decoder = nn.Sequential(
            nn.Linear(latent, 64), nn.Sigmoid(), nn.Unflatten(1, (1, 8, 8))
        )


class ConvAutoencoder(nn.Module):
    """Starts with a Conv2d, so its latent size is only known once it has encoded data."""

    def __init__(self, latent: int = 5) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64, latent)
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, 64),
            nn.Unflatten(1, (4, 4, 4)),
            nn.ConvTranspose2d(4, 1, 4, 2, 1),
            nn.Tanh(),
        )


class DictEncoderAutoencoder(nn.Module):
    """``encode`` returns ``{"mean": ..., "log_scale": ...}``."""

    def __init__(self, latent: int = 3, key: str = "mean") -> None:
        super().__init__()
        self.key = key
        self.mean = nn.Linear(64, latent)
        self.log_scale = nn.Linear(64, latent)
        self.out = nn.Linear(latent, 64)

    def encode(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = x.reshape(len(x), -1)
        return {self.key: self.mean(x), "log_scale": self.log_scale(x)}

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.out(z)).reshape(len(z), 8, 8)


class DistributionEncoderAutoencoder(nn.Module):
    """``encode`` returns a ``torch.distributions.Normal``."""

    def __init__(self, latent: int = 3) -> None:
        super().__init__()
        self.loc = nn.Linear(64, latent)
        self.log_scale = nn.Linear(64, latent)
        self.out = nn.Linear(latent, 64)

    def encode(self, x: torch.Tensor) -> torch.distributions.Normal:
        x = x.reshape(len(x), -1)
        return torch.distributions.Normal(self.loc(x), self.log_scale(x).exp())

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.out(z)).reshape(len(z), 1, 8, 8)


class ScaledNoise(nn.Module):
    """A generator with nothing that tells its latent size: ``tanh(scale · z)`` as 4×4 images
    for 16-value latents."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(0.5))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.scale * z).reshape(len(z), 1, 4, 4)


class ShapedGenerator(nn.Module):
    """``(n, latent)`` to outputs of any per-sample ``shape``: e.g. ``(7,)`` features, or a
    ``(2, 3, 4, 5)`` volume no renderer shows."""

    def __init__(self, shape: tuple[int, ...], latent: int = 4) -> None:
        super().__init__()
        self.shape = shape
        self.net = nn.Linear(latent, int(np.prod(shape)))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).reshape(len(z), *self.shape)


class ConvDecoder28(nn.Module):
    """A 28×28 conv decoder that is no dense chain: a dense layer, a transposed convolution
    with batch norm (its running statistics not the defaults), nearest upsampling, a plain
    convolution added back to its input (a skip), and a sigmoid: ``(n, 8)`` → ``(n, 1, 28, 28)``."""

    def __init__(self, latent: int = 8) -> None:
        super().__init__()
        self.fc = nn.Linear(latent, 32 * 7 * 7)
        self.up = nn.ConvTranspose2d(32, 16, 4, 2, 1)  # 7 → 14
        self.norm = nn.BatchNorm2d(16)
        self.grow = nn.Upsample(scale_factor=2, mode="nearest")  # 14 → 28
        self.conv = nn.Conv2d(16, 16, 3, padding=1)
        self.out = nn.Conv2d(16, 1, 3, padding=1)
        with torch.no_grad():
            self.fc.weight.mul_(4.0)  # untrained, latents a map apart still decode apart
            self.norm.running_mean.uniform_(-0.3, 0.3)
            self.norm.running_var.uniform_(0.5, 2.0)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.fc(z).reshape(-1, 32, 7, 7).relu()
        x = self.grow(self.norm(self.up(x)).relu())
        x = x + self.conv(x).relu()
        return torch.sigmoid(self.out(x))


class ConvVAE28(nn.Module):
    """A conv VAE for ``(n, 1, 28, 28)`` images: a strided conv encoder to ``(mu, logvar)``
    and :class:`ConvDecoder28` (untrained: the tests compare decoders, not images)."""

    def __init__(self, latent: int = 8) -> None:
        super().__init__()
        self.latent_dim = latent
        self.enc = nn.Sequential(
            nn.Conv2d(1, 8, 4, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 14 * 14, 2 * latent)
        )
        self.decoder = ConvDecoder28(latent)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.enc(x.reshape(-1, 1, 28, 28)).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)


class BranchingGenerator(nn.Module):
    """A conv generator whose forward branches on its data (``if x.mean() > 0``): the ONNX
    exporter refuses it, so it decodes in the kernel."""

    nz = 4

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 64)
        self.conv = nn.Conv2d(1, 1, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.fc(z).reshape(-1, 1, 8, 8)
        if x.mean() > 0:
            x = self.conv(x)
        return torch.tanh(x)


class SlowConvDecoder(nn.Module):
    """A 128×128 RGB decoder with 64 channels at full size (~1 G multiply-adds a decode): too
    slow for the page, like the ~2 s decoder of the measured facts."""

    nz = 16

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(16, 64 * 16 * 16)
        self.up = nn.Sequential(
            nn.ConvTranspose2d(64, 64, 4, 2, 1),  # 16 → 32
            nn.ReLU(),
            nn.ConvTranspose2d(64, 64, 4, 2, 1),  # 32 → 64
            nn.ReLU(),
            nn.ConvTranspose2d(64, 64, 4, 2, 1),  # 64 → 128
            nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(64, 3, 3, padding=1),
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.up(self.fc(z).reshape(-1, 64, 16, 16))


def train_vae(epochs: int = 30, seed: int = 0, latent: int = 4) -> DigitVAE:
    """A :class:`DigitVAE` trained on the digits (about a second on two cores)."""
    with one_thread():
        return _train_vae(epochs, seed, latent)


def _train_vae(epochs: int, seed: int, latent: int) -> DigitVAE:
    torch.manual_seed(seed)
    X = torch.from_numpy(digit_images())
    model = DigitVAE(latent)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(epochs):
        for batch in X[torch.randperm(len(X))].split(128):
            reconstruction, mu, logvar = model(batch)
            rebuilt = functional.binary_cross_entropy(reconstruction, batch, reduction="sum")
            divergence = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            loss = (rebuilt + divergence) / len(batch)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return model


def train_dcgan(epochs: int = 5, seed: int = 0, nz: int = 8) -> DCGANGenerator:
    """A :class:`DCGANGenerator` trained adversarially on the digits (scaled to [-1, 1])."""
    with one_thread():
        return _train_dcgan(epochs, seed, nz)


def _train_dcgan(epochs: int, seed: int, nz: int) -> DCGANGenerator:
    torch.manual_seed(seed)
    X = torch.from_numpy(digit_images()) * 2 - 1
    generator, discriminator = DCGANGenerator(nz), DCGANDiscriminator()
    g_optimiser = torch.optim.Adam(generator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    d_optimiser = torch.optim.Adam(discriminator.parameters(), lr=2e-3, betas=(0.5, 0.999))
    for _ in range(epochs):
        for real in X[torch.randperm(len(X))].split(128):
            fake = generator(torch.randn(len(real), nz, 1, 1))
            d_loss = functional.binary_cross_entropy_with_logits(
                discriminator(real), torch.ones(len(real))
            ) + functional.binary_cross_entropy_with_logits(
                discriminator(fake.detach()), torch.zeros(len(real))
            )
            d_optimiser.zero_grad()
            d_loss.backward()
            d_optimiser.step()
            g_loss = functional.binary_cross_entropy_with_logits(
                discriminator(fake), torch.ones(len(real))
            )
            g_optimiser.zero_grad()
            g_loss.backward()
            g_optimiser.step()
    return generator
