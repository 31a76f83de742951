"""Embedding tables (a label per vector) and text encoders (``.encode(list_of_strings)``).

Both are recognised by duck typing only: nothing heavy (torch, sentence-transformers,
pandas, gensim) is imported here.
"""

from __future__ import annotations

import difflib
import inspect
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ._latent_model import LatentModel
from ._neighbors import nearest

TOP_K = 10  # labels returned per decoded latent
_ENCODE_BATCH = 1024  # texts per call for encoders that do not batch themselves
_PEEK = 100  # elements looked at when guessing what a container holds
# LatentModel arguments these adapters set themselves; a hint may not override them.
_RESERVED = ("encode", "decode", "dim", "n_features", "cannot_decode_reason", "data_kind", "table")


class UnknownLabelError(KeyError, ValueError):
    """A label asked of an embedding table that is not in it (suggests close spellings)."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


# ---------------------------------------------------------------------- embedding tables
def looks_like_table(obj: Any) -> bool:
    """Whether ``obj`` is an embedding table: a label for each vector.

    Matches ``dict[str, vector]``, a ``(labels, vectors)`` 2-tuple, a pandas DataFrame
    (rows are vectors, the index holds the labels) and gensim-style ``KeyedVectors``
    (``index_to_key`` and ``vectors``).
    """
    if isinstance(obj, Mapping):
        keys = _peek(obj.keys())
        values = _peek(obj.values())
        return all(isinstance(k, str) for k in keys) and all(_is_vector_like(v) for v in values)
    if isinstance(obj, tuple):
        return len(obj) == 2 and _is_label_sequence(obj[0]) and _is_matrix_like(obj[1])
    if _is_dataframe(obj):
        return True
    return hasattr(obj, "index_to_key") and hasattr(obj, "vectors")


def adapt_table(obj: Any, **hints: Any) -> LatentModel:
    """An embedding table as a :class:`LatentModel` of kind ``"text"``.

    ``encode(labels)`` looks rows up by label, ``(n, d)`` float32; ``decode(Z)`` gives, for
    each latent, the ``TOP_K`` nearest labels by cosine similarity as ``(label, score)``
    pairs (an object array of lists, one list per row of ``Z``). The table itself is kept
    in ``model.table`` as ``(labels, vectors)`` so the explorer can map it with no data.
    """
    name = hints.pop("name", None)
    if isinstance(obj, Mapping):
        labels, vectors = _from_mapping(obj)
        default_name = "embedding table"
    elif isinstance(obj, tuple):
        if len(obj) != 2:
            raise TypeError(
                f"An embedding table as a tuple must be (labels, vectors); got a tuple of "
                f"{len(obj)} items."
            )
        labels, vectors = list(obj[0]), _as_matrix(obj[1])
        default_name = "embedding table"
    elif _is_dataframe(obj):
        labels, vectors = _from_dataframe(obj)
        default_name = "embedding table"
    elif hasattr(obj, "index_to_key") and hasattr(obj, "vectors"):
        labels, vectors = list(obj.index_to_key), _as_matrix(obj.vectors)
        default_name = type(obj).__name__
    else:
        raise TypeError(
            "An embedding table must be a dict {label: vector}, a (labels, vectors) tuple, "
            "a DataFrame indexed by label, or KeyedVectors (index_to_key, vectors); "
            f"got {type(obj).__name__}."
        )
    labels = _check_labels(labels)
    vectors = _check_vectors(vectors, labels)
    return _table_model(labels, vectors, name or default_name, hints)


def _table_model(
    labels: list[str], vectors: np.ndarray, name: str, hints: dict[str, Any]
) -> LatentModel:
    row_of = {label: i for i, label in enumerate(labels)}

    def lookup(wanted: Any) -> np.ndarray:
        wanted = _as_texts(wanted, f"{name} looks up")
        missing = [w for w in wanted if w not in row_of]
        if missing:
            raise UnknownLabelError(_unknown_message(missing, labels, name))
        return vectors[[row_of[w] for w in wanted]]

    def nearest_labels(Z: np.ndarray) -> np.ndarray:
        indices, scores = nearest(Z, vectors, TOP_K, metric="cosine")
        out = np.empty(len(indices), dtype=object)  # one list per row, kept whole
        for i, (row, row_scores) in enumerate(zip(indices, scores, strict=True)):
            out[i] = [(labels[j], float(s)) for j, s in zip(row, row_scores, strict=True)]
        return out

    return LatentModel(
        encode=lookup,
        decode=nearest_labels,
        dim=int(vectors.shape[1]),
        kind=hints.pop("kind", None) or "text",
        name=name,
        data_kind="text",
        table=(labels, vectors),
        **_extra_hints(hints),
    )


def _from_mapping(obj: Mapping[Any, Any]) -> tuple[list[Any], np.ndarray]:
    labels = list(obj.keys())
    rows = []
    lengths: dict[int, str] = {}  # one example label per vector length seen
    for label, value in obj.items():
        row = _as_numeric(value, f"the vector of {label!r}")
        if row.ndim != 1:
            raise ValueError(
                f"Each value of an embedding dict must be a 1-D vector; {label!r} has shape "
                f"{row.shape}."
            )
        lengths.setdefault(row.shape[0], label)
        rows.append(row)
    if len(lengths) > 1:
        seen = ", ".join(f"{label!r} has {n}" for n, label in list(lengths.items())[:4])
        raise ValueError(
            f"The vectors of an embedding dict must all have the same length; they differ: {seen}."
        )
    if not rows:
        return labels, np.zeros((0, 0), dtype=np.float32)
    return labels, np.stack(rows)


def _from_dataframe(df: Any) -> tuple[list[Any], np.ndarray]:
    labels = list(df.index)
    if labels and not any(isinstance(x, str) for x in _peek(labels)):
        text_columns = [c for c, t in df.dtypes.items() if _numpy_dtype(t).kind in "OUS"]
        fix = (
            f'df.set_index("{text_columns[0]}")'
            if text_columns
            else "df.set_index(<the label column>)"
        )
        raise TypeError(
            f"A DataFrame embedding table needs its labels in the index; the index holds "
            f"{type(labels[0]).__name__} values ({labels[0]!r}, …). Use {fix}, or "
            "df.index = df.index.astype(str) if those values are the labels."
        )
    other = [c for c, t in df.dtypes.items() if _numpy_dtype(t).kind not in "biuf"]
    if other:
        raise TypeError(
            "Every column of a DataFrame embedding table must be numeric (one vector "
            f"component each); these are not: {', '.join(map(repr, other[:5]))}"
            f"{' …' if len(other) > 5 else ''}."
        )
    return labels, np.asarray(df.to_numpy(dtype=np.float32, na_value=np.nan))


def _check_labels(labels: list[Any]) -> list[str]:
    if not labels:
        raise ValueError("The embedding table is empty: it needs at least one labelled vector.")
    missing = [i for i, x in enumerate(labels) if _is_missing(x)]
    if missing:
        where = ", ".join(map(str, missing[:5])) + (" …" if len(missing) > 5 else "")
        raise ValueError(
            f"{len(missing)} label(s) of the embedding table are missing (None, NaN or empty), "
            f"at position(s) {where}; every vector needs a label."
        )
    wrong = [x for x in labels if not isinstance(x, str)]
    if wrong:
        raise TypeError(
            f"Labels of an embedding table must be strings; got {type(wrong[0]).__name__} "
            f"({wrong[0]!r}). Convert them first, e.g. [str(x) for x in labels]."
        )
    counts = Counter(labels)
    if len(counts) < len(labels):
        repeated = [f"{x!r} ×{n}" for x, n in counts.most_common(5) if n > 1]
        raise ValueError(
            f"Labels of an embedding table must be unique; "
            f"{len(labels) - len(counts)} are repeated: {', '.join(repeated)}."
        )
    return [str(x) for x in labels]  # np.str_ → str


def _check_vectors(vectors: np.ndarray, labels: list[str]) -> np.ndarray:
    if vectors.ndim != 2:
        raise ValueError(
            f"The vectors of an embedding table must form a 2-D array (one row per label); "
            f"got shape {vectors.shape}."
        )
    if vectors.shape[0] != len(labels):
        raise ValueError(
            f"An embedding table needs one label per vector; got {len(labels)} labels for "
            f"{vectors.shape[0]} vectors."
        )
    if vectors.shape[1] == 0:
        raise ValueError("The vectors of the embedding table have no components (shape (n, 0)).")
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        names = ", ".join(repr(labels[i]) for i in np.flatnonzero(bad)[:5])
        raise ValueError(
            f"{int(bad.sum())} vector(s) of the embedding table hold NaN or infinity: {names}."
        )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def _as_matrix(vectors: Any) -> np.ndarray:
    return _as_numeric(vectors, "the vectors of the embedding table")


def _as_numeric(values: Any, what: str) -> np.ndarray:
    if hasattr(values, "detach"):  # a torch tensor, without importing torch
        values = values.detach().cpu().numpy()
    try:
        array = np.asarray(values)
    except ValueError:  # numpy refuses inhomogeneous nesting
        raise ValueError(
            f"{what[0].upper()}{what[1:]} are ragged: rows have different lengths."
        ) from None
    if array.dtype.kind in "biuf":
        return array.astype(np.float32, copy=False)
    if array.dtype.kind == "O":
        if array.ndim == 1 and len(array) and _is_vector_like(array[0]):
            raise ValueError(f"{what[0].upper()}{what[1:]} are ragged: rows differ in length.")
        try:
            return array.astype(np.float32)
        except (TypeError, ValueError):
            pass
    example = array.flat[0] if array.size else None
    raise TypeError(
        f"{what[0].upper()}{what[1:]} must be numeric; got {array.dtype} values"
        f"{f' such as {example!r}' if example is not None else ''}."
    )


def _unknown_message(missing: list[str], labels: list[str], name: str) -> str:
    lowered: dict[str, str] = {}
    if len(labels) <= 2_000_000:
        for label in labels:
            lowered.setdefault(label.lower(), label)
    parts = []
    for word in missing[:5]:
        close = [lowered[word.lower()]] if word.lower() in lowered else []
        close += [c for c in difflib.get_close_matches(word, labels, n=3) if c not in close]
        hint = f" (did you mean {', '.join(map(repr, close[:3]))}?)" if close else ""
        parts.append(f"{word!r}{hint}")
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    return f"{len(missing)} label(s) are not in {name}: {'; '.join(parts)}{more}."


# ---------------------------------------------------------------------- text encoders
def looks_like_text_encoder(obj: Any) -> bool:
    """Whether ``obj`` turns a list of strings into vectors with ``.encode``.

    Matches sentence-transformers models and any object with ``encode`` but no ``decode``;
    not scikit-learn estimators (``fit`` + ``transform``), strings, dicts, DataFrames or
    embedding tables. A torch module with ``encode`` counts only when it carries a text
    signal (a tokenizer, or comes from sentence-transformers): a VAE's ``encode`` takes
    tensors, not strings.
    """
    if isinstance(obj, (str, bytes, Mapping, tuple, list, np.ndarray)) or _is_dataframe(obj):
        return False
    if not callable(getattr(obj, "encode", None)):
        return False
    if callable(getattr(obj, "fit", None)) and callable(getattr(obj, "transform", None)):
        return False
    if looks_like_table(obj):
        return False
    if _has_text_signal(obj):
        return True
    is_torch_module = callable(getattr(obj, "parameters", None)) and callable(
        getattr(obj, "forward", None)
    )
    return not is_torch_module and not callable(getattr(obj, "decode", None))


def adapt_text_encoder(obj: Any, **hints: Any) -> LatentModel:
    """A text encoder as a :class:`LatentModel` that encodes strings and cannot decode.

    ``encode(texts)`` returns ``(n, d)`` float32; the explorer shows the nearest data
    strings instead of a decoded preview.
    """
    name = hints.pop("name", None) or type(obj).__name__
    call = _encode_call(obj)

    def encode(texts: Any) -> np.ndarray:
        texts = _as_texts(texts, f"{name} encodes")
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        return np.concatenate(
            [call(texts[i : i + _ENCODE_BATCH]) for i in range(0, len(texts), _ENCODE_BATCH)]
        )

    known = _embedding_size(obj)
    # With no size method, one short text tells the size (and checks the encoder works).
    dim = known if known is not None else int(call(["latent"]).shape[1])
    return LatentModel(
        encode=encode,
        decode=None,
        dim=dim,
        kind=hints.pop("kind", None) or "text",
        name=name,
        data_kind="text",
        cannot_decode_reason=(
            f"{name} is a text encoder: it has no decoder, so the preview shows the nearest "
            "data strings instead."
        ),
        **_extra_hints(hints),
    )


def _encode_call(obj: Any) -> Callable[[list[str]], np.ndarray]:
    """``obj.encode`` with the keywords it accepts, checked to give one row per text."""
    name = type(obj).__name__
    parameters: Mapping[str, Any]
    try:
        parameters = inspect.signature(obj.encode).parameters
    except (TypeError, ValueError):  # builtins and C extensions may hide their signature
        parameters = {}
    options: dict[str, Any] = {}
    if "convert_to_numpy" in parameters:
        options["convert_to_numpy"] = True
    if "show_progress_bar" in parameters:
        options["show_progress_bar"] = False

    def call(texts: list[str]) -> np.ndarray:
        Z = _as_numeric(obj.encode(texts, **options), f"what {name}.encode returned")
        if Z.ndim == 1 and len(texts) == 1 and Z.size:  # one text, one flat vector
            Z = Z[None]
        if Z.ndim != 2 or Z.shape[0] != len(texts) or Z.shape[1] == 0:
            raise ValueError(
                f"{name}.encode must return one vector per text, shape ({len(texts)}, d); "
                f"for {len(texts)} texts it returned shape {Z.shape}."
            )
        return Z

    return call


def _embedding_size(obj: Any) -> int | None:
    # sentence-transformers renamed the first to the second (the old name warns).
    for method in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        getter = getattr(obj, method, None)
        if callable(getter):
            try:
                size = getter()
            except Exception:  # a size method that cannot answer: probe by encoding instead
                continue
            if isinstance(size, (int, np.integer)) and size > 0:
                return int(size)
    return None


def _has_text_signal(obj: Any) -> bool:
    module = type(obj).__module__ or ""
    return (
        module.startswith("sentence_transformers")
        or hasattr(obj, "tokenizer")
        or callable(getattr(obj, "get_sentence_embedding_dimension", None))
    )


# ---------------------------------------------------------------------- shared helpers
def _extra_hints(hints: dict[str, Any]) -> dict[str, Any]:
    clash = sorted(k for k, v in hints.items() if k in _RESERVED and v is not None)
    if clash:
        raise TypeError(
            f"{', '.join(clash)} cannot be given as hints here: the adapter sets "
            f"{'it' if len(clash) == 1 else 'them'} from the model itself."
        )
    return {k: v for k, v in hints.items() if v is not None and k not in _RESERVED}


def _as_texts(texts: Any, what: str) -> list[str]:
    """A list of strings from one string, a list, an array of strings or a Series."""
    if isinstance(texts, str):
        return [texts]
    if isinstance(texts, np.ndarray) and texts.dtype.kind not in "UO":
        raise TypeError(
            f"{what} a list of strings; got a {texts.dtype} array of shape {texts.shape}."
        )
    if not isinstance(texts, Iterable):
        raise TypeError(f"{what} a list of strings; got {type(texts).__name__}.")
    out = list(texts)
    wrong = [t for t in out if not isinstance(t, str)]
    if wrong:
        raise TypeError(
            f"{what} a list of strings; got an item of type {type(wrong[0]).__name__} "
            f"({wrong[0]!r})."
        )
    return [str(t) for t in out]


def _peek(items: Iterable[Any]) -> list[Any]:
    out = []
    for item in items:
        out.append(item)
        if len(out) >= _PEEK:
            break
    return out


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    if isinstance(x, str):
        return not x.strip()
    return isinstance(x, float) and math.isnan(x)


def _is_vector_like(value: Any) -> bool:
    return not isinstance(value, (str, bytes, Mapping)) and (
        hasattr(value, "__len__") or hasattr(value, "shape")
    )


def _is_label_sequence(labels: Any) -> bool:
    if isinstance(labels, (str, bytes, Mapping)) or not isinstance(labels, Iterable):
        return False
    if getattr(labels, "ndim", 1) != 1 or not hasattr(labels, "__len__"):
        return False
    head = _peek(labels)
    return any(isinstance(x, str) for x in head) and all(
        isinstance(x, str) or _is_missing(x) for x in head
    )


def _is_matrix_like(vectors: Any) -> bool:
    ndim = getattr(vectors, "ndim", None)
    if ndim is not None:
        return bool(
            ndim == 2 or (ndim == 1 and getattr(getattr(vectors, "dtype", None), "kind", "") == "O")
        )
    if isinstance(vectors, (str, bytes, Mapping)) or not isinstance(vectors, Sequence):
        return False
    return all(_is_vector_like(row) for row in _peek(vectors))


def _is_dataframe(obj: Any) -> bool:
    return all(hasattr(obj, a) for a in ("index", "columns", "to_numpy", "iloc"))


def _numpy_dtype(dtype: Any) -> np.dtype[Any]:
    try:
        return np.dtype(dtype)
    except TypeError:  # pandas extension dtypes (string, categorical, nullable ints)
        return np.dtype(getattr(dtype, "numpy_dtype", object))
