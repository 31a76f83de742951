"""Fixtures shared by the kernel-side tests: real fitted models and a simulated front end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest


@pytest.fixture(scope="session")
def digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


@pytest.fixture(scope="session")
def digits_pca(digits):
    from sklearn.decomposition import PCA

    X, _ = digits
    return PCA(n_components=16, random_state=0).fit(X)


@dataclass
class Frontend:
    """Plays the browser's side of the comm: records what the kernel sends, sends like JS."""

    sent: list[tuple[dict[str, Any], list[Any]]] = field(default_factory=list)

    def custom_messages(self) -> list[tuple[dict[str, Any], list[Any]]]:
        return [
            (data["content"], buffers)
            for data, buffers in self.sent
            if data.get("method") == "custom"
        ]

    @staticmethod
    def update(widget: Any, **state: Any) -> None:
        """Set traits as the front end does: binary values travel as buffers."""
        paths, buffers, plain = [], [], {}
        for key, value in state.items():
            if isinstance(value, bytes | bytearray | memoryview):
                paths.append([key])
                buffers.append(memoryview(bytes(value)))
            else:
                plain[key] = value
        data = {"method": "update", "state": plain, "buffer_paths": paths}
        widget._handle_msg({"content": {"data": data}, "buffers": buffers})

    @staticmethod
    def send(widget: Any, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        data = {"method": "custom", "content": content}
        views = [memoryview(b) for b in buffers or []]
        widget._handle_msg({"content": {"data": data}, "buffers": views})


@pytest.fixture
def frontend(monkeypatch) -> Frontend:
    import comm
    from comm.base_comm import BaseComm

    recorder = Frontend()

    class RecordingComm(BaseComm):
        def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
            if msg_type == "comm_msg":
                recorder.sent.append((data or {}, list(buffers or [])))

    monkeypatch.setattr(comm, "create_comm", lambda *a, **k: RecordingComm(*a, **k))
    return recorder
