import types

import numpy as np
import pandas as pd
import pytest
from gensim.models import KeyedVectors
from gensim.test.utils import datapath
from hypothesis import given, settings
from hypothesis import strategies as st

from latent_magic._arithmetic import ArithmeticResult, _Table, arithmetic, example_expression
from latent_magic._embeddings import adapt_table
from latent_magic._expression import ExpressionError, parse
from latent_magic._latent_model import LatentModel

QUADRUPLES = [  # a - b + c ≈ d
    ("king", "man", "woman", "queen"),
    ("paris", "france", "italy", "rome"),
    ("walked", "walk", "swim", "swam"),
    ("bigger", "big", "small", "smaller"),
    ("new york", "usa", "japan", "tokyo"),
]


def planted_table(dim=32, n_filler=200, noise=0.05, seed=0):
    """Random filler words plus planted analogies: d = a - b + c + small noise."""
    rng = np.random.default_rng(seed)
    labels = [f"filler{i}" for i in range(n_filler)]
    vectors = list(rng.normal(size=(n_filler, dim)))
    for a, b, c, d in QUADRUPLES:
        va, vb, vc = rng.normal(size=(3, dim))
        vd = va - vb + vc + noise * rng.normal(size=dim)
        labels += [a, b, c, d]
        vectors += [va, vb, vc, vd]
    return labels, np.array(vectors)


@pytest.fixture(scope="module")
def table():
    return planted_table()


def quoted(word):
    return f"'{word}'" if " " in word else word


# ---------------------------------------------------------------------- the laws
@pytest.mark.parametrize(("a", "b", "c", "d"), QUADRUPLES)
def test_planted_analogies_come_back_first(table, a, b, c, d):
    result = arithmetic(table, f"{quoted(a)} - {b} + {c}")
    assert result.neighbors[0][0] == d
    assert {a, b, c}.isdisjoint(label for label, _ in result.neighbors)
    assert result.terms == [(1.0, a), (-1.0, b), (1.0, c)]


def test_vector_is_the_weighted_sum_of_the_terms(table):
    labels, vectors = table
    row = {label: i for i, label in enumerate(labels)}
    result = arithmetic(table, "0.5*king + 2 * 'new york' - paris / 4")
    expected = 0.5 * vectors[row["king"]] + 2 * vectors[row["new york"]] - vectors[row["paris"]] / 4
    np.testing.assert_allclose(result.vector, expected)
    assert result.vector.dtype == np.float64
    assert result.terms == [(0.5, "king"), (2.0, "new york"), (-0.25, "paris")]


def test_the_query_words_come_back_only_when_asked(table):
    # king itself is nearer to "king + 0.1 * man" than anything else
    assert arithmetic(table, "king + 0.1*man").neighbors[0][0] != "king"
    with_terms = arithmetic(table, "king + 0.1*man", include_terms=True)
    assert with_terms.neighbors[0][0] == "king"
    assert len(with_terms.neighbors) == 10


def test_neighbor_scores_are_cosine_similarities_best_first(table):
    labels, vectors = table
    result = arithmetic(table, "king - man + woman", k=7)
    assert len(result.neighbors) == 7
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    row = {label: i for i, label in enumerate(labels)}
    query = unit[row["king"]] - unit[row["man"]] + unit[row["woman"]]
    np.testing.assert_allclose(result.query, query)
    assert (result.metric, result.unit_terms) == ("cosine", True)
    cosines = unit @ (query / np.linalg.norm(query))
    for label, score in result.neighbors:
        assert score == pytest.approx(cosines[labels.index(label)], abs=1e-5)
    scores = [s for _, s in result.neighbors]
    assert scores == sorted(scores, reverse=True)


def test_euclidean_neighbors_are_distances_nearest_first(table):
    labels, vectors = table
    result = arithmetic(table, "king - man + woman", k=5, metric="euclidean")
    assert result.neighbors[0][0] == "queen"
    distances = [s for _, s in result.neighbors]
    assert distances == sorted(distances)
    queen = vectors[labels.index("queen")]
    assert distances[0] == pytest.approx(np.linalg.norm(result.vector - queen), rel=1e-4)
    # Distances are measured from the raw sum: unit terms would put it at the wrong scale.
    assert (result.metric, result.unit_terms) == ("euclidean", False)
    np.testing.assert_array_equal(result.query, result.vector)


