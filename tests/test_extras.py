"""The page's rarely used parts (static/extras.js: the atlas, pictures, strip and grid views,
PNG) travel apart from the main bundle: the page asks once (``{"type": "extras"}``) and the
kernel sends the file's bytes with their size and CRC-32 (docs/protocol.md, "Extras")."""

import zlib

import numpy as np
import pytest

from latent_magic import LatentModel, _messages, explore


@pytest.fixture
def widget(frontend):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(50, 4))
    model = LatentModel(encode=lambda X: X, decode=lambda Z: Z, dim=4)
    return explore(model, data=Z)


def test_the_extras_reply_carries_the_bundle_with_its_size_and_crc(widget, frontend):
    frontend.send(widget, {"type": "extras", "view": "v1"})
    (msg, buffers), *more = frontend.custom_messages()
    assert more == []
    data = _messages.EXTRAS_BUNDLE.read_bytes()
    assert msg == {"type": "extras", "size": len(data), "crc32": zlib.crc32(data), "view": "v1"}
    assert [bytes(b) for b in buffers] == [data]
    # The parts the page makes from it, by their exported names (the minifier keeps these).
    for name in ("AtlasLayer", "StripView", "Thumbnails", "compositeMap", "downloadPng"):
        assert name.encode() in data
    assert len(data) < 1_000_000  # one message, far under the server's 10 MiB


def test_a_missing_bundle_is_answered_so_the_page_stops_waiting(
    widget, frontend, monkeypatch, tmp_path
):
    monkeypatch.setattr(_messages, "EXTRAS_BUNDLE", tmp_path / "extras.js")
    frontend.send(widget, {"type": "extras", "view": "v1"})
    replies = [msg for msg, _ in frontend.custom_messages()]
    assert replies[0]["type"] == "extras"
    assert "FileNotFoundError" in replies[0]["error"]
    assert replies[0]["view"] == "v1"
    assert replies[1]["type"] == "notice"
    assert replies[1]["level"] == "error"
