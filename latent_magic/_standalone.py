"""A map saved as one HTML file (``w.save_html``) that opens offline in any browser: the
widget's synced state embedded as JSON (binary traits as base64), its front end inlined (the
``static/standalone.js`` bundle: the widget and a model without a kernel, js/standalone.js),
each point's row and label for the selection's CSV download, the points' pictures (a small
map of images), and for a conv decoder run in the page as ONNX, the runtime and the model
(the parts the kernel would send). Nothing in the
file is fetched; what needs a kernel is disabled in the page, with a note saying so."""

from __future__ import annotations

import base64
import gzip
import html
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._page_runtime import page_blobs
from ._page_runtime import parts as page_parts
from ._thumbnails import thumbnail_pixels

if TYPE_CHECKING:
    from ._widget import LatentExplorer

FORMAT = "latent_magic.saved_map"  # js/standalone_model.js checks it
_STATIC = Path(__file__).parent / "static"
_SUFFIXES = (".html", ".htm")
# Every point's picture (the Pictures switch) travels in the file up to this many raw bytes
# (the quickstart's 1,797 8 × 8 digits: 0.46 MB); a larger map's saved page has no pictures.
MAX_PICTURE_BYTES = 8 * 2**20
# …and up to this many beside an ONNX runtime and model, which take most of a file's budget
# (a DCGAN's: 23 MB of 25).
MAX_PICTURE_BYTES_BESIDE_RUNTIME = 2**20
_PICTURE_BATCH = 4096  # points' pictures made at once
# Synced traits a saved page does without: the anywidget bundle and CSS (the page inlines its
# own), and the layout widget (a reference to another model, which a saved page has not).
_LEFT_OUT = frozenset({"_esm", "_css", "layout"})


def saved_note(decoder: str, pictures: bool, labels: bool = False) -> str:
    """What works in a saved page and what needs the notebook. ``decoder``: where previews
    decode without a kernel: ``"chain"`` (dense, also the atlas), ``"onnx"`` or ``""``;
    ``pictures``: the file carries them; ``labels``: the page searches its labels."""
    works = {"chain": ["hover previews", "the atlas"], "onnx": ["hover previews"]}.get(
        decoder, ["the map"]
    )
    works += ["pictures"] * pictures + ["search by label"] * labels + ["selection"]
    needs = ["previews"] * (not decoder) + ["pins", "walks", "axes", "arithmetic"]
    needs += ["search by meaning" if labels else "search"]
    needs += ["the atlas"] * (decoder != "chain") + ["pictures"] * (not pictures)
    return (
        f"Saved map: no kernel. {_listed(works).capitalize()} work here (download the "
        f"selection as CSV above); {_listed(needs)} need the notebook."
    )


def _listed(words: list[str]) -> str:
    return ", ".join(words[:-1]) + f" and {words[-1]}" if len(words) > 1 else words[0]


def _front_end(name: str) -> str:
    path = _STATIC / name
    if not path.exists():
        raise FileNotFoundError(
            f"latent_magic's front end is not built ({path} is missing): run `npm install && "
            "npm run build` in the source tree, or reinstall the package."
        )
    return path.read_text(encoding="utf-8")


def _inline_script(code: str) -> str:
    """Code safe inside a <script> element: no `</script` ends it early (esbuild already
    writes `<\\/script` in strings; this holds whatever bundle it is)."""
    code = code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    if "<!--" in code or "</script" in code.lower():
        raise RuntimeError(
            "the front-end bundle holds '<!--' or '</script', which would break the saved "
            "page; rebuild it with esbuild (npm run build)."
        )
    return code


