"""End-to-end front ends besides JupyterLab: a Notebook 7 server and a marimo server.

* :class:`NotebookServer` is ``jupyter notebook`` (Notebook 7) isolated as
  :class:`~.harness.JupyterServer` isolates JupyterLab; :class:`Notebook7Session` opens a
  notebook at ``/notebooks/<path>`` and drives it as :class:`~.harness.NotebookSession` drives
  JupyterLab's (Notebook 7 is built from JupyterLab's parts: the same ``window.jupyterapp``,
  notebook panel and commands).
* :class:`MarimoServer` is ``marimo edit --headless --no-token`` (or ``marimo run``) on a free
  port, with its own home, config and cache dirs; :class:`MarimoPage` opens its notebook in a
  page and reads the cells' outputs; :class:`MarimoMapView` reads the widget in marimo's
  shadow root.

Every wait has a timeout and says what it waited for; each server is stopped with every
process it started.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
from PIL import Image

from .harness import (
    POLL,
    HarnessError,
    HarnessTimeoutError,
    JupyterServer,
    NotebookSession,
    _tail,
    free_port,
    is_widget_console_error,
)
from .widget_page import MapView


class NotebookServer(JupyterServer):
    """An isolated ``jupyter notebook`` (Notebook 7) subprocess."""

    app = "notebook"
    expose_app_option = "--JupyterNotebookApp.expose_app_in_browser=True"


#: Notebook 7.6.5's own error as every notebook page loads, with or without a widget (its
#: shortcuts plugin reads the schema of a plugin whose settings it has not fetched): an
#: uncaught TypeError thrown from Notebook's core bundle.
NOTEBOOK_CORE_LOAD_ERROR = "Cannot read properties of undefined (reading 'schema')"


class Notebook7Session(NotebookSession):
    """One notebook open in Notebook 7's own page (``/notebooks/<path>``).

    Notebook's own load error (:data:`NOTEBOOK_CORE_LOAD_ERROR`, thrown from its core bundle)
    is kept in :attr:`notebook_errors`; every other page error fails the test as in
    JupyterLab.
    """

    def __init__(self, *args, **kwargs):
        self.notebook_errors: list[str] = []
        super().__init__(*args, **kwargs)

    def _on_page_error(self, error) -> None:
        stack = getattr(error, "stack", None) or ""
        first_frame = next((line for line in stack.splitlines() if "  at " in line), "")
        if NOTEBOOK_CORE_LOAD_ERROR in str(error) and "/static/notebook/notebook_core." in (
            first_frame
        ):
            self.notebook_errors.append(stack)
            return
        super()._on_page_error(error)

    @property
    def url(self) -> str:
        return f"{self.server.url}/notebooks/{quote(self.path)}?token={self.server.token}"


# --------------------------------------------------------------------------------------
# marimo
# --------------------------------------------------------------------------------------

#: marimo's user configuration for the tests: cells run when the notebook opens (as
#: ``marimo run`` does; ``marimo edit`` waits for a click by default), no completion
#: service, and nothing saved over the test's notebook file.
MARIMO_CONFIG = """\
[runtime]
auto_instantiate = true
auto_reload = "off"

[completion]
activate_on_typing = false
copilot = false

