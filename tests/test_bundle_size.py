"""The page's main bundle stays small: anywidget sends it as one string to every view of every
widget, before the map can draw. onnxruntime-web travels apart (``_page_runtime``), only for a
conv decoder, after the map is drawn."""

from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "latent_magic" / "static"
MAX_BUNDLE_BYTES = 100_000  # issue 16: the main bundle ≤ 100 kB


def test_the_main_bundle_is_at_most_100_kb():
    size = (STATIC / "widget.js").stat().st_size
    assert size <= MAX_BUNDLE_BYTES, (
        f"latent_magic/static/widget.js is {size:,} bytes, over the {MAX_BUNDLE_BYTES:,} "
        "budget: trim it (`npx esbuild js/widget.js --bundle --minify --metafile=meta.json` "
        "says what each module adds)."
    )


def test_the_onnx_runtime_is_not_in_the_main_bundle():
    bundle = (STATIC / "widget.js").read_text(encoding="utf-8")
    runtime = (STATIC / "ort_runtime.js").read_text(encoding="utf-8")
    assert "OrtCreateSession" in runtime  # the runtime's own binding to its WASM
    assert "OrtCreateSession" not in bundle
    assert len(bundle) < len(runtime) + MAX_BUNDLE_BYTES // 2
