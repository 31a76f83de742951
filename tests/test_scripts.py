"""The README's demo starts JupyterLab however the machine runs it, root included."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_demos_jupyterlab_starts_as_whoever_runs_it(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTER_CONFIG_DIR": str(tmp_path)}
    args = ["--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}"]
    args += ["--ServerApp.port_retries=0", f"--ServerApp.root_dir={tmp_path}"]
    server = subprocess.Popen(
        [str(ROOT / "scripts" / "lab"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    # Read the server's output in a thread: a server that prints nothing must not hang the test.
    reader = threading.Thread(target=lambda: lines.extend(server.stdout or []), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            if any("is running at" in line for line in list(lines)):
                break
            time.sleep(0.1)
        assert any("is running at" in line for line in list(lines)), "".join(lines[-20:])
    finally:
        server.terminate()
        server.wait(timeout=30)
