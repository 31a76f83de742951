"""latent_magic: explore the latent space of any model from inside a notebook.

>>> %load_ext latent_magic
>>> w = %latent explore pca --data X --labels y --image-shape 8,8
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .adapters import adapt, register_adapter
from .latent_model import CannotDecodeError, LatentModel

if TYPE_CHECKING:
    from .widget import LatentExplorer

__all__ = [
    "CannotDecodeError",
    "LatentExplorer",
    "LatentModel",
    "adapt",
    "explore",
    "load_ipython_extension",
    "register_adapter",
]
__version__ = "0.1.0"


def explore(
    model: Any,
    data: Any = None,
    *,
    labels: Any = None,
    image_shape: Sequence[int] | None = None,
    preview: Callable[[Any], Any] | None = None,
    height: int = 420,
) -> LatentExplorer:
    """Map ``data`` through ``model``'s latent space in a widget with live decoding.

    Parameters
    ----------
    model : object
        A fitted scikit-learn transformer with ``transform``/``inverse_transform`` (PCA,
        TruncatedSVD, KernelPCA(fit_inverse_transform=True), FastICA, NMF, or a Pipeline
        ending in one), a ``LatentModel``, or anything ``register_adapter`` taught.
    data : array-like (n, f)
        Rows to encode and place on the map.
    labels : array-like (n,), optional
        One label per row: colours and hover text.
    image_shape : (H, W) or (H, W, C), optional
        Show decoded outputs as images of this shape.
    preview : callable, optional
        ``preview(output)`` returning a PIL image, a matplotlib figure, an array or HTML.
    height : int
        Map height in pixels.

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
    from .widget import LatentExplorer

    return LatentExplorer(
        model, data, labels=labels, image_shape=image_shape, preview=preview, height=height
    )


def __getattr__(name: str) -> Any:
    # The widget pulls in anywidget; keep `import latent_magic` light until it is needed.
    if name == "LatentExplorer":
        from .widget import LatentExplorer

        return LatentExplorer
    raise AttributeError(f"module 'latent_magic' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext latent_magic``: registers the ``%latent`` magic."""
    from .magics import LatentMagics

    ipython.register_magics(LatentMagics)