def test_labels_match_case_insensitively_when_unique(table):
    result = arithmetic(table, "KING - Man + woman")
    assert result.neighbors[0][0] == "queen"
    assert result.terms == [(1.0, "king"), (-1.0, "man"), (1.0, "woman")]
    assert "king" not in [label for label, _ in result.neighbors]


def test_an_ambiguous_case_insensitive_match_is_an_error():
    space = (["Apple", "apple", "pear"], np.eye(3))
    with pytest.raises(ValueError, match=r"'APPLE' \(did you mean 'Apple', 'apple'"):
        arithmetic(space, "APPLE + pear")
    assert arithmetic(space, "apple + pear", k=1).neighbors == [("Apple", 0.0)]


def test_a_label_shared_by_many_rows_stands_for_their_mean():
    vectors = np.array([[1.0, 0, 0], [3.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    result = arithmetic((["cat", "cat", "dog", "fish"], vectors), "cat - dog", k=5)
    np.testing.assert_allclose(result.vector, [2.0, -1.0, 0.0])
    assert [label for label, _ in result.neighbors] == ["fish"]  # both cats and dog left out


def test_neighbours_name_their_rows_when_labels_repeat():
    vectors = np.array([[1.0, 0, 0], [0, 1.0, 0], [0.9, 0.1, 0], [0.8, 0.3, 0], [0, 0, 1.0]])
    labels = ["3", "8", "3", "3", "1"]
    result = arithmetic((labels, vectors), "'3' - '8' + '1'", k=5, include_terms=True)
    assert len(result.indices) == len(result.neighbors)
    assert result.indices.dtype == np.int64
    # Each neighbour's row holds its label, and its score is that row's own.
    for (label, score), i in zip(result.neighbors, result.indices, strict=True):
        assert labels[i] == label
        query = result.query / np.linalg.norm(result.query)
        assert score == pytest.approx(vectors[i] @ query / np.linalg.norm(vectors[i]))
    threes = [
        i for i, (label, _) in zip(result.indices, result.neighbors, strict=True) if label == "3"
    ]
    assert sorted(threes) == [0, 2, 3]


def test_a_result_made_without_indices_still_works():
    # Older callers built ArithmeticResult positionally, without the rows.
    terms, neighbors = [(1.0, "a")], [("b", 0.5)]
    result = ArithmeticResult("a", np.ones(2), terms, neighbors, "cosine", True, np.ones(2))
    assert result.indices.shape == (0,)
    assert "neighbors=[('b', 0.500)]" in repr(result)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        # Digits: the three most frequent, quoted (a bare number is a coefficient).
        ([3, 1, 3, 5, 1, 3, 5, 1, 8], "'3' - '1' + '5'"),
        (["cat", "dog", "dog", "fish", "cat", "dog"], "dog - cat + fish"),
        # Ties keep the order of first appearance.
        (["b", "a", "c", "d"], "b - a + c"),
        (["paris", "king", "man", "woman", "rome"], "king - man + woman"),
        (["new york", "ice-cream", "it's", 'say "hi"'], "'new york' - 'ice-cream' + it's"),
        (["2e5", "1e", "x"], "'2e5' - 1e + x"),  # "1e" is no number: the parser says so
        # A label no quote can write is skipped (a space needs quotes, it holds both), as is
        # an empty one; quotes inside a bare word are just characters.
        (["a 'b\" c", "", "p", "q"], "p - q"),
        (["it's", 'a"b'], "it's - a\"b"),
        (["yes", "no"], "yes - no"),
        (["alone", "alone"], ""),
        ([], ""),
    ],
)
def test_example_expression_uses_the_maps_own_labels(labels, expected):
    assert example_expression(labels) == expected


def test_example_expression_prefers_short_labels_among_equals_and_reads_back():
    sentences = [f"a sentence long enough to crowd the box, number {i}" for i in range(5)]
    labels = [*sentences, "short one", "tiny", "ok"]
    assert example_expression(labels) == "'short one' - tiny + ok"
    vectors = np.random.default_rng(0).normal(size=(len(labels), 4))
    # What it suggests is an expression the arithmetic box evaluates over those labels.
    result = arithmetic((labels, vectors), example_expression(labels), k=2)
    assert [name for _, name in result.terms] == ["short one", "tiny", "ok"]


def test_the_zero_vector_has_no_cosine_neighbors(table):
    with pytest.raises(ValueError, match="adds up to the zero vector"):
        arithmetic(table, "king - king")


def test_repr_is_short_and_says_which_sum_found_the_neighbors(table):
    result = arithmetic(table, "king - man + woman")
    assert isinstance(result, ArithmeticResult)
    assert repr(result).startswith(
        "ArithmeticResult('king - man + woman', dim=32, metric='cosine', unit_terms=True, "
        "neighbors=["
    )
    assert "queen" in repr(result)
    euclidean = arithmetic(table, "king - man + woman", metric="euclidean")
    assert "metric='euclidean', unit_terms=False" in repr(euclidean)


# ---------------------------------------------------------------------- the field's reference
# Real word2vec vectors shipped in gensim's wheel: 2,747 words of the Lee news corpus in 10
# dimensions, with lengths from 0.7 to 16, so adding raw vectors and adding unit vectors
# give different answers.
ANALOGIES = [  # a - b + c
    ("man", "he", "she"),
    ("israel", "palestinian", "australia"),
    ("king", "man", "woman"),
    ("sydney", "australia", "us"),
    ("government", "minister", "president"),
]


@pytest.fixture(scope="module")
def word2vec():
    return KeyedVectors.load_word2vec_format(datapath("euclidean_vectors.bin"), binary=True)


def raw_sum_neighbors(kv, a, b, c, k):
    """What adding raw vectors gives: the answer the field does not give."""
    raw = kv[a].astype(np.float64) - kv[b] + kv[c]
    unit = kv.vectors / np.linalg.norm(kv.vectors, axis=1, keepdims=True)
    order = np.argsort(-(unit @ (raw / np.linalg.norm(raw))))
    return [kv.index_to_key[i] for i in order if kv.index_to_key[i] not in (a, b, c)][:k]


def test_the_reference_vectors_are_far_from_unit_length(word2vec):
    norms = np.linalg.norm(word2vec.vectors, axis=1)
    assert norms.max() / norms.min() > 10


@pytest.mark.parametrize(("a", "b", "c"), ANALOGIES)
def test_analogies_give_gensims_most_similar(word2vec, a, b, c):
    k = 10
    expected = word2vec.most_similar(positive=[a, c], negative=[b], topn=k)
    result = arithmetic(word2vec, f"{a} - {b} + {c}", k=k)
    assert [label for label, _ in result.neighbors] == [label for label, _ in expected]
    np.testing.assert_allclose(
        [score for _, score in result.neighbors], [score for _, score in expected], atol=1e-5
    )
    # On these vectors the raw sum ranks other words: the agreement above is not by chance.
    assert raw_sum_neighbors(word2vec, a, b, c, k) != [label for label, _ in expected]
    # The raw sum is still what the result carries as its point among the latents.
    np.testing.assert_allclose(
        result.vector, word2vec[a].astype(np.float64) - word2vec[b] + word2vec[c], rtol=1e-6
    )


def test_weighted_terms_give_gensims_weighted_most_similar(word2vec):
    # gensim takes a (key, weight) pair's weight as it is, negative list or not.
    expected = word2vec.most_similar(
        positive=[("police", 0.5), ("fire", 2.0), ("government", -1.5)], topn=8
    )
    result = arithmetic(word2vec, "0.5 * police + 2 * fire - 1.5 * government", k=8)
    assert [label for label, _ in result.neighbors] == [label for label, _ in expected]
    np.testing.assert_allclose(
        [score for _, score in result.neighbors], [score for _, score in expected], atol=1e-5
    )


def test_a_term_of_zero_length_adds_nothing_under_cosine():
    space = (["a", "b", "none", "c"], np.array([[3.0, 0], [0, 0.5], [0, 0], [1.0, 1.0]]))
    result = arithmetic(space, "a + b + none", k=1)
    np.testing.assert_allclose(result.query, [1.0, 1.0])
    assert result.neighbors == [("c", pytest.approx(1.0))]


# ---------------------------------------------------------------------- kinds of space
def as_spaces(labels, vectors):
    return {
        "pair": (labels, vectors),
        "list pair": [np.array(labels), vectors],
        "dict": dict(zip(labels, vectors, strict=True)),
        "dataframe": pd.DataFrame(vectors, index=labels),
        "table model": LatentModel(
            encode=lambda x: x, dim=vectors.shape[1], table=(labels, vectors)
        ),
        "labels + latents": types.SimpleNamespace(labels=labels, latents=vectors),
        "labels + vectors": types.SimpleNamespace(labels=labels, vectors=vectors),
        "keyed vectors": types.SimpleNamespace(index_to_key=labels, vectors=vectors),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "pair",
        "list pair",
        "dict",
        "dataframe",
        "table model",
        "labels + latents",
        "labels + vectors",
        "keyed vectors",
    ],
)
def test_every_kind_of_space_gives_the_same_answer(table, kind):
    space = as_spaces(*table)[kind]
    assert arithmetic(space, "paris - france + italy").neighbors[0][0] == "rome"


