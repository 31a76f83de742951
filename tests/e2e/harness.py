"""End-to-end harness: a real JupyterLab server, a real kernel, headless Chromium.

Used through the fixtures in ``conftest.py``; the classes here hold the logic so that
benchmarks or ad-hoc scripts can drive them without pytest.

* :class:`JupyterServer` starts an isolated ``jupyter lab`` subprocess and stops it (and
  every kernel it started) again.
* :func:`launch_browser` opens a persistent headless Chromium context.
* :class:`NotebookSession` is one notebook page plus a :class:`KernelHandle` attached to the
  same kernel.

Every wait has a timeout and raises :class:`HarnessTimeoutError` naming what it waited for and
the last state it saw. The only sleeps are short polling intervals.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import nbformat

#: Chromium: the flags measured to work headless on this kind of machine. WebGL 1/2 come
#: from SwiftShader; the ANGLE flags make that explicit (newer Chromium refuses to fall back
#: to SwiftShader silently without ``--enable-unsafe-swiftshader``).
CHROMIUM_EXECUTABLE = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
VIEWPORT = {"width": 1400, "height": 900}

POLL = 0.02  # seconds between polls of a Python-side condition

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


class HarnessError(RuntimeError):
    """Something in the harness (not in the code under test) went wrong."""


class HarnessTimeoutError(HarnessError, TimeoutError):
    """A wait ran out of time. The message says what was awaited and what was last seen."""


HarnessTimeout = HarnessTimeoutError  # short alias


class CellError(AssertionError):
    """A notebook cell raised. ``ename``, ``evalue`` and ``traceback`` (ANSI stripped)."""

    def __init__(self, index: int, ename: str, evalue: str, traceback: str, source: str):
        self.index, self.ename, self.evalue, self.traceback = index, ename, evalue, traceback
        super().__init__(
            f"cell {index} raised {ename}: {evalue}\n--- source ---\n{source}\n"
            f"--- traceback ---\n{traceback}"
        )


class KernelError(AssertionError):
    """Code run through :class:`KernelHandle` raised in the kernel."""

    def __init__(self, code: str, ename: str, evalue: str, traceback: str):
        self.ename, self.evalue, self.traceback = ename, evalue, traceback
        super().__init__(
            f"kernel raised {ename}: {evalue}\n--- code ---\n{code}\n--- traceback ---\n{traceback}"
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 80) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError as e:
        return f"<cannot read {path}: {e}>"
    return "\n".join(lines[-n:])


# --------------------------------------------------------------------------------------
# JupyterLab server
# --------------------------------------------------------------------------------------


class JupyterServer:
    """An isolated ``jupyter lab`` subprocess.

    ``base_dir`` receives the server's config/runtime/settings/workspace dirs and ``root``
    (the notebook directory); ``log_path`` receives its stdout and stderr.
    """

    #: ``jupyter <app>``, and the option that puts that app in ``window.jupyterapp``
    #: (frontends.NotebookServer starts Notebook 7 the same way).
    app = "lab"
    expose_app_option = "--LabApp.expose_app_in_browser=True"

    def __init__(
        self,
        base_dir: Path,
        log_path: Path,
        python: str = sys.executable,
        startup_timeout: float = 90.0,
        extra_args: Iterable[str] = (),
    ):
        self.base_dir = Path(base_dir)
        self.root_dir = self.base_dir / "root"
        self.runtime_dir = self.base_dir / "runtime"
        self.config_dir = self.base_dir / "config"
        self.settings_dir = self.base_dir / "lab-settings"
        self.workspaces_dir = self.base_dir / "lab-workspaces"
        self.ipython_dir = self.base_dir / "ipython"
        self.log_path = Path(log_path)
        self.python = python
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.port = 0
        self.token = secrets.token_hex(24)
        self.proc: subprocess.Popen | None = None
        self.startup_seconds: float | None = None
        self._log_file = None

    # -- urls and REST ---------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, body: Any = None, timeout: float = 15.0) -> Any:
        """Call the REST API with the token; returns decoded JSON (or None for no body)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    # -- lifecycle -------------------------------------------------------------------
    def _write_lab_settings(self) -> None:
        settings = {
            # Keep every cell in the DOM (no virtual scrolling): locators by index work.
            "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
            # No "get news?" toast and no update check over a network we do not have.
            "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
                "checkForUpdates": False,
                "fetchNews": "false",
            },
        }
        for rel, value in settings.items():
            p = self.settings_dir / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(value, indent=2))

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.config_dir),
            JUPYTER_RUNTIME_DIR=str(self.runtime_dir),
            JUPYTERLAB_SETTINGS_DIR=str(self.settings_dir),
            JUPYTERLAB_WORKSPACES_DIR=str(self.workspaces_dir),
            IPYTHONDIR=str(self.ipython_dir),
            JUPYTER_PLATFORM_DIRS="1",
            PYTHONUNBUFFERED="1",
        )
        # The kernel must not inherit the test process's pytest/coverage hooks.
        for k in ("PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS"):
            env.pop(k, None)
        return env

    def start(self) -> JupyterServer:
        for d in (
            self.root_dir,
            self.runtime_dir,
            self.config_dir,
            self.settings_dir,
            self.workspaces_dir,
            self.ipython_dir,
        ):
            d.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lab_settings()
        self.port = free_port()
        cmd = [
            self.python,
            "-m",
            "jupyter",
            self.app,
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            self.expose_app_option,
            "--ZMQChannelsWebsocketConnection.iopub_data_rate_limit=1e12",
            "--ZMQChannelsWebsocketConnection.iopub_msg_rate_limit=1e9",
            "--ServerApp.allow_root=True",
            *self.extra_args,
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
                    f"jupyter lab exited with code {self.proc.returncode} during startup; "
                    f"log {self.log_path} ends:\n{_tail(self.log_path)}"
                )
            try:
                self.api("GET", "/api/status", timeout=2)
                return
            except (urllib.error.URLError, ConnectionError, OSError, ValueError) as e:
                last = repr(e)
            if time.monotonic() > deadline:
                raise HarnessTimeoutError(
                    f"jupyter lab did not answer GET {self.url}/api/status within "
                    f"{self.startup_timeout:.0f}s (last: {last}); log {self.log_path} ends:\n"
                    f"{_tail(self.log_path)}"
                )
            time.sleep(0.1)

    def shutdown_all_kernels(self) -> None:
        try:
            kernels = self.api("GET", "/api/kernels", timeout=5)
        except Exception:
            return
        for k in kernels or []:
            with contextlib.suppress(Exception):
                self.api("DELETE", f"/api/kernels/{k['id']}", timeout=15)

    def _own_kernel_pids(self) -> list[int]:
        """PIDs of kernels this server launched: their cmdline names our runtime dir."""
        needle = str(self.runtime_dir).encode()
        pids = []
        for p in Path("/proc").iterdir():
            if not p.name.isdigit():
                continue
            try:
                if needle in (p / "cmdline").read_bytes():
                    pids.append(int(p.name))
            except OSError:
                pass
        return [pid for pid in pids if pid != os.getpid()]

    def stop(self, timeout: float = 20.0) -> None:
        """Shut kernels down, SIGTERM the server's process group, SIGKILL what is left."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.shutdown_all_kernels()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        # Kernels run in their own sessions: kill any that survived, by PID.
        for pid in self._own_kernel_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        self.proc = None

    # -- notebooks -------------------------------------------------------------------
    def write_notebook(self, cells: list[str], name: str) -> str:
        """Write ``name`` (relative to root) with code cells; returns its API path."""
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nb.metadata["language_info"] = {"name": "python"}
        nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
        path = self.root_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(path))
        return name

    def session_for(self, path: str) -> dict | None:
        for s in self.api("GET", "/api/sessions") or []:
            if s.get("path") == path or s.get("notebook", {}).get("path") == path:
                return s
        return None


# --------------------------------------------------------------------------------------
# Browser
# --------------------------------------------------------------------------------------


def launch_browser(playwright, user_data_dir: Path, **kwargs):
    """A persistent headless Chromium context with a fresh profile."""
    opts = {
        "executable_path": CHROMIUM_EXECUTABLE,
        "headless": True,
        "args": CHROMIUM_ARGS,
        "viewport": VIEWPORT,
        "device_scale_factor": 1,
    }
    opts.update(kwargs)
    return playwright.chromium.launch_persistent_context(str(user_data_dir), **opts)


# --------------------------------------------------------------------------------------
# Kernel client
# --------------------------------------------------------------------------------------


class KernelHandle:
    """A ``BlockingKernelClient`` attached to the notebook's kernel, plus helpers.

    Code run here shares the kernel's namespace with the notebook (``s`` defined in a cell
    is ``s`` here) but does not touch the notebook's execution counts.
    """

    def __init__(self, kernel_id: str, connection_file: Path, ready_timeout: float = 30.0):
        from jupyter_client import BlockingKernelClient

        self.kernel_id = kernel_id
        self.connection_file = Path(connection_file)
        self.client = BlockingKernelClient(connection_file=str(connection_file))
        self.client.load_connection_file()
        self.client.start_channels()
        try:
            self.client.wait_for_ready(timeout=ready_timeout)
        except RuntimeError as e:
            self.client.stop_channels()
            raise HarnessTimeoutError(
                f"kernel {kernel_id} did not answer kernel_info within {ready_timeout}s: {e}"
            ) from e

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.stop_channels()

    def execute(self, code: str, timeout: float = 60.0) -> str:
        """Run statements in the kernel; return their stdout; raise :class:`KernelError`."""
        out: list[str] = []
        err: dict = {}

        def hook(msg):
            t = msg["header"]["msg_type"]
            c = msg["content"]
            if t == "stream" and c.get("name") == "stdout":
                out.append(c["text"])
            elif t == "error":
                err.update(c)

        try:
            reply = self.client.execute_interactive(
                code,
                store_history=False,
                allow_stdin=False,
                timeout=timeout,
                output_hook=hook,
            )
        except TimeoutError as e:
            raise HarnessTimeoutError(
                f"kernel did not finish running this within {timeout}s:\n{code}"
            ) from e
        c = reply["content"]
        if c["status"] != "ok":
            raise KernelError(
                code,
                c.get("ename", err.get("ename", "?")),
                c.get("evalue", err.get("evalue", "")),
                strip_ansi("\n".join(c.get("traceback") or err.get("traceback") or [])),
            )
        return "".join(out)

    def eval(self, expr: str, timeout: float = 30.0) -> Any:
        """Evaluate ``expr`` in the kernel and return its value, JSON round-tripped.

        Uses ``user_expressions`` of a silent execute: nothing printed, no execution count.
        NumPy arrays and scalars come back as lists / numbers (via ``.tolist()``); any other
        value JSON cannot encode raises :class:`KernelError` (TypeError).
        """
        wrapped = (
            "(lambda _j: _j.dumps((" + expr + "), default=lambda o: o.tolist() "
            "if hasattr(o, 'tolist') else _j.JSONEncoder().default(o)))(__import__('json'))"
        )
        try:
            reply = self.client.execute_interactive(
                "",
                silent=True,
                store_history=False,
                allow_stdin=False,
                user_expressions={"v": wrapped},
                timeout=timeout,
                output_hook=lambda msg: None,
            )
        except TimeoutError as e:
            raise HarnessTimeoutError(
                f"kernel did not evaluate {expr!r} within {timeout}s (busy?)"
            ) from e
        res = reply["content"].get("user_expressions", {}).get("v")
        if res is None:
            raise HarnessError(f"no user_expressions result for {expr!r}: {reply['content']}")
        if res.get("status") != "ok":
            raise KernelError(
                expr,
                res.get("ename", "?"),
                res.get("evalue", ""),
                strip_ansi("\n".join(res.get("traceback") or [])),
            )
        return json.loads(ast.literal_eval(res["data"]["text/plain"]))

    def wait_until(
        self,
        expr: str,
        predicate: Callable[[Any], bool] | Any,
        timeout: float = 30.0,
        interval: float = 0.05,
    ) -> Any:
        """Poll ``eval(expr)`` until ``predicate(value)`` (or ``value == predicate`` when it is
        not callable). Returns the value that satisfied it. The real sync point after a
        browser-side change: the page showing a value does not mean Python has it."""
        test = predicate if callable(predicate) else (lambda v, want=predicate: v == want)
        deadline = time.monotonic() + timeout
        last: Any = "<never read>"
        while True:
            last = self.eval(expr, timeout=max(1.0, deadline - time.monotonic()))
            if test(last):
                return last
            if time.monotonic() > deadline:
                want = getattr(predicate, "__name__", repr(predicate))
                raise HarnessTimeoutError(
                    f"kernel value {expr!r} did not satisfy {want} within {timeout}s; "
                    f"last value: {last!r}"
                )
            time.sleep(interval)


# --------------------------------------------------------------------------------------
# Notebook page
# --------------------------------------------------------------------------------------

# A JS helper installed on every page: the notebook panel by path.
_JS_PANEL = """
window.__e2ePanel = (path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  for (const w of Array.from(app.shell.widgets('main'))) {
    if (w && w.context && w.context.path === path && w.content && w.sessionContext) return w;
  }
  return null;
};
"""

_JS_KERNEL_STATE = """
(path) => {
  if (!window.__e2ePanel) { __JS_PANEL__ }
  const p = window.__e2ePanel(path);
  if (!p) return {panel: false, app: !!window.jupyterapp};
  const sc = p.sessionContext;
  const k = sc.session && sc.session.kernel;
  return {
    panel: true,
    ready: p.context.isReady,
    cells: p.content.widgets.length,
    kernel: k ? {id: k.id, status: k.status, connection: k.connectionStatus} : null,
    sessionStatus: sc.kernelDisplayStatus,
  };
}
""".replace("__JS_PANEL__", _JS_PANEL)

_JS_RUN_CELL = """
async ({path, index, timeoutMs}) => {
  const app = window.jupyterapp;
  const panel = window.__e2ePanel(path);
  if (!panel) return {error: 'notebook panel not found for ' + path};
  const nb = panel.content;
  if (index < 0 || index >= nb.widgets.length)
    return {error: `cell index ${index} out of range (${nb.widgets.length} cells)`};
  app.shell.activateById(panel.id);
  nb.deselectAll();
  nb.activeCellIndex = index;
  nb.mode = 'command';
  const cell = nb.widgets[index];
  if (cell.model.type !== 'code') return {error: `cell ${index} is ${cell.model.type}, not code`};
  const t0 = performance.now();
  const run = app.commands.execute('notebook:run-cell');
  const timer = new Promise((res) => setTimeout(() => res('__timeout__'), timeoutMs));
  const r = await Promise.race([run, timer]);
  return {
    timedOut: r === '__timeout__',
    ms: performance.now() - t0,
    executionCount: cell.model.executionCount,
  };
}
"""

_JS_CELL_STATE = """
({path, index}) => {
  const panel = window.__e2ePanel(path);
  if (!panel) return null;
  const cell = panel.content.widgets[index];
  const k = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return {
    executionCount: cell.model.executionCount,
    outputs: cell.model.outputs ? cell.model.outputs.toJSON() : [],
    source: cell.model.sharedModel.getSource(),
    kernel: k ? k.status : null,
    connection: k ? k.connectionStatus : null,
  };
}
"""


class NotebookSession:
    """One notebook open in its own page and its own JupyterLab workspace."""

    def __init__(
        self,
        server: JupyterServer,
        context,
        path: str,
        artifact_dir: Path,
        load_timeout: float = 90.0,
    ):
        self.server = server
        self.path = path
        self.artifact_dir = Path(artifact_dir)
        self.timings: dict[str, Any] = {"cells": {}}
        self.console: list[str] = []
        # Errors that fail the test (conftest.py checks them after the test's body): every
        # uncaught error of the page, and console errors of the widget's own code.
        self.page_errors: list[str] = []
        self.page_errors_reported = 0  # how many of them a check has reported already
        self.kernel: KernelHandle | None = None
        self.kernel_id: str | None = None
        self.workspace = "e2e-" + uuid.uuid4().hex[:12]
        self.page = context.new_page()
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_page_error)
        self.page.add_init_script(_JS_PANEL)
        self._closed = False
        try:
            self._open(load_timeout)
        except BaseException:
            self._save_failure_screenshot("open-failed")
            self.close(shutdown_kernel=True)
            raise

    # -- page errors -------------------------------------------------------------------
    def _on_page_error(self, error) -> None:
        text, stack = str(error), getattr(error, "stack", None) or ""
        # A stack names the error first: "Error: <message>\n    at …".
        described = stack if stack and text in stack else "\n".join(filter(None, (text, stack)))
        self.page_errors.append(f"uncaught {described}")

    def _on_console(self, message) -> None:
        self.console.append(f"[{message.type}] {message.text}")
        location = message.location or {}
        if is_widget_console_error(message.type, message.text, location.get("url", "")):
            where = f"{location.get('url', '?')}:{location.get('lineNumber', '?')}"
            self.page_errors.append(f"console.{message.type} at {where}: {message.text}")

    def flush_page_events(self) -> None:
        """Let Playwright deliver the page's pending events (errors included): the sync API
        hands them over only while it talks to the browser."""
        from playwright.sync_api import Error as PlaywrightError

        if self._closed or self.page.is_closed():
            return
        with contextlib.suppress(PlaywrightError):  # a crashed page has nothing more to say
            self.page.evaluate("() => 0")

    def take_page_errors(self) -> list[str]:
        """The page errors so far, forgotten: for a test that expects some."""
        self.flush_page_events()
        errors, self.page_errors = self.page_errors, []
        return errors

    # -- opening -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        from urllib.parse import quote

        return (
            f"{self.server.url}/lab/workspaces/{self.workspace}/tree/"
            f"{quote(self.path)}?token={self.server.token}"
        )

    def _open(self, timeout: float) -> None:
        t0 = time.monotonic()
        self.page.goto(self.url, wait_until="domcontentloaded", timeout=timeout * 1000)
        self.wait_kernel_idle(
            timeout=max(5.0, timeout - (time.monotonic() - t0)),
            what="notebook page to load and its kernel to become idle",
        )
        self.timings["page_load_to_idle_s"] = time.monotonic() - t0
        t1 = time.monotonic()
        self.attach_kernel()
        self.timings["attach_kernel_client_s"] = time.monotonic() - t1

    def attach_kernel(self) -> KernelHandle:
        """Attach :attr:`kernel` to the notebook's kernel now (after a restart or a new
        kernel, the client of the old one is closed)."""
        if self.kernel is not None:
            self.kernel.close()
            self.kernel = None
        state = self.kernel_state()
        self.kernel_id = state["kernel"]["id"]
        conn = self.server.runtime_dir / f"kernel-{self.kernel_id}.json"
        deadline = time.monotonic() + 30
        while not conn.exists():
            if time.monotonic() > deadline:
                raise HarnessTimeoutError(f"connection file {conn} never appeared")
            time.sleep(POLL)
        sess = self.server.session_for(self.path)
        if sess is None or sess["kernel"]["id"] != self.kernel_id:
            raise HarnessError(
                f"GET /api/sessions does not match the page: page kernel {self.kernel_id}, "
                f"session {sess}"
            )
        self.kernel = KernelHandle(self.kernel_id, conn)
        return self.kernel

    # -- the kernel's life -----------------------------------------------------------------
    def restart_kernel(self, timeout: float = 60.0) -> None:
        """Restart the kernel as a user does (Kernel menu → Restart, the dialog accepted);
        wait until it is idle again and re-attach :attr:`kernel`."""
        self.page.evaluate(
            """(path) => {
                const p = window.__e2ePanel(path);
                window.jupyterapp.shell.activateById(p.id);
                const k = p.sessionContext.session.kernel;
                window.__e2eRestarted = false;
                k.statusChanged.connect((_, status) => {
                    if (status === 'restarting') window.__e2eRestarted = true;
                });
                window.jupyterapp.commands.execute('kernelmenu:restart');  // awaits the dialog
            }""",
            self.path,
        )
        self.page.locator(".jp-Dialog button.jp-mod-accept").click()
        self.wait_for_js("() => window.__e2eRestarted", what="the kernel to restart")
        self.wait_kernel_idle(timeout=timeout, what="the restarted kernel to become idle")
        self.attach_kernel()

    def shutdown_kernel(self, timeout: float = 30.0) -> None:
        """Shut the kernel down as a user does (Kernel menu → Shut Down Kernel)."""
        if self.kernel is not None:
            self.kernel.close()
            self.kernel = None
        self.page.evaluate(
            """(path) => {
                window.jupyterapp.shell.activateById(window.__e2ePanel(path).id);
                return window.jupyterapp.commands.execute('kernelmenu:shutdown');
            }""",
            self.path,
        )
        self.wait_for_js(
            "(path) => !window.__e2ePanel(path).sessionContext.session",
            self.path,
            timeout=timeout,
            what="the notebook to have no kernel",
        )

    def start_kernel(self, name: str = "python3", timeout: float = 60.0) -> None:
        """Give a notebook without a kernel a new one; wait for it and attach :attr:`kernel`."""
        self.page.evaluate(
            "(a) => window.__e2ePanel(a.path).sessionContext.changeKernel({name: a.name})",
            {"path": self.path, "name": name},
        )
        self.wait_kernel_idle(timeout=timeout, what="the new kernel to become idle")
        self.attach_kernel()

    # -- waiting -------------------------------------------------------------------------
    def kernel_state(self) -> dict:
        return self.page.evaluate(_JS_KERNEL_STATE, self.path)

    def wait_for_js(
        self,
        expr: str,
        arg: Any = None,
        timeout: float = 30.0,
        what: str | None = None,
        interval: float = POLL,
    ) -> Any:
        """Poll a JS function ``expr`` (``(arg) => value``) until its value is truthy.

        Returns the value. Each poll is a round trip (a few ms); the condition never blocks.
        """
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            last = self.page.evaluate(expr, arg)
            if last:
                return last
            if time.monotonic() > deadline:
                raise HarnessTimeoutError(
                    f"timed out after {timeout}s waiting for {what or expr!r}; last value: {last!r}"
                )
            time.sleep(interval)

    def wait_kernel_idle(self, timeout: float = 60.0, what: str = "kernel to become idle") -> dict:
        """Wait until the notebook's kernel is connected and idle (as the page sees it)."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            try:
                last = self.kernel_state()
            except Exception as e:  # page navigating: the context is torn down once
                last = f"<evaluate failed: {e}>"
            if (
                isinstance(last, dict)
                and last.get("panel")
                and last.get("kernel")
                and last["kernel"]["status"] == "idle"
                and last["kernel"]["connection"] == "connected"
            ):
                return last
            if time.monotonic() > deadline:
                raise HarnessTimeoutError(
                    f"timed out after {timeout:.0f}s waiting for {what} "
                    f"(notebook {self.path}); last state: {last!r}"
                )
            time.sleep(POLL * 2.5)

    # -- cells ---------------------------------------------------------------------------
    def cell_state(self, index: int) -> dict:
        st = self.page.evaluate(_JS_CELL_STATE, {"path": self.path, "index": index})
        if st is None:
            raise HarnessError(f"notebook panel for {self.path} is gone")
        return st

    def outputs(self, index: int) -> list[dict]:
        """Cell ``index``'s outputs as nbformat JSON (from the page's model)."""
        return self.cell_state(index)["outputs"]

    def cell_count(self) -> int:
        return self.kernel_state()["cells"]

    def run_cell(self, index: int, timeout: float = 60.0, check: bool = True) -> dict:
        """Run cell ``index`` through the command registry and wait for it to finish.

        Finished = the run command resolved, the cell has an execution count, and the
        kernel is idle again. Raises :class:`CellError` with the traceback if the cell
        produced an error output (unless ``check=False``). Returns the cell state
        (``executionCount``, ``outputs``, ``source``) plus ``seconds``.
        """
        t0 = time.monotonic()
        r = self.page.evaluate(
            _JS_RUN_CELL, {"path": self.path, "index": index, "timeoutMs": int(timeout * 1000)}
        )
        if r.get("error"):
            raise HarnessError(f"run_cell({index}): {r['error']}")
        if r.get("timedOut"):
            st = self.cell_state(index)
            raise HarnessTimeoutError(
                f"cell {index} did not finish within {timeout}s (kernel {st['kernel']}); "
                f"source:\n{st['source']}"
            )
        remaining = max(5.0, timeout - (time.monotonic() - t0))
        st = self.wait_for_js(
            """({path, index}) => {
                const p = window.__e2ePanel(path);
                const c = p && p.content.widgets[index];
                const k = p && p.sessionContext.session && p.sessionContext.session.kernel;
                return !!(c && c.model.executionCount != null && k && k.status === 'idle');
            }""",
            {"path": self.path, "index": index},
            timeout=remaining,
            what=f"cell {index} to get an execution count and the kernel to be idle",
        )
        st = self.cell_state(index)
        st["seconds"] = time.monotonic() - t0
        self.timings["cells"].setdefault(index, []).append(st["seconds"])
        if check:
            for out in st["outputs"]:
                if out.get("output_type") == "error":
                    raise CellError(
                        index,
                        out.get("ename", "?"),
                        out.get("evalue", ""),
                        strip_ansi("\n".join(out.get("traceback", []))),
                        st["source"],
                    )
        return st

    def run_all(self, timeout: float = 60.0, check: bool = True) -> list[dict]:
        """Run every code cell in order (each with ``timeout``)."""
        return [self.run_cell(i, timeout=timeout, check=check) for i in range(self.cell_count())]

    def append_cell(self, source: str) -> int:
        """Add a code cell at the end of the notebook; returns its index."""
        return self.page.evaluate(
            """({path, source}) => {
                const p = window.__e2ePanel(path);
                const sm = p.content.model.sharedModel;
                const n = sm.cells.length;
                sm.insertCell(n, {cell_type: 'code', source});
                return n;
            }""",
            {"path": self.path, "source": source},
        )

    def set_cell_source(self, index: int, source: str) -> None:
        self.page.evaluate(
            """({path, index, source}) => {
                window.__e2ePanel(path).content.widgets[index].model.sharedModel.setSource(source);
            }""",
            {"path": self.path, "index": index, "source": source},
        )

    # -- locators ------------------------------------------------------------------------
    def _panel_id(self) -> str:
        pid = self.page.evaluate(
            "(path) => { const p = window.__e2ePanel(path); return p && p.id; }", self.path
        )
        if not pid:
            raise HarnessError(f"notebook panel for {self.path} is gone")
        return pid

    def cell(self, index: int):
        """Locator for cell ``index`` (the whole cell widget)."""
        return self.page.locator(f'[id="{self._panel_id()}"] .jp-Notebook-cell').nth(index)

    def output_area(self, index: int):
        """Locator for cell ``index``'s output area."""
        return self.cell(index).locator(".jp-OutputArea").first

    # -- artefacts -----------------------------------------------------------------------
    def screenshot(self, name: str, locator=None, full_page: bool = False) -> Path:
        """Save ``<artifact_dir>/<name>.png``: the page, or only ``locator``'s element."""
        self.artifact_dir.mkdir(parents=True, exist_ok=True)
        path = self.artifact_dir / (name if name.endswith(".png") else f"{name}.png")
        if locator is not None:
            locator.screenshot(path=str(path), animations="disabled")
        else:
            self.page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        return path

    def _save_failure_screenshot(self, name: str) -> Path | None:
        try:
            return self.screenshot(name)
        except Exception:
            return None

    def assert_no_page_errors(self) -> None:
        """Fail now if the page raised an uncaught error or the widget logged one (the
        fixture checks this after every test anyway)."""
        self.flush_page_events()
        if self.page_errors:
            raise AssertionError(page_errors_report([self]))

    def write_logs(self) -> None:
        self.artifact_dir.mkdir(parents=True, exist_ok=True)
        stem = Path(self.path).stem
        text = "\n".join(self.console)
        if self.page_errors:
            text += "\n\n=== page errors ===\n" + "\n".join(self.page_errors)
        (self.artifact_dir / f"{stem}.console.log").write_text(text + "\n")
        (self.artifact_dir / f"{stem}.timings.json").write_text(
            json.dumps(self.timings, indent=2, default=str)
        )

    # -- teardown ------------------------------------------------------------------------
    def close(self, shutdown_kernel: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        if self.kernel is not None:
            self.kernel.close()
        with contextlib.suppress(Exception):
            self.page.close()
        if shutdown_kernel:
            try:
                sess = self.server.session_for(self.path)
                if sess is not None:
                    self.server.api("DELETE", f"/api/sessions/{sess['id']}", timeout=30)
                elif self.kernel_id:
                    self.server.api("DELETE", f"/api/kernels/{self.kernel_id}", timeout=30)
            except Exception:
                pass


def is_widget_console_error(kind: str, text: str, url: str) -> bool:
    """Whether a console message is an error of the widget's code: anywidget imports the
    widget's module from a ``blob:`` URL, so its call site or the stack it prints is there;
    anywidget's own complaints about it start with ``[anywidget]`` (a failed render is an
    error, a failed cleanup a warning)."""
    if "[anywidget]" in text:
        return kind in ("error", "warning")
    return kind == "error" and (url.startswith("blob:") or "blob:" in text)


def page_errors_report(sessions: Iterable[NotebookSession]) -> str:
    """The page errors of these notebook sessions as one message ('' when none)."""
    parts = [
        f"{s.path}:\n" + "\n".join(f"  - {e}" for e in s.page_errors)
        for s in sessions
        if s.page_errors
    ]
    return ("errors in the page:\n" + "\n".join(parts)) if parts else ""


def clean_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:120] or "test"
