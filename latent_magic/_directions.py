"""Attribute directions: named latent vectors built from labelled data, with a quality score.

Four ways to find one, after the article's operations:

* ``direction(Z, labels, positive=..., negative=...)``: the mean of one group minus the mean
  of another;
* ``direction(Z, values, ordered=True)``: a line through the group means of ordered bins
  (age, price, year), with the curve of bin means kept for inspection;
* ``direction(Z, labels, positive=..., method="classifier")``: the normal of a linear
  classifier that separates the groups;
* ``principal_directions(Z, k)``: the principal components of a sample.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._data import as_latents, as_vector
from ._projection import PrincipalAxes, fix_signs, principal_axes

__all__ = ["Direction", "direction", "principal_directions"]

METHODS = ("mean", "classifier")
DEFAULT_BINS = 6
_CV_FOLDS = 5  # folds of the classifier's cross-validation; also the members a class needs
_SPAN_TOLERANCE = 1e-8  # relative norm under which an orthogonalised vector has vanished
_QUALITY_MEASURES = {
    "mean_difference": "Cohen's d",
    "ordered": "Spearman ρ",
    "principal": "explained variance ratio",
}


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
        measure = self.details.get("quality_measure") or _QUALITY_MEASURES.get(self.method)
        quality = f"{self.quality:.3g}"
        if measure and not math.isnan(self.quality):
            quality += f" ({measure})"
        return (
            f"Direction({self.name!r}, dim={self.dim}, quality={quality}, method={self.method!r})"
        )


# ---------------------------------------------------------------------- building directions
def direction(
    Z: Any,
    labels: Any = None,
    *,
    positive: Any = None,
    negative: Any = None,
    ordered: bool = False,
    bins: int | None = None,
    method: str = "mean",
    name: str | None = None,
) -> Direction:
    """A direction in latent space that points from one group of points toward another.

    Parameters
    ----------
    Z : (n, d) array-like
        Latent vectors, one row per data point.
    labels : (n,) array-like, optional
        One label per row. Without labels, ``positive`` and ``negative`` select rows
        themselves: boolean masks ``(n,)`` or arrays of row indices (a map selection).
    positive : label or list of labels
        The group the direction points toward.
    negative : label or list of labels, optional
        The group it points away from; ``None`` means every row not in ``positive``.
    ordered : bool
        Treat numeric ``labels`` as ordered values (age, price) instead of groups: cut them
        into ``bins`` quantile bins (or use the distinct values when there are no more than
        ``bins`` of them) and fit a line through the bins' mean latents.
    bins : int, optional
        Bins of an ordered direction; default 6.
    method : {"mean", "classifier"}
        ``"mean"``: mean of the positive group minus mean of the negative group.
        ``"classifier"``: the normal of a logistic regression separating the groups
        (needs scikit-learn).
    name : str, optional
        Defaults to ``"<positive> − <negative>"`` or, for ordered labels, ``"<labels>
        (ordered)"``.

    Returns
    -------
    Direction
        ``method="mean"``: ``vector = mean(Z[positive]) − mean(Z[negative])``; quality is
        Cohen's d of the two groups' projections on the unit direction (pooled standard
        deviation); ``inf`` when neither group varies along it, NaN with one row in each.

        ``ordered=True``: ``vector`` is the count-weighted least-squares slope of the bin
        means against the bin centres (change per unit of the label), multiplied by the
        label range ``max − min``, i.e. the change the fitted line predicts from the lowest
        label to the highest; ``details["per_unit"]`` is the slope itself. Quality is
        Spearman's ρ between the labels and the data's projections on the direction
        (ties share their mean rank).
        ``details`` holds ``curve`` (bins, d) bin means in increasing order of
        ``bin_centers`` (mean label of each bin), ``bin_edges``, ``counts``.

        ``method="classifier"``: the unit normal of the decision boundary of a logistic
        regression (scikit-learn's defaults: L2 penalty, ``C=1``), oriented toward the
        positive group and scaled by the gap between the group means measured along it.
        Latents are not standardised, so the normal is a direction of latent space itself
        (standardising would tilt it by each coordinate's spread). Quality is 5-fold
        cross-validated balanced accuracy when each group has at least 5 rows, otherwise
        balanced accuracy on the training rows; ``details["quality_measure"]`` says which.

    Raises
    ------
    ValueError
        For ``Z`` that is not 2-D or holds NaN, labels of the wrong length, a group with no
        rows, overlapping groups, non-numeric or too few distinct ordered labels.
    """
    Z = np.asarray(as_latents(Z, "Z"), dtype=np.float64)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    if ordered:
        if method != "mean":
            raise ValueError(
                f"ordered=True fits a line through bin means (method='mean'); got "
                f"method={method!r}."
            )
        if positive is not None or negative is not None:
            raise ValueError(
                "ordered=True orders rows by their numeric labels; positive= and negative= "
                "are for two groups and must be left out."
            )
        if labels is None:
            raise ValueError("ordered=True needs labels: one number per row of Z.")
        return _ordered_direction(Z, labels, DEFAULT_BINS if bins is None else bins, name)
    if bins is not None:
        raise ValueError("bins= applies to ordered=True only.")
    in_positive, in_negative, described = _groups(Z, labels, positive, negative)
    name = name or f"{described['positive_name']} − {described['negative_name']}"
    details = {
        "n_positive": int(in_positive.sum()),
        "n_negative": int(in_negative.sum()),
        "labels": {"positive": described["positive"], "negative": described["negative"]},
    }
    if method == "classifier":
        return _classifier_direction(Z, in_positive, in_negative, name, details)
    return _mean_direction(Z, in_positive, in_negative, name, details)


def principal_directions(Z: Any, k: int = 10) -> list[Direction]:
    """The first ``k`` principal components of a sample of latents.

    Parameters
    ----------
    Z : (n, d) array-like
    k : int
        Components wanted; fewer come back when the data span fewer dimensions (fewer
        rows than columns, or columns that depend on each other).

    Returns
    -------
    list of Direction
        Named ``"PC 1"`` … ``"PC k"``, in decreasing order of variance. ``vector`` is the
        unit component times the standard deviation of the data along it; quality is the
        explained variance ratio. Signs are fixed so that each component's largest
        loading (by absolute value) is positive. ``details`` holds ``component`` (1-based),
        ``explained_variance``, ``explained_variance_ratio``, ``mean`` (d,), ``n_samples``.
    """
    Z = np.asarray(as_latents(Z, "Z"), dtype=np.float64)
    n, d = Z.shape
    if n < 2:
        raise ValueError(f"principal directions need at least 2 rows of Z; got {n}.")
    if n > 4 * d:  # many rows: the d × d covariance is cheaper and just as orthonormal
        return directions_of_axes(principal_axes(Z), k)
    mean = Z.mean(axis=0)
    _, singular, components = np.linalg.svd(Z - mean, full_matrices=False)
    variances = singular**2 / (n - 1)
    fix_signs(components)
    return directions_of_axes(PrincipalAxes(mean, variances, components, n), k)


def directions_of_axes(axes: PrincipalAxes, k: int = 10) -> list[Direction]:
    """The first ``k`` principal axes as named directions (see ``principal_directions``)."""
    if int(k) < 1:
        raise ValueError(f"k must be a positive number of components; got {k!r}.")
    variances, components, mean, n = axes.variances, axes.components, axes.mean, axes.n_samples
    total = float(variances.sum())
    if total == 0:
        raise ValueError("Z has no variance: every row is the same point.")
    # Components beyond the data's rank have no variance: no direction to speak of.
    rank = int((variances > total * 1e-12).sum())
    directions = []
    for i in range(min(int(k), rank)):
        component = components[i]
        directions.append(
            Direction(
                name=f"PC {i + 1}",
                vector=component * math.sqrt(variances[i]),
                quality=variances[i] / total,
                method="principal",
                details={
                    "component": i + 1,
                    "explained_variance": float(variances[i]),
                    "explained_variance_ratio": float(variances[i] / total),
                    "mean": mean,
                    "n_samples": n,
                    "quality_measure": _QUALITY_MEASURES["principal"],
                },
            )
        )
    return directions


# ---------------------------------------------------------------------- the methods
def _mean_direction(
    Z: np.ndarray,
    in_positive: np.ndarray,
    in_negative: np.ndarray,
    name: str,
    details: dict[str, Any],
) -> Direction:
    vector = Z[in_positive].mean(axis=0) - Z[in_negative].mean(axis=0)
    if not np.any(vector):
        raise ValueError(
            f"the two groups of {name!r} have the same mean latent: there is no direction "
            "between them."
        )
    unit = vector / np.linalg.norm(vector)
    quality = _cohens_d(Z[in_positive] @ unit, Z[in_negative] @ unit)
    details["quality_measure"] = _QUALITY_MEASURES["mean_difference"]
    return Direction(name, vector, quality, "mean_difference", details)


def _classifier_direction(
    Z: np.ndarray,
    in_positive: np.ndarray,
    in_negative: np.ndarray,
    name: str,
    details: dict[str, Any],
) -> Direction:
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import balanced_accuracy_score
        from sklearn.model_selection import StratifiedKFold, cross_val_score
    except ImportError:  # an optional dependency: say how to get it
        raise ImportError(
            "direction(..., method='classifier') needs scikit-learn: pip install scikit-learn"
        ) from None
    rows = in_positive | in_negative
    X, y = Z[rows], in_positive[rows].astype(int)
    classifier = LogisticRegression(max_iter=1000)
    classifier.fit(X, y)
    normal = np.asarray(classifier.coef_[0], dtype=np.float64)
    if not np.any(normal):
        raise ValueError(f"the classifier for {name!r} found no boundary between the groups.")
    unit = normal / np.linalg.norm(normal)
    gap = float((Z[in_positive].mean(axis=0) - Z[in_negative].mean(axis=0)) @ unit)
    if min(details["n_positive"], details["n_negative"]) >= _CV_FOLDS:
        folds = StratifiedKFold(_CV_FOLDS, shuffle=True, random_state=0)
        scores = cross_val_score(
            LogisticRegression(max_iter=1000), X, y, cv=folds, scoring="balanced_accuracy"
        )
        quality = float(scores.mean())
        measure = f"balanced accuracy, {_CV_FOLDS}-fold CV"
    else:
        quality = float(balanced_accuracy_score(y, classifier.predict(X)))
        measure = "balanced accuracy on the training rows"
    details.update(
        quality_measure=measure,
        gap_along_normal=gap,
        intercept=float(classifier.intercept_[0]),
    )
    # The boundary's normal orients the direction; the gap only sizes it.
    return Direction(name, unit * abs(gap), quality, "classifier", details)


def _ordered_direction(Z: np.ndarray, labels: Any, bins: Any, name: str | None) -> Direction:
    raw = _labels_array(labels, len(Z))
    try:
        if raw.dtype.kind not in "biufO":
            raise TypeError
        values = raw.astype(np.float64)
    except (TypeError, ValueError):
        example = next((v for v in raw[:1000].tolist() if not _is_number(v)), raw[0])
        raise ValueError(
            f"ordered=True needs numeric labels (age, price, year); got {raw.dtype} "
            f"labels such as {example!r}."
        ) from None
    if not np.isfinite(values).all():
        bad = int((~np.isfinite(values)).sum())
        raise ValueError(
            f"ordered=True needs a finite label for every row; {bad} of {len(values)} labels "
            "are NaN or infinite. Pass only the labelled rows (Z[mask], labels[mask])."
        )
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
        raise ValueError(f"bins must be an integer of at least 2; got {bins!r}.")
    distinct = np.unique(values)
    if len(distinct) < 2:
        raise ValueError(
            f"ordered=True needs at least 2 distinct label values to order; got "
            f"{len(distinct)} ({distinct[0]:g})."
        )
    if len(distinct) <= bins:
        middles = (distinct[:-1] + distinct[1:]) / 2
        edges = np.concatenate([[distinct[0]], middles, [distinct[-1]]])
        which = np.searchsorted(distinct, values)
    else:
        edges = np.unique(np.quantile(values, np.linspace(0, 1, int(bins) + 1)))
        which = np.searchsorted(edges[1:-1], values, side="right")
    counts = np.bincount(which, minlength=len(edges) - 1)
    present = counts > 0  # ties can leave a quantile bin empty
    counts = counts[present]
    curve = np.vstack([Z[which == b].mean(axis=0) for b in np.flatnonzero(present)])
    centres = np.array([values[which == b].mean() for b in np.flatnonzero(present)])
    weights = counts / counts.sum()
    dc = centres - weights @ centres
    per_unit = (weights * dc) @ (curve - weights @ curve) / (weights @ dc**2)
    label_range = float(values.max() - values.min())
    vector = per_unit * label_range
    if not np.any(vector):
        raise ValueError("the bin means do not change with the labels: there is no direction.")
    quality = _spearman(values, Z @ (vector / np.linalg.norm(vector)))
    what = getattr(labels, "name", None)
    return Direction(
        name=name or f"{what if isinstance(what, str) else 'labels'} (ordered)",
        vector=vector,
        quality=quality,
        method="ordered",
        details={
            "curve": curve,
            "bin_edges": edges,
            "bin_centers": centres,
            "counts": counts,
            "per_unit": per_unit,
            "label_range": label_range,
            "quality_measure": _QUALITY_MEASURES["ordered"],
        },
    )


# ---------------------------------------------------------------------- groups
def _groups(
    Z: np.ndarray, labels: Any, positive: Any, negative: Any
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Boolean masks of the positive and negative rows, and how to describe them."""
    n = len(Z)
    if labels is None:
        if positive is None:
            raise ValueError(
                "direction needs labels= (one per row of Z) with positive=, or positive= as "
                "a boolean mask or row indices; got neither."
            )
        in_positive = _rows(positive, n, "positive")
        in_negative = ~in_positive if negative is None else _rows(negative, n, "negative")
        described: dict[str, Any] = {
            "positive_name": "selection",
            "negative_name": "rest" if negative is None else "other selection",
            "positive": None,
            "negative": None,
        }
    else:
        values = _labels_array(labels, n)
        if positive is None:
            if values.dtype.kind != "b":
                raise ValueError(
                    "direction needs positive=: the label of the group it points toward; "
                    f"the labels hold {_list_labels(_distinct(values))}."
                )
            positive, negative = True, False  # boolean labels: toward True
        wanted_positive = _as_label_list(positive)
        wanted_negative = None if negative is None else _as_label_list(negative)
        shared = [p for p in wanted_positive if wanted_negative and p in wanted_negative]
        if shared:
            raise ValueError(
                f"positive and negative must be different groups; both hold {shared[0]!r}."
            )
        as_objects = values.astype(object)
        in_positive = _match(as_objects, wanted_positive, "positive")
        if wanted_negative is None:
            in_negative = ~in_positive
        else:
            in_negative = _match(as_objects, wanted_negative, "negative")
        described = {
            "positive_name": ", ".join(map(str, wanted_positive)),
            "negative_name": "rest"
            if wanted_negative is None
            else ", ".join(map(str, wanted_negative)),
            "positive": wanted_positive,
            "negative": wanted_negative,
        }
    if (in_positive & in_negative).any():
        raise ValueError(
            f"positive and negative must be different groups; {(in_positive & in_negative).sum()}"
            " row(s) are in both."
        )
    for side, mask in (("positive", in_positive), ("negative", in_negative)):
        if not mask.any():
            raise ValueError(f"the {side} group has no rows: every row is in the other group.")
    return in_positive, in_negative, described


def _match(values: np.ndarray, wanted: list[Any], side: str) -> np.ndarray:
    mask = np.zeros(len(values), dtype=bool)
    for label in wanted:
        hits = np.asarray(values == label, dtype=bool)
        if not np.any(hits):
            raise ValueError(_missing_label_message(label, values, side))
        mask |= hits
    return mask


def _missing_label_message(label: Any, values: np.ndarray, side: str) -> str:
    distinct = _distinct(values)
    as_text = {str(v): v for v in distinct}
    close = difflib.get_close_matches(str(label), list(as_text), n=3)
    hint = f" Did you mean {', '.join(repr(as_text[c]) for c in close)}?" if close else ""
    return f"no row has the {side} label {label!r}; the labels hold {_list_labels(distinct)}.{hint}"


def _rows(selection: Any, n: int, side: str) -> np.ndarray:
    """A boolean mask ``(n,)`` from a mask or from row indices."""
    array = np.asarray(selection)
    if array.dtype.kind == "b":
        if array.shape != (n,):
            raise ValueError(
                f"{side} as a boolean mask needs one value per row of Z ({n}); got shape "
                f"{array.shape}."
            )
        return array.copy()
    if array.dtype.kind not in "iu" or array.ndim > 1:
        raise ValueError(
            f"without labels, {side} must be a boolean mask or row indices; got "
            f"{array.dtype} values of shape {array.shape}."
        )
    indices = array.reshape(-1).astype(np.int64)
    if indices.size and (indices.min() < -n or indices.max() >= n):
        raise ValueError(f"{side} holds row indices outside Z's {n} rows.")
    mask = np.zeros(n, dtype=bool)
    mask[indices] = True
    return mask


def _as_label_list(wanted: Any) -> list[Any]:
    if isinstance(wanted, (list, tuple, set, frozenset, np.ndarray)):
        items = list(wanted)
        if not items:
            raise ValueError("a group needs at least one label; got an empty list.")
        return items
    return [wanted]


def _distinct(values: np.ndarray) -> list[Any]:
    seen: dict[Any, None] = {}
    for v in values.tolist():
        seen.setdefault(v, None)
    try:
        return sorted(seen)
    except TypeError:  # labels of mixed types keep their order of appearance
        return list(seen)


def _list_labels(distinct: Sequence[Any], limit: int = 20) -> str:
    shown = ", ".join(repr(v) for v in distinct[:limit])
    more = f" and {len(distinct) - limit} more" if len(distinct) > limit else ""
    return f"{len(distinct)} distinct value(s): {shown}{more}"


# ---------------------------------------------------------------------- checks and statistics
def _labels_array(labels: Any, n: int) -> np.ndarray:
    values = np.asarray(labels)
    if values.ndim == 2 and values.shape[1] == 1:  # a one-column frame or array
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(
            f"labels must be one label per row of Z, shape ({n},); got shape {values.shape}."
        )
    if len(values) != n:
        raise ValueError(
            f"labels has {len(values)} values for {n} rows of Z; give one label per row."
        )
    return values


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def _orthonormal_basis(rows: np.ndarray) -> np.ndarray:
    """Orthonormal rows spanning the given rows (dependent or zero rows add nothing)."""
    _, singular, vt = np.linalg.svd(rows, full_matrices=False)
    if not singular.size or singular[0] == 0:
        return np.zeros((0, rows.shape[1]))
    rank = int((singular > singular[0] * max(rows.shape) * np.finfo(float).eps).sum())
    return vt[:rank]


def _cohens_d(a: np.ndarray, b: np.ndarray) -> float:
    """Gap between the means in units of the pooled standard deviation."""
    dof = len(a) + len(b) - 2
    if dof <= 0:
        return math.nan
    pooled = (((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / dof
    gap = float(a.mean() - b.mean())
    if pooled <= 0:
        return math.inf if gap > 0 else (-math.inf if gap < 0 else math.nan)
    return gap / math.sqrt(pooled)


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (ties share their mean rank), without scipy."""
    rx, ry = _ranks(x), _ranks(y)
    rx -= rx.mean()
    ry -= ry.mean()
    scale = math.sqrt(float(rx @ rx) * float(ry @ ry))
    return float(rx @ ry) / scale if scale > 0 else math.nan


def _ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given the mean of the ranks they span."""
    order = np.argsort(x, kind="stable")
    position = np.empty(len(x), dtype=np.int64)
    position[order] = np.arange(len(x))
    ordered = x[order]
    starts = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    group = np.cumsum(starts)[position]  # 1-based tie group of each element
    bounds = np.concatenate([np.flatnonzero(starts), [len(x)]]).astype(np.float64)
    return 0.5 * (bounds[group - 1] + bounds[group] + 1)