def test_vector_of_is_asked_first_and_may_decline(table):
    labels, vectors = table
    special = np.ones(vectors.shape[1])
    space = types.SimpleNamespace(
        labels=labels,
        latents=vectors,
        vector_of=lambda label: special if label == "everything" else None,
    )
    result = arithmetic(space, "2 * everything + king")
    np.testing.assert_allclose(result.vector, 2 * special + vectors[labels.index("king")])
    assert "king" not in [label for label, _ in result.neighbors]


def test_unknown_words_are_encoded_with_encode_text(table):
    labels, vectors = table
    asked = []

    def encode_text(texts):
        asked.append(list(texts))
        return np.vstack([vectors[labels.index("queen")] for _ in texts])

    space = types.SimpleNamespace(labels=labels, latents=vectors, encode_text=encode_text)
    result = arithmetic(space, "'a female monarch' + 0.0 * king")
    assert asked == [["a female monarch"]]  # known words are looked up, not encoded
    assert result.neighbors[0] == ("queen", pytest.approx(1.0))


def test_a_float32_table_is_used_as_it_is():
    labels, vectors = planted_table()
    vectors = vectors.astype(np.float32)
    assert _Table.of((labels, vectors)).vectors is vectors  # no float64 copy per query
    assert _Table.of((labels, vectors.astype(int))).vectors.dtype == np.float64


