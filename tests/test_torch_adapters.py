"""PyTorch generators, autoencoders, VAEs and embedding tables, with real trained models."""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest
import torch
from previews import shown_pixels
from torch import nn
from torch_models import (
    ConvAutoencoder,
    DCGANGenerator,
    DictEncoderAutoencoder,
    DistributionEncoderAutoencoder,
    MLPGenerator,
    ScaledNoise,
    ShapedGenerator,
    SubmoduleAutoencoder,
    digit_images,
    one_thread,
    train_dcgan,
    train_vae,
)

from latent_magic._renderers import ImageRenderer
from latent_magic._torch import adapt_module, looks_like_torch_module


@pytest.fixture(scope="module", autouse=True)
def _single_thread():
    with one_thread():
        yield


@pytest.fixture(scope="session")
def images() -> np.ndarray:
    return digit_images()


@pytest.fixture(scope="session")
def vae():
    return train_vae(epochs=30, seed=0)


@pytest.fixture(scope="session")
def dcgan():
    return train_dcgan(epochs=5, seed=0)


def rendered(output: np.ndarray, value_range) -> np.ndarray:
    preview = ImageRenderer(value_range=value_range)(output)
    return shown_pixels(preview.fields, preview.buffers[0])


def expected_pixels(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.round((values - lo) / (hi - lo) * 255).astype(np.uint8)


# ---------------------------------------------------------------------- detection
def test_torch_modules_are_recognised_and_other_objects_are_not():
    assert looks_like_torch_module(nn.Linear(2, 2))
    assert not looks_like_torch_module(torch.zeros(2))
    assert not looks_like_torch_module("model")


def test_recognising_modules_never_imports_torch():
    code = (
        "import sys\n"
        "from latent_magic._torch import looks_like_torch_module\n"
        "assert not looks_like_torch_module(object())\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_only_modules_are_adapted():
    with pytest.raises(TypeError, match=r"expects a torch\.nn\.Module; got Tensor"):
        adapt_module(torch.zeros(3))


# ---------------------------------------------------------------------- VAE
def test_vae_encodes_numpy_and_torch_images_to_the_mean(vae, images):
    model = adapt_module(vae)
    vae.eval()
    with torch.no_grad():
        mu = vae.encode(torch.from_numpy(images))[0].numpy()
    from_numpy = model.encode(images)
    from_torch = model.encode(torch.from_numpy(images))
    for Z in (from_numpy, from_torch):
        assert Z.shape == (len(images), 4)
        assert Z.dtype == np.float32
        np.testing.assert_allclose(Z, mu, rtol=1e-5, atol=1e-6)
    assert model.dim == 4
    assert model.can_encode
    assert model.can_decode
    assert model.data_kind == "array"
    assert model.name == "DigitVAE"


def test_vae_decodes_to_images_in_zero_one_that_resemble_the_digits(vae, images):
    model = adapt_module(vae)
    assert model.kind == "image"
    assert model.hints["value_range"] == (0.0, 1.0)
    Z = model.encode(images[:50])
    decoded = model.decode(Z)
    assert decoded.shape == (50, 1, 8, 8)
    assert decoded.min() >= 0
    assert decoded.max() <= 1
    # A trained VAE's reconstructions are nearer their own digit than to the mean digit.
    assert np.mean((decoded - images[:50]) ** 2) < np.mean((images.mean(0) - images[:50]) ** 2)


def test_flat_images_and_nested_lists_are_accepted(vae, images):
    model = adapt_module(vae)
    flat = images[:5].reshape(5, 64)
    np.testing.assert_allclose(model.encode(flat.tolist()), model.encode(images[:5]), atol=1e-6)


def test_training_mode_is_restored_after_encoding_and_decoding(vae, images):
    model = adapt_module(vae)
    vae.train()
    vae.hidden.eval()  # a part kept in eval mode stays so
    model.encode(images[:3])
    model.decode(np.zeros((2, 4)))
    assert vae.training
    assert not vae.hidden.training
    assert vae.mu.training
    vae.eval()
    model.encode(images[:3])
    assert not vae.training


def test_training_mode_is_restored_when_the_model_raises(vae):
    model = adapt_module(vae)
    vae.train()
    with pytest.raises(RuntimeError):
        model.encode(np.zeros((3, 10)))  # the first layer takes 64 values
    assert vae.training
    assert all(part.training for part in vae.modules())
    assert torch.is_grad_enabled()
    vae.eval()


def test_a_float64_model_gets_float64_inputs(vae, images):
    model = adapt_module(copy.deepcopy(vae).double())
    Z = model.encode(images[:10])  # float32 images
    assert Z.dtype == np.float32
    np.testing.assert_allclose(Z, adapt_module(vae).encode(images[:10]), atol=1e-4)
    assert model.decode(Z).dtype == np.float64


def test_text_is_refused_as_data(vae):
    model = adapt_module(vae)
    with pytest.raises(ValueError, match=r"numeric arrays \(n, \.\.\.\).*not numeric"):
        model.encode(["a digit", "another"])


def test_encoders_returning_a_dict_or_a_distribution_give_their_mean(images):
    torch.manual_seed(0)
    x = torch.from_numpy(images[:20]).reshape(20, 64)
    for module in (DictEncoderAutoencoder(), DistributionEncoderAutoencoder()):
        linear = module.mean if isinstance(module, DictEncoderAutoencoder) else module.loc
        with torch.no_grad():
            mean = linear(x).numpy()
        model = adapt_module(module)
        np.testing.assert_allclose(model.encode(images[:20]), mean, atol=1e-6)
        assert model.dim == 3
        assert model.kind == "image"


def test_a_dict_without_a_mean_names_the_keys_it_looked_for(images):
    model = adapt_module(DictEncoderAutoencoder(key="centre"))
    with pytest.raises(ValueError, match=r"keys \['centre', 'log_scale'\].*'mu', 'mean', 'loc'"):
        model.encode(images[:2])


def test_encoder_and_decoder_submodules(images):
    torch.manual_seed(0)
    module = SubmoduleAutoencoder()
    model = adapt_module(module)
    assert model.dim == 3
    assert model.kind == "image"
    with torch.no_grad():
        expected = module.encoder(torch.from_numpy(images[:7])).numpy()
    np.testing.assert_allclose(model.encode(images[:7]), expected, atol=1e-6)
    assert model.decode(expected).shape == (7, 1, 8, 8)


def test_a_latent_size_not_known_before_encoding_is_learnt_on_the_first_encode(images):
    torch.manual_seed(0)
    model = adapt_module(ConvAutoencoder())
    assert model.kind is None
    Z = model.encode(images[:30])
    assert Z.shape == (30, 5)
    assert model.dim == 5
    assert model.kind == "image"
    assert model.hints["value_range"] == (-1.0, 1.0)  # tanh


# ---------------------------------------------------------------------- generators
def test_dcgan_generator_takes_n_nz_1_1_and_renders_tanh_outputs(dcgan):
    model = adapt_module(dcgan)
    assert model.dim == 8  # from its nz
    assert model.prior
    assert not model.can_encode
    assert model.kind == "image"
    assert model.hints["value_range"] == (-1.0, 1.0)
    Z = model.sample(3, seed=1)
    decoded = model.decode(Z)
    dcgan.eval()
    with torch.no_grad():
        by_hand = dcgan(torch.from_numpy(Z).reshape(3, 8, 1, 1)).numpy()
    np.testing.assert_allclose(decoded, by_hand, atol=1e-6)
    assert decoded.shape == (3, 1, 8, 8)
    pixels = rendered(decoded[0], model.hints["value_range"])
    np.testing.assert_allclose(
        pixels.astype(int), expected_pixels(decoded[0, 0], -1, 1).astype(int), atol=1
    )


def test_mlp_generator_size_comes_from_its_first_linear_layer_and_renders_sigmoid_outputs():
    torch.manual_seed(0)
    model = adapt_module(MLPGenerator(latent=6))
    assert model.dim == 6
    assert model.kind == "image"
    assert model.hints["value_range"] == (0.0, 1.0)
    decoded = model.decode(model.sample(2, seed=0))
    assert decoded.shape == (2, 8, 8)
    pixels = rendered(decoded[1], model.hints["value_range"])
    np.testing.assert_allclose(
        pixels.astype(int), expected_pixels(decoded[1], 0, 1).astype(int), atol=1
    )


def test_a_value_range_given_by_the_user_wins():
    model = adapt_module(MLPGenerator(), value_range=(0.0, 2.0), unused_hint=None)
    assert model.hints == {"value_range": (0.0, 2.0)}


def test_a_generator_without_a_latent_size_asks_for_latent_dim():
    with pytest.raises(ValueError, match=r"latent size of ScaledNoise.*pass latent_dim="):
        adapt_module(ScaledNoise())


def test_the_latent_dim_hint_gives_the_size():
    model = adapt_module(ScaledNoise(), latent_dim=16)
    assert model.dim == 16
    assert model.kind == "image"
    assert model.hints["value_range"] == (-1.0, 1.0)
    assert model.decode(model.sample(4)).shape == (4, 1, 4, 4)


def test_feature_vector_outputs_are_records():
    model = adapt_module(ShapedGenerator((7,)))
    assert model.kind == "record"
    assert "value_range" not in model.hints
    assert model.decode(np.zeros((3, 4))).shape == (3, 7)


def test_outputs_no_renderer_shows_are_refused_at_adapt_time_pointing_at_preview():
    with pytest.raises(ValueError, match=r"shape \(\d+, 2, 3, 4, 5\).*pass preview="):
        adapt_module(ShapedGenerator((2, 3, 4, 5)))
    # With the user's own preview function, any shape will do.
    model = adapt_module(ShapedGenerator((2, 3, 4, 5)), preview=lambda output: "<b>volume</b>")
    assert model.kind == "custom"


def test_samples_are_reproducible(dcgan):
    model = adapt_module(dcgan)
    np.testing.assert_array_equal(model.sample(5, seed=3), model.sample(5, seed=3))
    assert not np.array_equal(model.sample(5, seed=3), model.sample(5, seed=4))
    np.testing.assert_array_equal(
        model.decode(model.sample(5, seed=3)), model.decode(model.sample(5, seed=3))
    )


def test_decoding_runs_in_batches(dcgan):
    model = adapt_module(dcgan, batch_size=7)
    Z = model.sample(20, seed=0)
    sizes: list[int] = []
    hook = dcgan.register_forward_hook(lambda _m, inputs, _o: sizes.append(len(inputs[0])))
    try:
        decoded = model.decode(Z)
    finally:
        hook.remove()
    assert sizes == [7, 7, 6]
    np.testing.assert_allclose(decoded, adapt_module(dcgan).decode(Z), atol=1e-6)


# ---------------------------------------------------------------------- embeddings
@pytest.fixture
def embedding():
    torch.manual_seed(0)
    return nn.Embedding(5, 3)


def test_an_embedding_table_with_labels(embedding):
    labels = ["a", "b", "c", "d", "e"]
    model = adapt_module(embedding, labels=labels)
    weight = embedding.weight.detach().numpy()
    assert model.dim == 3
    assert model.kind == "text"
    assert model.data_kind == "text"
    table_labels, vectors = model.table
    assert list(table_labels) == labels
    assert vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors, weight)
    np.testing.assert_array_equal(model.encode(["b"]), weight[[1]])
    (neighbors,) = model.decode(weight[[1]])
    assert neighbors[0][0] == "b"
    assert neighbors[0][1] == pytest.approx(1.0)
    assert len(neighbors) == 5
    assert [score for _, score in neighbors] == sorted(
        (score for _, score in neighbors), reverse=True
    )


def test_unknown_labels_are_named(embedding):
    model = adapt_module(embedding, labels=list("abcde"))
    with pytest.raises(ValueError, match=r"1 label\(s\) are not in Embedding: 'z'"):
        model.encode(["a", "z"])


def test_an_embedding_needs_one_label_per_row(embedding):
    with pytest.raises(ValueError, match="pass labels= with one label per row"):
        adapt_module(embedding)
    with pytest.raises(ValueError, match="expected 5 labels, got 4"):
        adapt_module(embedding, labels=list("abcd"))


def test_hints_may_not_set_what_the_adapter_owns(embedding):
    with pytest.raises(TypeError, match=r"decode cannot be given as hints.*LatentModel"):
        adapt_module(embedding, labels=list("abcde"), decode=lambda Z: Z)
    with pytest.raises(ValueError, match="batch_size must be a positive integer; got 0"):
        adapt_module(embedding, labels=list("abcde"), batch_size=0)
    with pytest.raises(ValueError, match="latent_dim must be a positive integer; got -1"):
        adapt_module(embedding, labels=list("abcde"), latent_dim=-1)


# ---------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("generator", "layer", "size"),
    [
        (MLPGenerator(latent=8), "Linear", 8),
        (DCGANGenerator(nz=8), "ConvTranspose2d", 8),
    ],
    ids=["linear", "transposed-convolution"],
)
def test_a_latent_dim_the_first_layer_does_not_take_is_named_with_both_sizes(
    frontend, generator, layer, size
):
    from latent_magic import explore

    state = copy.deepcopy(generator.state_dict())
    generator.train()
    name = type(generator).__name__
    message = (
        rf"latent_dim=5 was given, but {name}'s first layer \({layer}\) takes {size} values "
        rf"per latent; pass latent_dim={size}, or leave latent_dim out"
    )
    with pytest.raises(ValueError, match=message):
        explore(generator, latent_dim=5, n_samples=20)
    assert generator.training  # the user's model is as it was
    for key, value in generator.state_dict().items():
        assert torch.equal(value, state[key])
    assert explore(generator, latent_dim=size, n_samples=20).latents.shape == (20, size)