[save]
autosave = "off"
"""


class MarimoServer:
    """An isolated ``marimo edit --headless --no-token`` subprocess serving one notebook
    (``mode="run"``: ``marimo run``, the notebook as an app, its code hidden).

    ``base_dir`` receives the notebook (``root/``) and marimo's home, config, cache and state
    dirs; ``log_path`` receives its stdout and stderr.
    """

    def __init__(
        self,
        base_dir: Path,
        log_path: Path,
        notebook: str,
        mode: str = "edit",
        python: str = sys.executable,
        startup_timeout: float = 90.0,
    ):
        if mode not in ("edit", "run"):
            raise ValueError(f"mode must be 'edit' or 'run', got {mode!r}")
        self.mode = mode
        self.base_dir = Path(base_dir)
        self.root_dir = self.base_dir / "root"
        self.home_dir = self.base_dir / "home"
        self.notebook_path = self.root_dir / notebook
        self.log_path = Path(log_path)
        self.python = python
        self.startup_timeout = startup_timeout
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.startup_seconds: float | None = None
        self._log_file = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        home = self.home_dir
        env.update(
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_CACHE_HOME=str(home / ".cache"),
            XDG_STATE_HOME=str(home / ".local" / "state"),
            XDG_DATA_HOME=str(home / ".local" / "share"),
            PYTHONUNBUFFERED="1",
        )
        for k in ("PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS"):
            env.pop(k, None)
        return env

    def write_notebook(self, source: str) -> Path:
        """(Re)write the served notebook file; marimo reads it when a page opens it."""
        self.notebook_path.parent.mkdir(parents=True, exist_ok=True)
        self.notebook_path.write_text(source)
        return self.notebook_path

    def start(self) -> MarimoServer:
        if not self.notebook_path.exists():
            raise HarnessError(f"write the notebook {self.notebook_path} before starting marimo")
        config = self.home_dir / ".config" / "marimo" / "marimo.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(MARIMO_CONFIG)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        cmd = [
            self.python,
            "-m",
            "marimo",
            "--yes",
            self.mode,
            "--headless",
            "--no-token",
            *(["--skip-update-check"] if self.mode == "edit" else []),
            "--no-sandbox",
            "--host=127.0.0.1",
            f"--port={self.port}",
            str(self.notebook_path),
        ]
        self._log_file = open(self.log_path, "w")  # noqa: SIM115 (open for the server's life)
        self._log_file.write("$ " + " ".join(cmd) + "\n")
        self._log_file.flush()
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.root_dir,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_ready(t0)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - t0
        return self

    def _wait_ready(self, t0: float) -> None:
        deadline = t0 + self.startup_timeout
        last = "no answer yet"
        while True:
            if self.proc.poll() is not None:
                raise HarnessError(
                    f"marimo exited with code {self.proc.returncode} during startup; "
                    f"log {self.log_path} ends:\n{_tail(self.log_path)}"
                )
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as resp:
                    resp.read()
                return
            except (urllib.error.URLError, ConnectionError, OSError, ValueError) as e:
                last = repr(e)
            if time.monotonic() > deadline:
                raise HarnessTimeoutError(
                    f"marimo did not answer GET {self.url}/health within "
                    f"{self.startup_timeout:.0f}s (last: {last}); log {self.log_path} ends:\n"
                    f"{_tail(self.log_path)}"
                )
            time.sleep(0.1)

    def _own_pids(self) -> list[int]:
        """PIDs of processes started for this server (its kernels too): their environment
        names our home dir."""
        needle = f"XDG_CONFIG_HOME={self.home_dir / '.config'}".encode()
        pids = []
        for p in Path("/proc").iterdir():
            if not p.name.isdigit() or int(p.name) == os.getpid():
                continue
            with contextlib.suppress(OSError):
                if needle in (p / "environ").read_bytes().split(b"\0"):
                    pids.append(int(p.name))
        return pids

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the server's process group, SIGKILL what is left (kernels included)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        for pid in self._own_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        self.proc = None


class MarimoPage:
    """The served marimo notebook open in a page: its cells' outputs and the widget in them.

    marimo draws each UI element in its own shadow root: Playwright's locators pierce it,
    ``document.querySelector`` does not (see :class:`MarimoMapView`).
    """

    def __init__(self, server: MarimoServer, context, artifact_dir: Path, load_timeout=90.0):
        self.server = server
        self.path = server.notebook_path.name
        self.artifact_dir = Path(artifact_dir)
        self.console: list[str] = []
        self.page_errors: list[str] = []
        self.page_errors_reported = 0
        self.cell_errors: list[str] = []
        self.requests: list[str] = []  # every URL the page asked for
        self.page = context.new_page()
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda e: self.page_errors.append(f"uncaught {e}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self._closed = False
        try:
            self.page.goto(server.url, wait_until="domcontentloaded", timeout=load_timeout * 1000)
        except BaseException:
            self.close()
            raise

    def _on_console(self, message) -> None:
        self.console.append(f"[{message.type}] {message.text}")
        if '"type":"exception"' in message.text:  # marimo echoes a cell's error to the console
            self.cell_errors.append(message.text)
        location = message.location or {}
        if is_widget_console_error(message.type, message.text, location.get("url", "")):
            where = f"{location.get('url', '?')}:{location.get('lineNumber', '?')}"
            self.page_errors.append(f"console.{message.type} at {where}: {message.text}")

    def check_cells(self) -> None:
        """Fail now if a cell of the notebook raised (a wait would only time out)."""
        if self.cell_errors:
            raise HarnessError("a marimo cell raised:\n" + "\n".join(self.cell_errors))

    def flush_page_events(self) -> None:
        from playwright.sync_api import Error as PlaywrightError

        if self._closed or self.page.is_closed():
            return
        with contextlib.suppress(PlaywrightError):
            self.page.evaluate("() => 0")

    def foreign_requests(self) -> list[str]:
        """The URLs the page asked for that are not on the marimo server (offline: none)."""
        own = (self.server.url + "/", "data:", "blob:")
        return [u for u in self.requests if not u.startswith(own)]

    def wait_for_js(self, expr: str, arg: Any = None, timeout: float = 30.0, what=None) -> Any:
        """Poll a JS function ``expr`` (``(arg) => value``) in the page until it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            last = self.page.evaluate(expr, arg)
            if last:
                return last
            if time.monotonic() > deadline:
                raise HarnessTimeoutError(
                    f"timed out after {timeout}s waiting for {what or expr!r}; last: {last!r}"
                )
            time.sleep(POLL)

    def output_text(self, contains: str, timeout: float = 60.0) -> str:
        """The text of the first cell output containing ``contains`` (waited for)."""
        locator = self.page.locator(".output-area", has_text=contains).first
        locator.wait_for(state="visible", timeout=timeout * 1000)
        return locator.inner_text()

    def wait_output(self, pattern: str, timeout: float = 60.0) -> str:
        """Wait until some cell output's text matches the regular expression ``pattern``;
        returns that text. The sync point for a dependent cell: it re-ran in the kernel."""
        deadline = time.monotonic() + timeout
        last: list[str] = []
        rx = re.compile(pattern)
        while True:
            self.check_cells()
            last = self.page.locator(".output-area").all_inner_texts()
            for text in last:
                if rx.search(text):
                    return text
            if time.monotonic() > deadline:
                raise HarnessTimeoutError(
                    f"no cell output matched {pattern!r} within {timeout}s; outputs: {last!r}"
                )
            time.sleep(POLL * 5)

    def screenshot(self, name: str, locator=None) -> Path:
        self.artifact_dir.mkdir(parents=True, exist_ok=True)
        path = self.artifact_dir / (name if name.endswith(".png") else f"{name}.png")
        target = locator if locator is not None else self.page
        target.screenshot(path=str(path), animations="disabled")
        return path

    def write_logs(self) -> None:
        self.artifact_dir.mkdir(parents=True, exist_ok=True)
        text = "\n".join(self.console)
        if self.page_errors:
            text += "\n\n=== page errors ===\n" + "\n".join(self.page_errors)
        text += "\n\n=== requests ===\n" + "\n".join(self.requests)
        (self.artifact_dir / "marimo.console.log").write_text(text + "\n")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self.page.close()


