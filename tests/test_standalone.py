"""``w.save_html``: one HTML file that opens offline — its state, its escaping, its size, its
errors. (The page itself is opened offline in Chromium by tests/e2e/test_standalone_e2e.py.)"""

from __future__ import annotations

import base64
import gzip
import json
import re
import zlib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import torch
from faces import face_generator
from torch_models import ConvVAE28

import latent_magic
from latent_magic import _standalone
from latent_magic._page_runtime import page_blobs

ATTACK = "</script><script>alert(1)</script>"


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def _parse(page: str) -> _Tags:
    tags = _Tags()
    tags.feed(page)
    tags.close()
    return tags


def _document(page: str) -> dict:
    """The embedded state, as the page's own HTML parser hands it to standalone.js."""
    (text,) = [t for a, t in _parse(page).scripts if a.get("id") == "lm-saved-state"]
    return json.loads(text)


@pytest.fixture
def quickstart(digits, digits_pca):
    X, y = digits
    return latent_magic.explore(digits_pca, data=X, labels=y, image_shape=(8, 8))


def test_the_file_fetches_nothing(quickstart, tmp_path):
    page = quickstart.save_html(tmp_path / "map.html").read_text(encoding="utf-8")
    tags = _parse(page)
    for tag, attrs in tags.tags:
        for name in ("src", "href", "srcset", "data", "action"):
            assert attrs.get(name) is None, f"<{tag} {name}={attrs.get(name)!r}> loads something"
    kinds = [a.get("type") for a, _ in tags.scripts]
    assert kinds == ["application/json", "module"], "the state, then the inlined front end"
    (code,) = [t for a, t in tags.scripts if a.get("type") == "module"]
    assert len(code) > 50_000, "the widget itself is inlined"
    assert not re.search(r"https?://", code), "no address in the front end"
    for call in ("fetch(", "XMLHttpRequest", "importScripts", "WebSocket", "sendBeacon"):
        assert call not in code, f"the inlined front end calls {call}"
    # The one dynamic import is the page decoder's runtime, from a Blob URL made in the page.
    assert not re.search(r"import\(\s*[\"'`]", code), "a module is imported from an address"
    for load in ("@import", "url("):
        assert load not in page, f"a stylesheet loads something ({load})"


def test_every_synced_trait_round_trips(quickstart, tmp_path):
    quickstart.selected_indices = [3, 5, 8]
    doc = _document(quickstart.save_html(tmp_path / "map.html").read_text(encoding="utf-8"))
    assert doc["format"] == "latent_magic.saved_map"
    state = doc["state"]
    for entry in doc["buffers"]:
        (name,) = entry["path"]
        state[name] = base64.b64decode(entry["data"])
    expected = quickstart.get_state()
    for name in ("_esm", "_css", "layout"):
        assert name not in state, f"{name} is left out (the page inlines its own)"
        expected.pop(name)
    assert set(state) == set(expected)
    for name, value in expected.items():
        if isinstance(value, memoryview):
            assert state[name] == bytes(value), name
        else:
            assert state[name] == json.loads(json.dumps(value)), name
    points = np.frombuffer(state["_points"], "<f4").reshape(-1, 2)
    np.testing.assert_array_equal(points, quickstart.points)
    assert np.frombuffer(state["_selection"], "<u4").tolist() == [3, 5, 8]


def test_rows_and_labels_for_the_csv(quickstart, tmp_path):
    doc = _document(quickstart.save_html(tmp_path / "map.html").read_text(encoding="utf-8"))
    rows = np.frombuffer(base64.b64decode(doc["table"]["rows"]), "<u4")
    np.testing.assert_array_equal(rows, quickstart.rows)
    labels = base64.b64decode(doc["table"]["labels"]).decode("utf-8").split("\x00")
    assert labels == [str(v) for v in quickstart.labels.tolist()]
    assert "Hover previews" in doc["note"], "a PCA decodes in the page"


def test_a_label_that_closes_the_script_stays_text(tmp_path):
    rng = np.random.default_rng(0)
    words = {f"w{i}": rng.normal(size=8) for i in range(30)}
    words[ATTACK] = rng.normal(size=8)
    words["<!-- <script>"] = rng.normal(size=8)
    w = latent_magic.explore(words)
    page = w.save_html(tmp_path / "words.html", title=ATTACK).read_text(encoding="utf-8")
    assert ATTACK not in page
    assert "<!--" not in page
    assert page.lower().count("<script") == 2, "only the page's own two scripts"
    assert page.lower().count("</script") == 2
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>" in page
    doc = _document(page)
    assert doc["title"] == ATTACK
    labels = base64.b64decode(doc["table"]["labels"]).decode("utf-8").split("\x00")
    assert ATTACK in labels
    assert "<!-- <script>" in labels
    label_text = next(b for b in doc["buffers"] if b["path"] == ["_label_text"])
    assert ATTACK in base64.b64decode(label_text["data"]).decode("utf-8").split("\x00")


def test_the_quickstart_file_is_small(quickstart, tmp_path):
    path = quickstart.save_html(tmp_path / "map.html")
    size = path.stat().st_size
    assert size <= 2_000_000, f"the quickstart's saved map is {size:,} bytes (at most 2 MB)"


def test_save_html_returns_the_path_and_replaces_an_old_file(quickstart, tmp_path):
    target = tmp_path / "map.htm"
    target.write_text("old", encoding="utf-8")
    written = quickstart.save_html(str(target))
    assert written == target
    assert isinstance(written, Path)
    assert written.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["map.htm"], "no temporary file left"