def test_a_model_without_weights_on_the_meta_device_is_refused_with_the_fix():
    from latent_magic import explore

    with torch.device("meta"):
        generator = MLPGenerator(latent=6)
        table = nn.Embedding(3, 4)
    message = (
        r"MLPGenerator has no weights: its parameters are on the meta device.*"
        r"load them first, e\.g\. model\.to_empty\(device='cpu'\) then "
        r"model\.load_state_dict\(torch\.load\(path\)\)"
    )
    with pytest.raises(ValueError, match=message):
        explore(generator)
    with pytest.raises(ValueError, match="Embedding has no weights"):
        adapt_module(table, labels=["a", "b", "c"])
    loaded = MLPGenerator(latent=6)
    model = adapt_module(loaded)
    loaded.to("meta")  # weights dropped after adapting: decoding says so too
    with pytest.raises(ValueError, match="MLPGenerator has no weights"):
        model.decode(model.sample(1))


def test_an_image_shape_that_does_not_hold_a_generators_output_is_named():
    message = (
        r"image_shape \(7, 7\) holds 49 values, but MLPGenerator decodes 64 values per latent "
        r"\(e\.g\. image_shape=\(8, 8\)\)"
    )
    with pytest.raises(ValueError, match=message):
        adapt_module(MLPGenerator(), image_shape=(7, 7))
    assert adapt_module(MLPGenerator(), image_shape=(4, 16)).kind == "image"
