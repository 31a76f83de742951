"""What the page needs to run an ONNX decoder, and how it travels: onnxruntime-web's JS
(``static/ort_runtime.js``, its WASM entry with the glue bundled) and ``.wasm``
(``static/ort_runtime.wasm``), both copied from the npm package at build time, and the
model's ``.onnx`` bytes. Jupyter's server drops websocket messages over 10 MiB, so each blob
goes as binary parts of :data:`PART_BYTES`, each with a CRC-32 of its bytes and of its whole
blob (docs/protocol.md, ``onnx_part``). :func:`page_blobs` is what a saved page embeds too."""

from __future__ import annotations

import functools
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PART_BYTES = 4 * 2**20  # well under the server's 10 MiB per message
BLOBS = ("runtime", "wasm", "model")  # the order they are sent and put together in
_STATIC = Path(__file__).parent / "static"
_FILES = {"runtime": "ort_runtime.js", "wasm": "ort_runtime.wasm"}


@functools.cache
def runtime_files() -> dict[str, bytes]:
    """onnxruntime-web's JS (``"runtime"``, an ES module) and WebAssembly (``"wasm"``)."""
    files = {}
    for name, file in _FILES.items():
        path = _STATIC / file
        if not path.exists():
            raise FileNotFoundError(
                f"latent_magic's page runtime is not built ({path} is missing): run `npm "
                "install && npm run build` in the source tree, or reinstall the package."
            )
        files[name] = path.read_bytes()
    return files


def page_blobs(model_onnx: bytes) -> dict[str, bytes]:
    """Everything the page runs an ONNX decoder with: the runtime's JS and WASM and the
    model's ``.onnx`` bytes (a standalone HTML file embeds these three)."""
    return {**runtime_files(), "model": bytes(model_onnx)}


@dataclass(frozen=True)
class Part:
    """One part of a blob: its place among ``total``, its bytes and their CRC-32, and the
    size and CRC-32 of the whole blob."""

    blob: str
    index: int
    total: int
    data: bytes
    blob_size: int
    blob_crc32: int

    @property
    def crc32(self) -> int:
        return zlib.crc32(self.data)

    def message(self) -> dict[str, Any]:
        """The ``onnx_part`` message's content (its one buffer is ``data``)."""
        return {
            "type": "onnx_part",
            "blob": self.blob,
            "index": self.index,
            "total": self.total,
            "crc32": self.crc32,
            "blob_size": self.blob_size,
            "blob_crc32": self.blob_crc32,
        }


def split(blob: str, data: bytes, part_bytes: int = PART_BYTES) -> list[Part]:
    """``data`` in parts of at most ``part_bytes`` (one empty part for empty data)."""
    if part_bytes < 1:
        raise ValueError(f"part_bytes must be positive; got {part_bytes}.")
    view = memoryview(data)
    starts = range(0, max(len(data), 1), part_bytes)
    total, crc = len(starts), zlib.crc32(data)
    return [
        Part(blob, i, total, bytes(view[s : s + part_bytes]), len(data), crc)
        for i, s in enumerate(starts)
    ]


def parts(blobs: Mapping[str, bytes], part_bytes: int = PART_BYTES) -> Iterator[Part]:
    """Every blob's parts, in :data:`BLOBS` order."""
    for name in BLOBS:
        yield from split(name, blobs[name], part_bytes)


def join(received: list[Part]) -> dict[str, bytes]:
    """The blobs put together from their parts (as the page does, js/onnx_decoder.js); a
    missing part or a CRC that does not match raises ``ValueError`` saying which."""
    out = {}
    for name in {p.blob for p in received}:
        mine = sorted((p for p in received if p.blob == name), key=lambda p: p.index)
        first = mine[0]
        if [p.index for p in mine] != list(range(first.total)):
            have = [p.index for p in mine]
            raise ValueError(f"the {name} has parts {have} of {first.total}.")
        data = b"".join(p.data for p in mine)
        if len(data) != first.blob_size or zlib.crc32(data) != first.blob_crc32:
            raise ValueError(
                f"the {name}'s {len(data)} bytes do not match its announced size "
                f"{first.blob_size} and CRC-32 {first.blob_crc32:#010x}."
            )
        out[name] = data
    return out


def checked(part: Part, crc32: int) -> Part:
    """``part`` when its bytes have the CRC-32 sent with them; else ``ValueError``."""
    if part.crc32 != crc32:
        raise ValueError(
            f"part {part.index + 1}/{part.total} of the {part.blob}: checksum mismatch "
            f"(sent {crc32:#010x}, got {part.crc32:#010x})."
        )
    return part