# The widget's root is passed in (Playwright hands a locator's element to evaluate), so these
# work inside marimo's shadow roots as in a plain page.
_ROOT_DRAWN_JS = (
    """(root, n) => Number(root.dataset.frames) > 0 && Number(root.dataset.drawn) === n"""
)

_ROOT_PREVIEW_LOADED_JS = """(root, before) => {
    const img = root.querySelector('img.lm-preview-image');
    return (before === undefined || (root.dataset.previewId && root.dataset.previewId !== before))
        && !!img && img.complete && img.naturalWidth > 0;
}"""

_ROOT_PREVIEW_PIXELS_JS = """(root) => {
    const img = root.querySelector('img.lm-preview-image');
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    const g = c.getContext('2d'); g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const out = [];
    for (let i = 0; i < d.length; i += 4) out.push(d[i]);
    return {w: c.width, h: c.height, px: out};
}"""

# widget_page.CAPTURE_MAP_JS for a given root: the map canvas copied right after the frame
# that drew every point (the canvas keeps no drawing buffer).
_ROOT_CAPTURE_MAP_JS = """(root) => {
    const canvas = root.querySelector('.lm-map canvas.lm-gl');
    const original = window.requestAnimationFrame;
    window.__lmMapPicture = new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            window.requestAnimationFrame = original;
            reject(new Error('no frame drew the points within 60 s'));
        }, 60000);
        window.requestAnimationFrame = (callback) => original.call(window, (t) => {
            const frames = Number(root.dataset.frames);
            callback(t);
            if (Number(root.dataset.frames) > frames && root.dataset.frameKind === 'points') {
                window.requestAnimationFrame = original;
                clearTimeout(timer);
                resolve({png: canvas.toDataURL('image/png'), view: JSON.parse(root.dataset.view),
                         cssWidth: canvas.clientWidth, cssHeight: canvas.clientHeight});
            }
        });
    });
}"""


