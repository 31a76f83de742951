"""Fixtures for the browser end-to-end tests (see harness.py for the machinery).

Fixtures
--------
``jupyter_server`` (session)   an isolated JupyterLab server (:class:`JupyterServer`).
``browser_context`` (session)  a persistent headless Chromium context.
``artifact_dir`` (function)    ``tests/e2e/artifacts/<test-name>/``, emptied at test start.
``open_notebook`` (function)   factory ``open_notebook(cells, name=None) -> NotebookSession``;
                               every session it opened is closed (kernel shut down) at
                               teardown, with a screenshot first when the test failed.

An uncaught error in a page the test opened, or a console error of the widget's code, fails
that test (:func:`pytest_runtest_call`), with the messages; a test that provokes errors on
purpose takes them with ``nb.take_page_errors()``.

Artefacts go to ``tests/e2e/artifacts`` (override with ``E2E_ARTIFACTS``).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .harness import (
    JupyterServer,
    NotebookSession,
    clean_dir,
    launch_browser,
    page_errors_report,
    safe_name,
)

ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS", Path(__file__).parent / "artifacts"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "e2e: end-to-end test in a real JupyterLab + headless Chromium"
    )


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


class PageError(AssertionError):
    """The page raised, or the widget logged an error, during a test."""


def _page_errors(item) -> str:
    sessions = getattr(item, "_e2e_sessions", [])
    for s in sessions:
        s.flush_page_events()
    report = page_errors_report(sessions)
    for s in sessions:
        s.page_errors_reported = len(s.page_errors)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fails a test whose pages had errors; adds them to a failure that has other causes."""
    try:
        result = yield
    except Exception as e:
        report = _page_errors(item)
        if report:
            e.add_note(report)
        raise
    report = _page_errors(item)
    if report:
        raise PageError(report)
    return result


def _failed(node) -> bool:
    return any(getattr(getattr(node, f"rep_{w}", None), "failed", False) for w in ("setup", "call"))


@pytest.fixture(scope="session")
def _sigterm_as_interrupt():
    """SIGTERM -> KeyboardInterrupt, so pytest tears fixtures down and no server is orphaned."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def e2e_tmp():
    with tempfile.TemporaryDirectory(prefix="e2e-") as d:
        yield Path(d)


def _server_log_path() -> Path:
    """``_session/jupyter-server.<pid>.log``: concurrent runs must not share one log. Logs of
    runs no longer alive are removed (a rerun replaces the last run's log, as a fixed name
    would)."""
    d = ARTIFACTS / "_session"
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("jupyter-server.*.log"):
        try:
            os.kill(int(old.name.split(".")[1]), 0)
        except (ValueError, ProcessLookupError):
            old.unlink(missing_ok=True)
        except PermissionError:
            pass
    return d / f"jupyter-server.{os.getpid()}.log"


@pytest.fixture(scope="session")
def jupyter_server(_sigterm_as_interrupt, e2e_tmp):
    log = _server_log_path()
    server = JupyterServer(e2e_tmp / "jupyter", log_path=log, python=sys.executable)
    try:
        server.start()  # raises with the log's tail when startup fails
        sys.stderr.write(
            f"\n[e2e] jupyter lab on {server.url} ready in {server.startup_seconds:.2f}s "
            f"(log {log})\n"
        )
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _playwright(_sigterm_as_interrupt):
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser_context(_playwright, e2e_tmp):
    t0 = time.monotonic()
    ctx = launch_browser(_playwright, e2e_tmp / "chromium-profile")
    ctx.set_default_timeout(30_000)
    # expect()'s own default is 5 s: too tight for a loaded 2-core machine.
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    sys.stderr.write(f"[e2e] chromium up in {time.monotonic() - t0:.2f}s\n")
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def artifact_dir(request) -> Path:
    return clean_dir(ARTIFACTS / safe_name(request.node.name))


@pytest.fixture
def open_notebook(request, jupyter_server, browser_context, artifact_dir):
    """``open_notebook(cells: list[str], name: str | None = None) -> NotebookSession``."""
    sessions: list[NotebookSession] = []
    request.node._e2e_sessions = sessions  # read by pytest_runtest_call

    def _open(cells: list[str], name: str | None = None, load_timeout: float = 90.0):
        nb_name = name or f"{safe_name(request.node.name)}-{len(sessions)}.ipynb"
        if not nb_name.endswith(".ipynb"):
            nb_name += ".ipynb"
        path = jupyter_server.write_notebook(cells, nb_name)
        s = NotebookSession(
            jupyter_server, browser_context, path, artifact_dir, load_timeout=load_timeout
        )
        sessions.append(s)
        return s

    yield _open

    failed = _failed(request.node)
    late = []  # errors that came after the test's body was checked
    for n, s in enumerate(sessions):
        try:
            if failed and not s.page.is_closed():
                s.screenshot(f"failure-{n}" if len(sessions) > 1 else "failure")
        except Exception:
            pass
        try:
            s.flush_page_events()
            late += s.page_errors[s.page_errors_reported :]
            s.write_logs()
        finally:
            s.close(shutdown_kernel=True)
    if late and not failed:
        pytest.fail("errors in the page after the test's body:\n" + "\n".join(late))


@pytest.fixture
def quickstart(open_notebook):
    """The README's example run in a notebook, its map drawn: ``(NotebookSession, MapView)``."""
    from .widget_page import QUICKSTART, open_map

    return open_map(open_notebook, QUICKSTART, 1797, run_timeout=120)