@pytest.mark.parametrize(
    ("path", "error", "words"),
    [
        (3, TypeError, "path must be a str or os.PathLike; got int"),
        ("map.png", ValueError, "must name an .html file"),
        ("missing/map.html", FileNotFoundError, "does not exist"),
        ("folder.html", IsADirectoryError, "is a folder"),
    ],
)
def test_bad_paths_say_what_was_expected(quickstart, tmp_path, monkeypatch, path, error, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.html").mkdir()
    with pytest.raises(error, match=re.escape(words)):
        quickstart.save_html(path)


def test_a_bad_title_is_refused(quickstart, tmp_path):
    with pytest.raises(TypeError, match="title must be a str or None; got int"):
        quickstart.save_html(tmp_path / "map.html", title=3)


def test_a_failed_save_keeps_the_old_file(quickstart, tmp_path, monkeypatch):
    target = tmp_path / "map.html"
    target.write_text("the user's old map", encoding="utf-8")
    monkeypatch.setattr(_standalone, "_STATIC", tmp_path / "no-front-end")
    with pytest.raises(FileNotFoundError, match="front end is not built"):
        quickstart.save_html(target)
    assert target.read_text(encoding="utf-8") == "the user's old map"
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


def _conv_vae_map():
    torch.manual_seed(0)
    X = np.random.default_rng(0).random((200, 1, 28, 28)).astype(np.float32)
    return latent_magic.explore(ConvVAE28(), data=X, lift="affine")


def test_a_conv_decoder_travels_in_the_file_as_the_kernel_sends_it(tmp_path):
    w = _conv_vae_map()
    assert w._onnx_decoder["page"], w._onnx_decoder
    doc = _document(w.save_html(tmp_path / "vae.html").read_text(encoding="utf-8"))
    assert doc["note"].startswith("Saved map: no kernel. Hover previews, pictures and selection")
    assert "search and the atlas need the notebook" in doc["note"], "no labels to search"
    blobs: dict[str, bytes] = {}
    for message in doc["messages"]:
        content = message["content"]
        assert content["type"] == "onnx_part"
        assert message["encoding"] == "gzip"
        (data,) = (gzip.decompress(base64.b64decode(b)) for b in message["buffers"])
        assert zlib.crc32(data) == content["crc32"], "each part as the kernel checks it"
        blobs[content["blob"]] = blobs.get(content["blob"], b"") + data
    assert list(blobs) == ["runtime", "wasm", "model"]
    runtime = page_blobs(b"")
    assert blobs["runtime"] == runtime["runtime"]
    assert blobs["wasm"] == runtime["wasm"]
    assert blobs["model"] == w._onnx_export().onnx
    for name, data in blobs.items():
        first = next(m["content"] for m in doc["messages"] if m["content"]["blob"] == name)
        assert zlib.crc32(data) == first["blob_crc32"]


def test_a_map_without_a_page_decoder_carries_no_runtime(quickstart, tmp_path):
    doc = _document(quickstart.save_html(tmp_path / "map.html").read_text(encoding="utf-8"))
    assert doc["messages"] == []


def test_the_face_gan_file_runtime_included_is_at_most_25_mb(tmp_path):
    w = latent_magic.explore(face_generator(), n_samples=300, lift="affine")
    path = w.save_html(tmp_path / "faces.html")
    doc = _document(path.read_text(encoding="utf-8"))
    assert [m["content"]["blob"] for m in doc["messages"]][-1] == "model"
    assert doc["pictures"] is None, "300 decoded 64 × 64 pictures would not fit beside it"
    size = path.stat().st_size
    assert size <= 25_000_000, f"the DCGAN's saved map is {size:,} bytes (at most 25 MB)"


def test_the_points_pictures_travel_when_small(quickstart, tmp_path, digits):
    doc = _document(quickstart.save_html(tmp_path / "map.html").read_text(encoding="utf-8"))
    saved = doc["pictures"]
    assert (saved["width"], saved["height"], saved["encoding"]) == (8, 8, "gzip")
    pixels = np.frombuffer(gzip.decompress(base64.b64decode(saved["data"])), np.uint8)
    pixels = pixels.reshape(len(quickstart.points), 8, 8, 4)
    X, _ = digits
    grey = np.floor(X[quickstart.rows].reshape(-1, 8, 8) / 16 * 255 + 0.5)
    np.testing.assert_allclose(pixels[..., 0], grey, atol=1)
    assert "pictures, search by label and selection work here" in doc["note"]


def test_a_map_whose_pictures_are_too_big_carries_none(quickstart, tmp_path, monkeypatch):
    monkeypatch.setattr(_standalone, "MAX_PICTURE_BYTES", 1797 * 8 * 8 * 4 - 1)
    doc = _document(quickstart.save_html(tmp_path / "map.html").read_text(encoding="utf-8"))
    assert doc["pictures"] is None
    assert "search by meaning and pictures need the notebook" in doc["note"]


def test_the_note_says_what_works_and_what_needs_the_notebook():
    assert _standalone.saved_note("", False) == (
        "Saved map: no kernel. The map and selection work here (download the selection as CSV "
        "above); previews, pins, walks, axes, arithmetic, search, the atlas and pictures need "
        "the notebook."
    )
    assert _standalone.saved_note("chain", True, labels=True) == (
        "Saved map: no kernel. Hover previews, the atlas, pictures, search by label and "
        "selection work here (download the selection as CSV above); pins, walks, axes, "
        "arithmetic and search by meaning need the notebook."
    )
