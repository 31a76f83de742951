"""The :class:`Direction` value type: a named latent vector with its provenance and quality.

Only the value and what can be done with one direction alone (its unit vector, removing
other directions from it) live here; finding directions in data is ``_directions``'s job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._data import as_vector
from ._direction_quality import QUALITY_MEASURES

__all__ = ["Direction"]

_SPAN_TOLERANCE = 1e-8  # relative norm under which an orthogonalised vector has vanished


@dataclass(eq=False)
class Direction:
    """A named latent vector with its provenance and a quality score.

    Parameters
    ----------
    name : str
        Shown on axes, sliders and in messages.
    vector : (d,) float64
        The direction with its scale (not normalised): a mean difference keeps the size of
        the gap between the groups, so ``anchor + vector`` walks from one group to the other.
    quality : float
        How well the direction separates or orders the data; higher is better and the
        measure depends on ``method`` (``details["quality_measure"]`` names it):
        Cohen's d for ``"mean_difference"``, Spearman's ρ for ``"ordered"``, balanced
        accuracy for ``"classifier"``, explained variance ratio for ``"principal"``, NaN
        for ``"custom"`` and for orthogonalised directions.
    method : {"mean_difference", "ordered", "classifier", "principal", "custom"}
        How the direction was found.
    details : dict
        Provenance: group sizes, the labels used, the curve of an ordered direction, the
        explained variance of a component…
    """

    name: str
    vector: np.ndarray
    quality: float = math.nan
    method: str = "custom"
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vector = as_vector(self.vector, f"the vector of direction {self.name!r}")
        self.quality = float(self.quality)

    # ------------------------------------------------------------------ views
    @property
    def dim(self) -> int:
        """Size of the latent space the direction lives in."""
        return int(self.vector.shape[0])

    @property
    def norm(self) -> float:
        """Length of ``vector``."""
        return float(np.linalg.norm(self.vector))

    @property
    def unit(self) -> np.ndarray:
        """The direction at unit length, ``(d,)`` float64."""
        norm = self.norm
        if norm == 0:
            raise ValueError(f"direction {self.name!r} is the zero vector: it has no unit.")
        return self.vector / norm

    @classmethod
    def from_vector(cls, vector: Any, name: str) -> Direction:
        """A direction given by hand (method ``"custom"``, quality NaN).

        Parameters
        ----------
        vector : (d,) array-like
        name : str
        """
        return cls(name=name, vector=vector, quality=math.nan, method="custom")

    # ------------------------------------------------------------------ operations
    def orthogonalize(self, *others: Direction | Any, name: str | None = None) -> Direction:
        """This direction with its component in the span of ``others`` removed.

        Gram–Schmidt against an orthonormal basis of the others' span (two passes, so the
        result is orthogonal to each of them to rounding error). The result keeps the scale
        of what remains (it is not renormalised), keeps ``method`` as provenance, and has
        quality NaN: the original score measured a different vector.

        Parameters
        ----------
        *others : Direction or (d,) array-like
            Directions to be made independent of ("old, but not because of height").
        name : str, optional
            Defaults to ``"<name> ⊥ <other names>"``.

        Returns
        -------
        Direction

        Raises
        ------
        ValueError
            When an other has a different dimension, or when this direction lies in the
            span of the others (nothing would be left).
        """
        if not others:
            raise ValueError("orthogonalize needs at least one direction to remove; got none.")
        names, rows = [], []
        for i, other in enumerate(others):
            label = other.name if isinstance(other, Direction) else f"vector {i + 1}"
            vector = other.vector if isinstance(other, Direction) else other
            vector = as_vector(vector, f"direction {label!r}")
            if vector.shape[0] != self.dim:
                raise ValueError(
                    f"cannot orthogonalize {self.name!r} (dimension {self.dim}) against "
                    f"{label!r} (dimension {vector.shape[0]}): both need the same dimension."
                )
            names.append(label)
            rows.append(vector)
        basis = _orthonormal_basis(np.vstack(rows))
        residual = self.vector.copy()
        for _ in range(2):  # "twice is enough": the second pass removes the rounding error
            residual -= basis.T @ (basis @ residual)
        kept = float(np.linalg.norm(residual))
        if kept <= _SPAN_TOLERANCE * max(self.norm, np.finfo(float).tiny):
            raise ValueError(
                f"{self.name!r} lies in the span of {', '.join(map(repr, names))}: nothing is "
                "left after removing them."
            )
        return Direction(
            name=name or f"{self.name} ⊥ {', '.join(names)}",
            vector=residual,
            quality=math.nan,
            method=self.method,
            details={
                "orthogonalized_from": self.name,
                "against": names,
                "kept_fraction": kept / self.norm,
                "original_quality": self.quality,
                "quality_measure": "none (orthogonalised)",
            },
        )

    def __repr__(self) -> str:
        measure = self.details.get("quality_measure") or QUALITY_MEASURES.get(self.method)
        quality = f"{self.quality:.3g}"
        if measure and not math.isnan(self.quality):
            quality += f" ({measure})"
        return (
            f"Direction({self.name!r}, dim={self.dim}, quality={quality}, method={self.method!r})"
        )


def _orthonormal_basis(rows: np.ndarray) -> np.ndarray:
    """Orthonormal rows spanning the given rows (dependent or zero rows add nothing)."""
    _, singular, vt = np.linalg.svd(rows, full_matrices=False)
    if not singular.size or singular[0] == 0:
        return np.zeros((0, rows.shape[1]))
    rank = int((singular > singular[0] * max(rows.shape) * np.finfo(float).eps).sum())
    return vt[:rank]
