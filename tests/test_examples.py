"""The examples run as written; the quickstart runs offline under the no-network audit hook of conftest.py."""

from __future__ import annotations

import runpy
import socket
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_audit_hook_blocks_real_network():
    with pytest.raises(OSError, match="network access is disabled"):
        socket.create_connection(("203.0.113.1", 80), timeout=1)  # TEST-NET-3: documentation range, never routed


def test_quickstart_runs_offline():
    namespace = runpy.run_path(str(EXAMPLES / "quickstart.py"), run_name="quickstart")
    out = namespace["main"](epochs=1, imgsz=64, batch=8)
    assert 0.0 <= out["metrics"].box.map <= 1.0
    assert len(out["results"]) == 4
    assert Path(out["model"].trainer.best).exists()
