"""How good a direction is: Cohen's d of two groups, Spearman's ρ of an ordering.

Plain numpy (no scipy): each score is a few lines, and scipy would be a heavy import for
them. ``QUALITY_MEASURES`` names the score of each method of finding a direction.
"""

from __future__ import annotations

import math

import numpy as np

QUALITY_MEASURES = {
    "mean_difference": "Cohen's d",
    "ordered": "Spearman ρ",
    "principal": "explained variance ratio",
}


def cohens_d(a: np.ndarray, b: np.ndarray) -> float:
    """Gap between the means in units of the pooled standard deviation."""
    dof = len(a) + len(b) - 2
    if dof <= 0:
        return math.nan
    pooled = (((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / dof
    gap = float(a.mean() - b.mean())
    if pooled <= 0:
        return math.inf if gap > 0 else (-math.inf if gap < 0 else math.nan)
    return gap / math.sqrt(pooled)


def spearman(x: np.ndarray, y: np.ndarray) -> float:
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
