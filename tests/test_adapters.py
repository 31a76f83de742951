import numpy as np
import pytest
from sklearn.decomposition import NMF, PCA, FastICA, KernelPCA, TruncatedSVD
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import latent_magic
from latent_magic import LatentModel, _adapters, adapt, register_adapter


@pytest.fixture(autouse=True)
def _restore_the_registry(monkeypatch):
    # Adapters registered by one test must not change how later tests adapt models.
    monkeypatch.setattr(_adapters, "_user_adapters", list(_adapters._user_adapters))


@pytest.mark.parametrize(
    ("make", "dim"),
    [
        (lambda: PCA(n_components=5), 5),
        (lambda: TruncatedSVD(n_components=4, random_state=0), 4),
        (lambda: KernelPCA(n_components=3, fit_inverse_transform=True), 3),
        (lambda: FastICA(n_components=4, random_state=0, max_iter=500), 4),
        (lambda: NMF(n_components=4, random_state=0, max_iter=500), 4),
        (lambda: make_pipeline(StandardScaler(), PCA(n_components=6)), 6),
    ],
)
def test_scikit_learn_transformers_encode_and_decode(digits, make, dim):
    X = digits[0][:300]
    model = adapt(make().fit(X))
    Z = model.encode(X)
    assert Z.shape == (300, dim)
    assert Z.dtype == np.float32
    assert model.dim == dim
    assert model.can_encode
    assert model.can_decode
    estimator = make().fit(X)  # the same seeded fit: what the adapter must agree with
    np.testing.assert_allclose(Z, estimator.transform(X), rtol=1e-5, atol=1e-4)
    decoded = model.decode(Z[:2])
    assert decoded.shape == (2, 64)
    np.testing.assert_allclose(decoded, estimator.inverse_transform(Z[:2]), rtol=1e-4, atol=1e-3)


def test_kernel_pca_without_inverse_maps_but_says_why_it_cannot_decode(digits):
    X = digits[0][:200]
    model = adapt(KernelPCA(n_components=3).fit(X))
    assert model.encode(X).shape == (200, 3)
    assert not model.can_decode
    assert "fit_inverse_transform=True" in model.cannot_decode_reason
    with pytest.raises(latent_magic.CannotDecodeError, match="fit_inverse_transform"):
        model.decode(np.zeros((1, 3)))


def test_unfitted_model_is_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"PCA is not fitted yet: call \.fit\(X\)"):
        adapt(PCA(3))


def test_classifier_is_refused_with_what_was_expected(digits):
    X, y = digits
    clf = LogisticRegression(max_iter=50).fit(X[:100], y[:100])
    with pytest.raises(TypeError, match=r"LogisticRegression predicts.*transform\(\)"):
        adapt(clf)


def test_unknown_object_is_refused():
    with pytest.raises(TypeError, match="does not know how to explore a str"):
        adapt("hello")


def test_decode_checks_the_latent_size(digits):
    model = adapt(PCA(4).fit(digits[0]))
    with pytest.raises(ValueError, match=r"size 4; got shape \(1, 3\)"):
        model.decode(np.zeros((1, 3)))


def test_plain_functions_make_a_latent_model():
    W = np.arange(12.0).reshape(4, 3)
    model = LatentModel(encode=lambda X: X @ W, decode=lambda Z: Z @ W.T, n_features=4)
    assert model.dim == 3  # found by probing
    np.testing.assert_allclose(model.decode(np.ones((1, 3))), [[3, 12, 21, 30]])
    assert model.sample(5, seed=1).shape == (5, 3)
    np.testing.assert_array_equal(model.sample(5, seed=1), model.sample(5, seed=1))


def test_register_adapter_lets_users_plug_in_their_class():
    class Mine:
        def to_latent(self, X):
            return np.asarray(X)[:, :2] * 2

        def from_latent(self, Z):
            return np.hstack([Z / 2, np.zeros((len(Z), 1))])

    register_adapter(
        Mine, lambda m, **h: LatentModel(encode=m.to_latent, decode=m.from_latent, **h)
    )
    model = adapt(Mine(), image_shape=None)
    assert model.encode(np.ones((2, 3))).shape == (2, 2)
    assert model.decode(np.ones((1, 2))).shape == (1, 3)


def test_register_adapter_rejects_a_factory_that_returns_something_else():
    class Odd:
        pass

    register_adapter(lambda obj: isinstance(obj, Odd), lambda m, **h: "nope")
    with pytest.raises(TypeError, match="must return a LatentModel"):
        adapt(Odd())


def test_importing_latent_magic_stays_light():
    import subprocess
    import sys

    heavy = ["torch", "sklearn", "pandas", "matplotlib", "scipy", "sentence_transformers"]
    code = f"import sys, latent_magic\nprint([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
