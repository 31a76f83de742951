"""The lift on a real trained VAE (the recipe of examples/02: an MLP VAE, 8-d latents, β = 0.25,
trained on the digits): its latents are encoded data, so the default affine lift through
their mean stays where the decoder was trained — the claim of the README's "Lifting"."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.nn import functional
from torch_models import DigitVAE

from latent_magic import explore


@pytest.fixture(scope="module")
def trained(digits):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    images = torch.from_numpy((digits[0] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8))
    vae = DigitVAE(latent=8, hidden=256)  # examples/02's sizes
    optimiser = torch.optim.Adam(vae.parameters(), lr=3e-3)
    for _epoch in range(60):
        for batch in images[torch.randperm(len(images))].split(128):
            rebuilt, mu, logvar = vae(batch)
            loss = functional.binary_cross_entropy(rebuilt, batch, reduction="sum")
            loss = loss - 0.125 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            optimiser.zero_grad()
            (loss / len(batch)).backward()
            optimiser.step()
    return vae.eval(), images.numpy()


def test_a_vae_lifts_through_its_data_and_decodes_digits_across_the_map(trained):
    vae, images = trained
    w = explore(vae, data=images)
    assert w.lift_mode == "affine"
    ink = images.reshape(len(images), -1).sum(axis=1)
    low, high = np.quantile(ink, [0.01, 0.99])
    space = w._space
    # The anchor, the mean of the encoded digits, lies among them and decodes to a digit's ink.
    assert not space.distance_from_data(w.anchor).off_data
    assert low <= w.model.decode(w.anchor[None]).sum() <= high
    # Every spot of the inner map lifts to a latent among the data that decodes like a digit.
    lo, hi = np.quantile(w.points, [0.1, 0.9], axis=0)
    grid = [(x, y) for x in np.linspace(lo[0], hi[0], 7) for y in np.linspace(lo[1], hi[1], 7)]
    lifted = np.stack([w.lift(x, y) for x, y in grid])
    assert not any(space.distance_from_data(z).off_data for z in lifted)
    decoded_ink = w.model.decode(lifted).reshape(len(lifted), -1).sum(axis=1)
    assert ((decoded_ink >= low) & (decoded_ink <= high)).all()
    np.testing.assert_allclose(w.project(lifted), grid, atol=1e-6)
