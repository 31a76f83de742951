"""latent_magic benchmark suite: ``python -m benchmarks.run [--sizes ...] [--quick]``.

Drives a real JupyterLab + kernel + headless Chromium (the e2e harness), measures
latent_magic and its peers in the same run, prints a markdown table and (unless ``--quick``)
writes it with the machine's description to ``docs/benchmarks.md``. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TARGETS_AT = 1_000_000  # the map targets are stated for one million points
MAP_TARGETS = {
    "bytes": 9.5e6,
    "display_s": 1.0,
    "pan_ms": 60.0,
    "lasso_s": 0.3,
}


def log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


# ------------------------------------------------------------------------------------------
# Machine description
# ------------------------------------------------------------------------------------------


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024**2:.1f} GiB"
    chromium = ""
    with contextlib.suppress(Exception):
        chromium = subprocess.run(
            [os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "chromium": chromium,
        "gpu": "none (WebGL through SwiftShader, a CPU rasteriser)",
        "versions": {
            d: _version(d)
            for d in (
                "latent_magic",
                "jupyter-scatter",
                "faiss-cpu",
                "scikit-learn",
                "numpy",
                "torch",
                "anywidget",
                "ipywidgets",
                "jupyterlab",
                "matplotlib",
                "playwright",
            )
        },
    }


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ------------------------------------------------------------------------------------------
# Kernel-side measures (subprocesses)
# ------------------------------------------------------------------------------------------


def kernel_side(what: str, n: int, repeats: int, timeout: float) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.kernel_side",
        what,
        "--n",
        str(n),
        "--repeats",
        str(repeats),
    ]
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f}s"}
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["exit " + str(p.returncode)])[-1]}
    return json.loads(p.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------------------
# Table
# ------------------------------------------------------------------------------------------


def _fmt(v, unit: str) -> str:
    if v is None:
        return "n/a"
    if unit == "MB":
        return f"{v / 1e6:.2f} MB"
    if unit == "s":
        return f"{v:.2f} s" if v >= 0.1 else f"{v * 1000:.0f} ms"
    if unit == "ms":
        return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"
    return str(v)


def _ratio(peer, ours) -> str:
    if peer is None or ours is None or ours <= 0:
        return "—"
    return f"{peer / ours:.1f}×"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("pass" if ok else "**FAIL**")


def _na(summary: dict | None, key: str, why_key: str) -> str | None:
    if summary is None:
        return "n/a (not run)"
    err = summary.get("errors", {}).get(why_key) or summary.get("errors", {}).get("display")
    return f"n/a ({err})" if err and summary.get(key) is None else None


def _na_text(d: dict, key: str) -> str:
    return f"n/a ({d.get(key) or d.get('error')})"


def table(results: dict) -> str:
    rows = [
        (
            "| measure | N | latent_magic | peer | peer figure | ratio (peer ÷ ours) | target "
            "| verdict |"
        ),
        "|---|---|---|---|---|---|---|---|",
    ]
    measures = [
        ("bytes sent to show one widget (bundle included)", "bytes", "MB", "display"),
        ("run the display cell → all points drawn", "display_s", "s", "display"),
        ("one pan frame (mouse move → frame complete)", "pan_ms", "ms", "pan"),
        ("lasso mouse-up → Python has the selection", "lasso_s", "s", "lasso"),
    ]
    maps = results.get("map", {})
    for label, key, unit, why in measures:
        for n in sorted({int(k) for k in maps}):
            ours = maps[str(n)].get("latent_magic")
            peer = maps[str(n)].get("jupyter-scatter")
            o = ours.get(key) if ours else None
            p = peer.get(key) if peer else None
            o_txt = _na(ours, key, why) or _fmt(o, unit)
            p_txt = _na(peer, key, why) or _fmt(p, unit)
            if key == "display_s":  # when the draw call was issued, before it rasterised
                if ours and ours.get("display_call_s") is not None:
                    o_txt += f" (draw call issued at {ours['display_call_s']:.2f} s)"
                if peer and peer.get("display_call_s") is not None:
                    p_txt += f" (draw call issued at {peer['display_call_s']:.2f} s)"
            if key == "lasso_s":
                if ours and ours.get("lasso_count"):
                    o_txt += f" ({ours['lasso_count']:,.0f} pts)"
                if peer and peer.get("lasso_count"):
                    p_txt += f" ({peer['lasso_count']:,.0f} pts)"
            if key == "pan_ms" and ours and ours.get("pan_attr_ms") is not None:
                settle = ours.get("settle_ms") or 0
                o_txt += f" (data-frame-ms {ours['pan_attr_ms']:.1f}; full redraw {settle:.0f} ms)"
            target = MAP_TARGETS[key] if n == TARGETS_AT else None
            t_txt = f"≤ {_fmt(target, unit)}" if target is not None else "—"
            ok = (o <= target) if (target is not None and o is not None) else None
            rows.append(
                f"| {label} | {n:,} | {o_txt} | jupyter-scatter 1.0.1 | {p_txt} | "
                f"{_ratio(p, o)} | {t_txt} | {_verdict(ok)} |"
            )
    pv = results.get("preview", {})
    pca, torch_ = pv.get("pca"), pv.get("torch")
    if pca:
        o, d = pca.get("ours_ms"), pca.get("diy_ms")
        attr = pca.get("ours_attr_ms")
        o_txt = _fmt(o, "ms") + (f" (data-preview-ms {attr:.1f})" if attr is not None else "")
        if pca["errors"].get("ours"):
            o_txt = f"n/a ({pca['errors']['ours']})"
        d_txt = _fmt(d, "ms") if d is not None else f"n/a ({pca['errors'].get('diy', '?')})"
        fig = attr if attr is not None else o
        rows.append(
            f"| pointer move → decoded preview painted, linear (PCA), median | — | {o_txt} | "
            f"`interact` + matplotlib | {d_txt} | {_ratio(d, o)} | ≤ 16 ms | "
            f"{_verdict(None if fig is None else fig <= 16)} |"
        )
    if torch_:
        o, d = torch_.get("ours_ms"), torch_.get("diy_ms")
        attr = torch_.get("ours_attr_ms")
        o_txt = _fmt(o, "ms") + (f" (data-preview-ms {attr:.1f})" if attr is not None else "")
        if torch_["errors"].get("ours"):
            o_txt = f"n/a ({torch_['errors']['ours']})"
        d_txt = _fmt(d, "ms") if d is not None else f"n/a ({torch_['errors'].get('diy', '?')})"
        rows.append(
            f"| pointer move → preview painted, small torch decoder, median | — | {o_txt} | "
            f"`interact` + matplotlib | {d_txt} | {_ratio(d, o)} | ≤ 50 ms, ≥ 10× DIY | "
            f"{_verdict(None if o is None else (o <= 50 and d is not None and d / o >= 10))} |"
        )
        b = torch_.get("burst") or {}
        if b:
            rows.append(
                f"| burst of {b.get('moves')} pointer moves → preview shown is the final "
                f"position's | — | {'yes' if b.get('final_position_shown') else 'NO'} "
                f"(max pixel error {b.get('max_pixel_error')}, {b.get('kernel_decodes', '?')} "
                f"kernel decodes, final preview "
                f"{_fmt(b.get('final_preview_after_last_move_s'), 's')} "
                f"after the last move) | — | — | — | final position, no queue | "
                f"{_verdict(bool(b.get('final_position_shown')))} |"
            )
    ex = results.get("explore")
    if ex:
        o = ex.get("explore_s")
        o_txt = _fmt(o, "s") if o is not None else f"n/a ({ex.get('error')})"
        rows.append(
            f"| `explore()` on {ex.get('n', 0):,} × {ex.get('dim', 64)} latents | — | {o_txt} "
            "| — | — | — | "
            f"≤ 2 s | {_verdict(None if o is None else o <= 2.0)} |"
        )
        if ex.get("peak_extra_mb") is not None:
            m, peak, held = ex["latents_mb"], ex["peak_extra_mb"], ex["held_extra_mb"]
            total = (m + peak) / m
            rows.append(
                f"| kernel memory during `explore()` on {ex.get('n', 0):,} × "
                f"{ex.get('dim', 64)} latents ({m:,.0f} MB) | — | latents + {peak:,.0f} MB "
                f"at the peak ({total:.2f}× the latents), + {held:,.0f} MB kept | — | — | — | "
                f"≤ 2× the latents | {_verdict(total <= 2.0)} |"
            )
    nbr = results.get("neighbors")
    if nbr:
        o = nbr.get("ours_ms")
        f = nbr.get("faiss_ms")
        s = nbr.get("sklearn_ms")
        o_txt = _fmt(o, "ms") if o is not None else f"n/a ({nbr.get('error')})"
        label = (
            f"top-10 exact neighbors of one query in {nbr.get('n', 0):,} × {nbr.get('dim', 384)}"
        )
        ok = None if (o is None or f is None) else (o <= 1.5 * f and (s is None or o < s))
        rows.append(
            f"| {label} | — | {o_txt} | faiss-cpu `IndexFlatIP` | "
            f"{_fmt(f, 'ms') if f is not None else _na_text(nbr, 'faiss_error')} | "
            f"{_ratio(f, o)} | within 1.5× of faiss | {_verdict(ok)} |"
        )
        rows.append(
            f"| {label} | — | {o_txt} | scikit-learn brute (cosine) | "
            f"{_fmt(s, 'ms') if s is not None else _na_text(nbr, 'sklearn_error')} | "
            f"{_ratio(s, o)} | faster than scikit-learn | "
            f"{_verdict(None if o is None or s is None else o < s)} |"
        )
    from .meaning import rows as meaning_rows

    rows.extend(meaning_rows(results.get("meaning")))
    from .standalone import rows as standalone_rows

    rows.extend(standalone_rows(results.get("standalone")))
    from .page_onnx import rows as onnx_rows

    rows.extend(onnx_rows(results.get("onnx")))
    return "\n".join(rows)


def machine_md(m: dict, load_start: str, load_end: str, wall_s: float, args) -> str:
    v = m["versions"]
    return "\n".join(
        [
            f"* CPU: {m['cpu']} — {m['cores']} cores; memory {m['memory']}; GPU: {m['gpu']}",
            f"* OS: {m['os']}; Python {m['python']}; {m['chromium']} (headless, `--disable-gpu`)",
            (
                f"* load average (1, 5, 15 min): {load_start} at the start, {load_end} at the end "
                "(other jobs share this machine)"
            ),
            "* versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
            (
                f"* command: `.venv/bin/python -m benchmarks.run {' '.join(args)}`; "
                f"run time {wall_s / 60:.1f} min; {dt.datetime.now().isoformat(timespec='minutes')}"
            ),
        ]
    )


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    p.add_argument(
        "--sizes",
        default="10000,100000,1000000",
        help="point counts for display / pan / lasso (comma separated)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 10k points, few repeats, small kernel-side tables",
    )
    p.add_argument(
        "--only",
        default="map,preview,kernel,meaning,standalone,onnx",
        help="which groups to run: map, preview, kernel, meaning, standalone, onnx, big "
        "(10M in-memory points; not in the default) (comma separated)",
    )
    p.add_argument(
        "--meaning",
        default="labels,thumbnails,atlas",
        help="which parts of the meaning group: labels, thumbnails, atlas (comma separated)",
    )
    p.add_argument(
        "--write",
        default=None,
        help="markdown file for the results (default docs/benchmarks.md; "
        "'-' for none; --quick writes none unless given)",
    )
    p.add_argument("--json", default=None, help="also save the raw results here")
    p.add_argument(
        "--from-json",
        default=None,
        help="measure nothing: re-render the table (and --write) from saved results",
    )
    a = p.parse_args(argv)
    if a.from_json:
        results = json.loads(Path(a.from_json).read_text())
        md_table = table(results)
        md_machine = machine_md(
            results["machine"],
            results["load"]["start"],
            results["load"]["end"],
            results["wall_s"],
            results.get("argv", []),
        )
        print(md_table + "\n\n" + md_machine)
        if a.write and a.write != "-":
            from .report import write_report

            write_report(ROOT / a.write, md_table, md_machine, results)
        return 0

    sizes = [10_000] if a.quick else [int(s) for s in a.sizes.split(",") if s]
    only = set(a.only.split(","))
    reps = 1 if a.quick else 3
    pan_steps = 8 if a.quick else 20
    lasso_reps = 1 if a.quick else 3
    moves = 10 if a.quick else 50
    torch_moves = 10 if a.quick else 30
    diy_moves = 6 if a.quick else 15
    kernel_n = 100_000 if a.quick else 1_000_000
    labels_n = 100_000 if a.quick else 1_000_000  # meaning: points with distinct labels
    label_cycles = 1 if a.quick else 3  # zoomed, panned, deep, full views per cycle
    thumbs_n = 20_000 if a.quick else 100_000  # meaning: image points with pictures
    thumbs_regions = 10 if a.quick else 30  # settled views of the pictures' tour
    atlas_settles = 3 if a.quick else 10
    atlas_diy_reps = 1 if a.quick else 3
    write = a.write if a.write is not None else (None if a.quick else "docs/benchmarks.md")

    # SIGTERM → a normal exit, so the lab (server, kernels, browser) is shut down.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    t_start = time.monotonic()
    load_start = loadavg()
    m = machine()
    log(f"[bench] {m['cpu']}, {m['cores']} cores, {m['memory']}, load {load_start}")
    results: dict = {"machine": m, "map": {}, "preview": {}}

    from .browser import Lab, measure_map, measure_preview, new_workdir

    workdir = new_workdir()
    try:
        if only & {"map", "preview", "meaning"}:
            with Lab(workdir, log=log) as lab:
                log(f"[bench] jupyter lab {lab.server.url} up; chromium up")
                if "map" in only:
                    for n in sizes:
                        results["map"][str(n)] = {}
                        for tool in ("latent_magic", "jupyter-scatter"):
                            log(f"[bench] map: {tool}, {n:,} points")
                            r = measure_map(lab, tool, n, reps, pan_steps, lasso_reps)
                            results["map"][str(n)][tool] = r.summary()
                if "preview" in only:
                    for model in ("pca", "torch"):
                        log(f"[bench] preview: {model}")
                        r = measure_preview(
                            lab,
                            model,
                            moves if model == "pca" else torch_moves,
                            diy_moves,
                            200 if model == "torch" else 0,
                        )
                        results["preview"][model] = r.summary()
                if "meaning" in only:
                    from .meaning import measure_atlas, measure_labels, measure_thumbnails

                    results["meaning"] = {"atlas": {}}
                    parts = set(a.meaning.split(","))
                    if "labels" in parts:
                        log(f"[bench] meaning: labels on {labels_n:,} points")
                        r = measure_labels(lab, labels_n, pan_steps, label_cycles)
                        results["meaning"]["labels"] = r.summary()
                    if "thumbnails" in parts:
                        log(f"[bench] meaning: pictures on {thumbs_n:,} image points")
                        r = measure_thumbnails(lab, thumbs_n, pan_steps, thumbs_regions)
                        results["meaning"]["thumbnails"] = r.summary()
                    for where in ("kernel", "page") if "atlas" in parts else ():
                        log(f"[bench] meaning: atlas decoded in the {where}")
                        r = measure_atlas(lab, where, atlas_settles, atlas_diy_reps)
                        results["meaning"]["atlas"][where] = r.summary()
        if "big" in only:  # opt-in: 10M in-memory points, ours (density + sample) vs theirs
            from .big_in_memory import measure as measure_big

            with Lab(workdir, log=log) as lab:
                results["big"] = measure_big(lab, 10_000 if a.quick else 10_000_000)
        if "standalone" in only:
            from .standalone import measure as measure_standalone

            saved_n = 20_000 if a.quick else 100_000
            log(f"[bench] standalone: a saved map of {saved_n:,} points opened offline")
            results["standalone"] = measure_standalone(saved_n, 1 if a.quick else 5, log=log)
        if "onnx" in only:
            from .page_onnx import measure as measure_onnx

            log("[bench] onnx: conv decoders in the page (face DCGAN, 28×28 conv VAE)")
            results["onnx"] = measure_onnx(5 if a.quick else 20, log=log)
        if "kernel" in only:
            log(f"[bench] kernel side: explore() on {kernel_n:,} × 64")
            results["explore"] = kernel_side("explore", kernel_n, 1 if a.quick else 3, 600)
            log(f"    {results['explore']}")
            log(f"[bench] kernel side: neighbors in {kernel_n:,} × 384")
            results["neighbors"] = kernel_side("neighbors", kernel_n, 3 if a.quick else 5, 900)
            log(f"    {results['neighbors']}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    wall = time.monotonic() - t_start
    load_end = loadavg()
    results["load"] = {"start": load_start, "end": load_end}
    results["wall_s"] = wall
    results["argv"] = argv
    md_table = table(results)
    md_machine = machine_md(m, load_start, load_end, wall, argv)
    print(md_table)
    if "big" in results:
        from .big_in_memory import table as big_table

        print("\n" + big_table(results["big"]))
    print()
    print(md_machine)
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2, default=str))
    if write and write != "-":
        from .report import write_report

        write_report(ROOT / write, md_table, md_machine, results)
        log(f"[bench] wrote {write}")
    log(f"[bench] done in {wall / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
