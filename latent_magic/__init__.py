"""latent_magic: explore the latent space of any model from inside a notebook.

>>> %load_ext latent_magic
>>> w = %latent explore pca --data X --labels y --image-shape 8,8

The public API is what this module exports (``__all__``); every other module is private.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from ._adapters import adapt, register_adapter
from ._arithmetic import ArithmeticResult, arithmetic
from ._atlas import Atlas
from ._closed_form import closed_form_directions
from ._direction import Direction
from ._direction_grid import DirectionGrid
from ._directions import direction, principal_directions
from ._expression import ExpressionError
from ._interpolate import Interpolation
from ._latent_model import CannotDecodeError, LatentModel
from ._options import ExploreOptions
from ._search import SearchResult
from ._space import Walk

if TYPE_CHECKING:
    from ._widget import LatentExplorer

__all__ = [
    "ArithmeticResult",
    "Atlas",
    "CannotDecodeError",
    "Direction",
    "DirectionGrid",
    "ExploreOptions",
    "ExpressionError",
    "Interpolation",
    "LatentExplorer",
    "LatentModel",
    "SearchResult",
    "Walk",
    "__version__",
    "adapt",
    "arithmetic",
    "closed_form_directions",
    "direction",
    "explore",
    "load_ipython_extension",
    "principal_directions",
    "register_adapter",
]

try:
    __version__ = version("latent_magic")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"


def explore(
    model: Any = None,
    data: Any = None,
    *,
    encode: Callable[[Any], Any] | None = None,
    decode: Callable[[Any], Any] | None = None,
    **options: Any,
) -> LatentExplorer:
    """Map ``data`` through ``model``'s latent space in a widget with live decoding.

    Parameters
    ----------
    model : object
        A fitted scikit-learn transformer with ``transform``/``inverse_transform`` (PCA,
        TruncatedSVD, KernelPCA(fit_inverse_transform=True), FastICA, NMF, or a Pipeline
        ending in one); a torch generator (latent → image), autoencoder or VAE; an
        embedding table (``dict[str, vector]``, ``(labels, matrix)``, a DataFrame indexed by
        label, gensim-style KeyedVectors, ``nn.Embedding`` with ``labels=``); a text encoder
        with ``.encode(list_of_str)``; a ``LatentModel``; or anything ``register_adapter``
        taught.
    data : array-like, optional
        Rows to encode and place on the map (a table, images, or a list of strings); for a
        model that cannot encode, latent codes ``(n, dim)``. Not needed for an embedding
        table (its rows are mapped) or a generator (its prior is sampled).
    encode, decode : callable, optional
        Plain functions instead of a model: ``explore(encode=f, decode=g, data=X)``.
    labels : array-like (n,), optional
        One label per row: colours and hover text.
    image_shape : (H, W) or (H, W, C), optional
        Show decoded outputs as images of this shape.
    preview : callable, optional
        ``preview(output)`` returning a PIL image, a matplotlib figure, an array or HTML.
    height : int
        Map height in pixels (default 420).
    n_samples, seed : int
        How many latents to sample from a generator's prior (default 2,000), and the seed.
    latent_dim : int, optional
        The latent size of a generator that does not tell it.
    projection : {"pca", "tsne", "isomap", "umap"}
        The map: the top two principal axes (exact), or a non-linear map (approximate:
        a position lifts to an interpolation of the latents of the nearest points).
    axes : (x, y), optional
        Two directions (Direction objects, vectors, or names such as "PC 3") as the axes.
    lift : {"auto", "local", "affine"}
        How a map position becomes a latent: ``"affine"`` takes what the map cannot show from
        the anchor; ``"local"`` from the latents near the position, at their norm; ``"auto"``
        (default) is local for a generator with a Gaussian prior, affine otherwise.

    These keywords are the fields of :class:`ExploreOptions`; an unknown one is a
    ``TypeError``.

    Returns
    -------
    LatentExplorer
        The widget; ``selected_indices``, ``selected_vectors``, ``pinned_vectors``,
        ``lift``, ``decode_at``, ``project`` and ``on_select`` talk to it from Python.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> X, y = load_digits(return_X_y=True)
    >>> w = explore(PCA(16).fit(X), data=X, labels=y, image_shape=(8, 8))
    """
    from ._widget import LatentExplorer

    opts = ExploreOptions.of(options, "explore")  # checked before any work on the model
    if encode is not None or decode is not None:
        if model is not None:
            raise TypeError("pass either a model or encode=/decode= functions, not both.")
        model = LatentModel(encode=encode, decode=decode, dim=opts.latent_dim)
    elif model is None:
        raise TypeError("explore() needs a model, or encode=/decode= functions.")
    return LatentExplorer(model, data, **options)


# `explore?` and editors show every keyword, though they are spelled once (ExploreOptions).
_explore_signature = inspect.signature(explore)
explore.__signature__ = _explore_signature.replace(  # type: ignore[attr-defined]
    parameters=[
        *list(_explore_signature.parameters.values())[:-1],
        *ExploreOptions.parameters(),
    ]
)


def __getattr__(name: str) -> Any:
    # The widget pulls in anywidget; keep `import latent_magic` light until it is needed.
    if name == "LatentExplorer":
        from ._widget import LatentExplorer

        return LatentExplorer
    raise AttributeError(f"module 'latent_magic' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext latent_magic``: registers the ``%latent`` magic."""
    from ._magics import LatentMagics

    ipython.register_magics(LatentMagics)