def _json_for_html(value: Any) -> str:
    """JSON that cannot close or comment out the <script> holding it: `<`, `>` and `&` as
    \\u escapes (a label such as `</script><script>…` stays text)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _b64(data: bytes | bytearray | memoryview[Any]) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def _split_buffers(value: Any, path: list[str | int], out: list[dict[str, Any]]) -> Any:
    """The state with every binary value taken out into ``out`` as ``{path, data}``."""
    if isinstance(value, bytes | bytearray | memoryview):
        out.append({"path": path, "data": _b64(value)})
        return None
    if isinstance(value, dict):
        return {k: _split_buffers(v, [*path, k], out) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_split_buffers(v, [*path, i], out) for i, v in enumerate(value)]
    return value


def _label_texts(labels: np.ndarray) -> list[str]:
    if labels.dtype.kind == "f":
        return [f"{v:.4g}" for v in labels.tolist()]
    return [str(v).replace("\x00", "\ufffd") for v in labels.tolist()]


def page_decoder_messages(widget: LatentExplorer) -> list[dict[str, Any]]:
    """For a map whose decoder runs in the page as ONNX: its runtime and model as the
    ``onnx_part`` messages the kernel sends when the page asks (``_page_runtime``), each
    buffer gzip-compressed (the .wasm shrinks about 4×; the page expands it). None for any
    other map, or when the export fails (``_onnx_decoder`` then says why, and the page's
    previews need the notebook)."""
    if not widget._onnx_decoder.get("page"):
        return []
    found = widget._onnx_export()
    if isinstance(found, str):
        return []
    return [
        {
            "content": part.message(),
            "buffers": [_b64(gzip.compress(part.data, compresslevel=6, mtime=0))],
            "encoding": "gzip",
        }
        for part in page_parts(page_blobs(found.onnx))
    ]


def saved_pictures(widget: LatentExplorer, beside_runtime: bool) -> dict[str, Any] | None:
    """Every point's picture, as the Pictures switch draws it (``_thumbnails``): ``{"width",
    "height", "encoding": "gzip", "data"}`` of ``(n, h, w, 4)`` uint8 RGBA, compressed and
    base64; None for a map without pictures or whose pictures together exceed
    :data:`MAX_PICTURE_BYTES` (:data:`MAX_PICTURE_BYTES_BESIDE_RUNTIME` in a file that carries
    an ONNX runtime): its saved page's Pictures switch is disabled."""
    spec, n = widget._thumbnails, len(widget.points)
    limit = MAX_PICTURE_BYTES_BESIDE_RUNTIME if beside_runtime else MAX_PICTURE_BYTES
    if not spec or n == 0 or n * spec["width"] * spec["height"] * 4 > limit:
        return None
    pixels = np.concatenate(
        [
            thumbnail_pixels(widget._space, np.arange(start, min(start + _PICTURE_BATCH, n)))
            for start in range(0, n, _PICTURE_BATCH)
        ]
    )
    return {
        "width": int(spec["width"]),
        "height": int(spec["height"]),
        "encoding": "gzip",
        "data": _b64(gzip.compress(pixels.tobytes(), compresslevel=6, mtime=0)),
    }


def saved_document(widget: LatentExplorer, title: str) -> dict[str, Any]:
    """What the page reads (js/standalone.js): the synced state, its buffers, each point's row
    and label, the ONNX decoder's parts and the points' pictures if it has them, the title and
    the note on what works without a kernel."""
    messages = page_decoder_messages(widget)  # first: a failed export changes the state
    state = {k: v for k, v in widget.get_state().items() if k not in _LEFT_OUT}
    buffers: list[dict[str, Any]] = []
    state = _split_buffers(state, [], buffers)
    rows = np.asarray(widget.rows, dtype="<u4")
    labels = widget.labels
    table = {
        "rows": _b64(rows.tobytes()),
        "labels": None
        if labels is None
        else _b64("\x00".join(_label_texts(labels)).encode("utf-8")),
    }
    pictures = saved_pictures(widget, beside_runtime=bool(messages))
    decoder = "chain" if widget._client_decoder else "onnx" if messages else ""
    return {
        "format": FORMAT,
        "version": 1,
        "title": title,
        "note": saved_note(decoder, pictures is not None, labels is not None),
        "csv_name": "selection.csv",
        "state": state,
        "buffers": buffers,
        "table": table,
        "messages": messages,
        "pictures": pictures,
    }


_PAGE_CSS = """
html, body { margin: 0; background: #fff; font-family: system-ui, sans-serif; }
.lm-saved-bar { display: flex; align-items: center; gap: 12px; flex-wrap: wrap;
  padding: 8px 12px; border-bottom: 1px solid #ddd; font-size: 13px; }
.lm-saved-note { color: #555; flex: 1 1 300px; }
#lm-saved-map { padding: 8px 12px; }
"""


def standalone_html(widget: LatentExplorer, title: str | None = None) -> str:
    """The widget's map as one HTML page that opens offline (see ``LatentExplorer.save_html``)."""
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None; got {type(title).__name__}.")
    title = title or "latent map"
    document = _json_for_html(saved_document(widget, title))
    css = _front_end("widget.css")
    if "</style" in css.lower():
        raise RuntimeError("the widget's CSS holds '</style'; rebuild the front end.")
    script = _inline_script(_front_end("standalone.js"))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{css}</style>\n<style>{_PAGE_CSS}</style>\n</head>\n<body>\n"
        '<div id="lm-saved-map"></div>\n'
        f'<script type="application/json" id="lm-saved-state">{document}</script>\n'
        f'<script type="module">{script}</script>\n'
        "</body>\n</html>\n"
    )


def _target(path: Any) -> Path:
    """The file to write, checked: a path ending in .html or .htm whose folder exists."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or os.PathLike; got {type(path).__name__}.")
    target = Path(path).expanduser()
    if target.suffix.lower() not in _SUFFIXES:
        raise ValueError(f"path must name an .html file (e.g. 'map.html'); got {str(path)!r}.")
    if target.is_dir():
        raise IsADirectoryError(f"path {str(path)!r} is a folder; give a file name in it.")
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"the folder {str(target.parent)!r} does not exist; create it first or choose "
            f"another path (got {str(path)!r})."
        )
    return target


def save_html(widget: LatentExplorer, path: Any, title: str | None = None) -> Path:
    """Writes ``standalone_html`` to ``path`` (a whole new file replaces an old one only once
    written: a failure leaves the old file as it was). Returns the path."""
    target = _target(path)
    page = standalone_html(widget, title)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(page)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; a saved page is for sharing
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target