@pytest.mark.parametrize(
    ("space", "error", "message"),
    [
        ({"a": [1.0, 2.0], "b": [1.0, 2.0, 3.0]}, ValueError, "'a' has 2, 'b' has 3"),
        ((["a", "b"], [["x", "y"], ["z", "w"]]), TypeError, "must be numeric; got <U1"),
        ((["a", "b"], np.array([[1.0, np.nan], [3.0, 4.0]])), ValueError, "NaN.*: 'a'"),
        ((["a", "b", "c"], np.eye(4)), ValueError, "3 labels for 4 vectors"),
        (("ab", np.eye(2)), TypeError, "sequence of labels first; got one string"),
        ({}, ValueError, "empty"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_tables_are_read_as_embedding_tables_are(space, error, message):
    # One parser reads both: the same table gets the same complaint.
    with pytest.raises(error, match=message):
        arithmetic(space, "a")
    with pytest.raises(error, match=message):
        adapt_table(space)


def test_an_unsupported_space_is_a_type_error():
    with pytest.raises(TypeError, match=r"labelled vectors.*got int"):
        arithmetic(42, "a + b")


# ---------------------------------------------------------------------- parsing
@pytest.mark.parametrize(
    ("expression", "terms"),
    [
        ("king - man + woman", [(1.0, "king"), (-1.0, "man"), (1.0, "woman")]),
        ("0.5*a + b", [(0.5, "a"), (1.0, "b")]),
        ("2 * 'new york' - b", [(2.0, "new york"), (-1.0, "b")]),
        ("\"ice cream\" + 'a+b'", [(1.0, "ice cream"), (1.0, "a+b")]),
        ("-a + b", [(-1.0, "a"), (1.0, "b")]),
        ("a + 0.25 * b", [(1.0, "a"), (0.25, "b")]),
        ("a * 3 - b / 2", [(3.0, "a"), (-0.5, "b")]),
        ("(king + queen) / 2", [(0.5, "king"), (0.5, "queen")]),
        ("-(a - b)", [(-1.0, "a"), (1.0, "b")]),
        ("1e-3 * a + .5*b", [(0.001, "a"), (0.5, "b")]),
        ("a + a - 0.5 * b", [(2.0, "a"), (-0.5, "b")]),
        ("a − b", [(1.0, "a"), (-1.0, "b")]),  # the typographic minus
        ("don't + 3d + '7'", [(1.0, "don't"), (1.0, "3d"), (1.0, "7")]),
        ("\tking  -man+woman ", [(1.0, "king"), (-1.0, "man"), (1.0, "woman")]),
    ],
)
def test_parse(expression, terms):
    assert parse(expression) == terms


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-50, 50).filter(bool).map(lambda c: c / 4),
            st.sampled_from(["a", "b", "c", "new york", "x_1"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_parse_reads_back_any_linear_combination(pairs):
    parts = []
    for i, (coefficient, label) in enumerate(pairs):
        sign = "-" if coefficient < 0 else "+"
        if i == 0:
            sign = "-" if coefficient < 0 else ""
        parts.append(f"{sign} {abs(coefficient)} * {quoted(label)}")
    expected: dict[str, float] = {}
    for coefficient, label in pairs:
        expected[label] = expected.get(label, 0.0) + coefficient
    assert parse(" ".join(parts)) == [(c, label) for label, c in expected.items()]


@pytest.mark.parametrize(
    ("expression", "column", "problem"),
    [
        ("king - + man", 7, r"expected a label or a number after '-'; found '\+'"),
        ("king man", 5, "missing operator"),
        ("2 *", 3, "unexpected end"),
        ("king + queen -", 14, "unexpected end"),
        ("a * b", 2, "cannot multiply two labels"),
        ("a / b", 2, "can only divide by a number"),
        ("a / 0", 2, "division by zero"),
        ("a + 2", 2, "cannot add a number and a label"),
        ("(a + b", 0, r"this '\(' is never closed"),
        ("a + b)", 5, r"this '\)' has no matching '\('"),
        ("(a b)", 3, "missing operator"),
        ("a + 'new york", 4, "is never closed"),
        ("a + ''", 4, "empty quoted label"),
        ("2 + 3", 0, "no labels, only numbers"),
        ("* a", 0, r"expected a label or a number; found '\*'"),
    ],
)
def test_malformed_expressions_point_at_the_column(expression, column, problem):
    with pytest.raises(ExpressionError, match=problem) as caught:
        parse(expression)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.position == column
    lines = str(error).splitlines()
    assert lines[-2] == "    " + expression
    assert lines[-1] == "    " + " " * column + "^"


def test_the_caret_stays_under_its_column_with_tabs():
    with pytest.raises(ExpressionError) as caught:
        parse("a\t+ + b")
    lines = str(caught.value).splitlines()
    assert lines[-2][4 + 4] == "+"
    assert lines[-1].index("^") == 4 + 4


@pytest.mark.parametrize("expression", ["", "   "])
def test_an_empty_expression_is_an_error(expression):
    with pytest.raises(ValueError, match="the expression is empty"):
        parse(expression)


def test_a_word_not_in_the_table_is_named_with_close_spellings(table):
    with pytest.raises(ValueError, match=r"'kign' \(did you mean 'king'\?\)") as caught:
        arithmetic(table, "queen + kign - man")
    assert caught.value.position == 8
    assert str(caught.value).splitlines()[-1] == "    " + " " * 8 + "^"
    with pytest.raises(ValueError, match=r"2 labels are not in the table.*'zzz'.*'qqq'"):
        arithmetic(table, "zzz + qqq")


def test_bad_arguments(table):
    with pytest.raises(ValueError, match="metric must be one of"):
        arithmetic(table, "king", metric="manhattan")
    with pytest.raises(ValueError, match="k must be a non-negative integer"):
        arithmetic(table, "king", k=-1)
    with pytest.raises(ValueError, match="one label per vector"):
        arithmetic((["a", "b"], np.eye(3)), "a")