class MarimoMapView(MapView):
    """:class:`~.widget_page.MapView` for a widget in a shadow root, with no kernel client:
    the page is read through the widget's root element, and the kernel's values (points,
    decodes) come from ``reference``, the same widget built in the test process."""

    def __init__(self, nb: MarimoPage, reference, index: int = 0):
        super().__init__(nb, index)
        self.reference = reference

    def wait_root(self, js: str, arg: Any, what: str, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            self.nb.check_cells()
            last = self.root.evaluate(js, arg)
            if last:
                return last
            if time.monotonic() > deadline:
                raise HarnessTimeoutError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(POLL)

    def wait_drawn(self, n_points: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.root.count() == 0:
            self.nb.check_cells()
            if time.monotonic() > deadline:
                raise HarnessTimeoutError(f"no widget (.lm-root) in the page within {timeout}s")
            time.sleep(POLL * 5)
        self.wait_root(_ROOT_DRAWN_JS, n_points, f"the map to draw {n_points} points", timeout)

    def points(self, widget: str = "w") -> np.ndarray:
        return np.asarray(self.reference.points, dtype=float)

    def preview_pixels(self) -> np.ndarray:
        self.wait_root(_ROOT_PREVIEW_LOADED_JS, None, "the preview image to load")
        data = self.root.evaluate(_ROOT_PREVIEW_PIXELS_JS)
        return np.array(data["px"], dtype=np.uint8).reshape(data["h"], data["w"])

    def decoded_pixels(self, page_xy, value_range=(0.0, 16.0), widget: str = "w") -> np.ndarray:
        x, y = self.to_data(page_xy)[0]
        decoded = np.squeeze(np.asarray(self.reference.decode_at(float(x), float(y)), float))
        lo, hi = value_range
        return (np.clip((decoded - lo) / (hi - lo), 0, 1) * 255 + 0.5).astype(np.uint8)

    def hover(self, page_xy) -> str:
        before = self.attr("preview-id") or ""
        self.nb.page.mouse.move(float(page_xy[0]), float(page_xy[1]), steps=4)
        self.wait_root(
            _ROOT_PREVIEW_LOADED_JS, before, "a new preview image after moving the mouse"
        )
        self.nb.page.wait_for_timeout(300)  # settle on the final position's reply
        return self.attr("preview-id")

    def map_picture(self) -> tuple[np.ndarray, dict, tuple[float, float]]:
        self.root.scroll_into_view_if_needed()
        self.root.evaluate(_ROOT_CAPTURE_MAP_JS)
        box = self.box()
        self.nb.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        self.nb.page.mouse.wheel(0, -1)
        shot = self.nb.page.evaluate("() => window.__lmMapPicture")
        png = base64.b64decode(shot["png"].split(",", 1)[1])
        self.nb.artifact_dir.mkdir(parents=True, exist_ok=True)
        (self.nb.artifact_dir / f"map-canvas-{self.index}.png").write_bytes(png)
        rgba = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
        return rgba, shot["view"], (shot["cssWidth"], shot["cssHeight"])
