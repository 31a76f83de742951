"""Writes docs/benchmarks.md: how it was measured, the table, the machine."""

from __future__ import annotations

from pathlib import Path

METHOD = Path(__file__).with_name("METHOD.md")


def write_report(path: Path, md_table: str, md_machine: str, results: dict) -> None:
    method = METHOD.read_text() if METHOD.exists() else ""
    text = (
        "# Benchmarks\n\n"
        "Produced by `.venv/bin/python -m benchmarks.run` (see `benchmarks/README.md`). "
        "Every figure below, ours and the peers', comes from the same run on the machine "
        "described at the end.\n\n"
        "## Results\n\n"
        f"{md_table}\n\n"
        "## Machine\n\n"
        f"{md_machine}\n\n"
        f"{method}"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
