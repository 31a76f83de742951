"""Finding attribute directions in data: named latent vectors, each with a quality score.

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

import math
from typing import Any

import numpy as np

from ._data import as_latents
from ._direction import Direction
from ._direction_quality import QUALITY_MEASURES, cohens_d, spearman
from ._label_groups import Groups, find_groups, labels_array
from ._projection import PrincipalAxes, fix_signs, principal_axes

__all__ = ["direction", "directions_of_axes", "principal_directions"]

METHODS = ("mean", "classifier")
DEFAULT_BINS = 6
_CV_FOLDS = 5  # folds of the classifier's cross-validation; also the members a class needs


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
    groups = find_groups(Z, labels, positive, negative)
    name = name or f"{groups.positive_name} − {groups.negative_name}"
    details = {
        "n_positive": int(groups.positive.sum()),
        "n_negative": int(groups.negative.sum()),
        "labels": {"positive": groups.positive_labels, "negative": groups.negative_labels},
    }
    if method == "classifier":
        return _classifier_direction(Z, groups, name, details)
    return _mean_direction(Z, groups, name, details)


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
                    "quality_measure": QUALITY_MEASURES["principal"],
                },
            )
        )
    return directions


# ---------------------------------------------------------------------- the methods
def _mean_direction(Z: np.ndarray, groups: Groups, name: str, details: dict[str, Any]) -> Direction:
    vector = groups.mean_gap(Z)
    if not np.any(vector):
        raise ValueError(
            f"the two groups of {name!r} have the same mean latent: there is no direction "
            "between them."
        )
    unit = vector / np.linalg.norm(vector)
    quality = cohens_d(Z[groups.positive] @ unit, Z[groups.negative] @ unit)
    details["quality_measure"] = QUALITY_MEASURES["mean_difference"]
    return Direction(name, vector, quality, "mean_difference", details)


def _classifier_direction(
    Z: np.ndarray, groups: Groups, name: str, details: dict[str, Any]
) -> Direction:
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import balanced_accuracy_score
        from sklearn.model_selection import StratifiedKFold, cross_val_score
    except ImportError:  # an optional dependency: say how to get it
        raise ImportError(
            "direction(..., method='classifier') needs scikit-learn: pip install scikit-learn"
        ) from None
    rows = groups.positive | groups.negative
    X, y = Z[rows], groups.positive[rows].astype(int)
    classifier = LogisticRegression(max_iter=1000)
    classifier.fit(X, y)
    normal = np.asarray(classifier.coef_[0], dtype=np.float64)
    if not np.any(normal):
        raise ValueError(f"the classifier for {name!r} found no boundary between the groups.")
    unit = normal / np.linalg.norm(normal)
    gap = float(groups.mean_gap(Z) @ unit)
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
    raw = labels_array(labels, len(Z))
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
    quality = spearman(values, Z @ (vector / np.linalg.norm(vector)))
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
            "quality_measure": QUALITY_MEASURES["ordered"],
        },
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
