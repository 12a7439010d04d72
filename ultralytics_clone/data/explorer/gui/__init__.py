"""The Explorer dashboard (Streamlit): `yolo explorer data=... model=...` launches `dash.py`."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from ultralytics_clone.data.explorer.utils import EXTRA_HINT

DASH = Path(__file__).with_name("dash.py")


def launch(data: str = "shapes-det.yaml", model: str = "yolo11n.pt", imgsz: int = 640, port: int | None = None) -> int:
    """Serve the dashboard locally (no usage statistics are sent); returns Streamlit's exit status."""
    from ultralytics_clone.utils.errors import ConfigError

    if importlib.util.find_spec("streamlit") is None:
        raise ConfigError(f"yolo explorer needs the 'streamlit' package, which is not installed: {EXTRA_HINT}")
    env = {**os.environ, "EXPLORER_DATA": str(data), "EXPLORER_MODEL": str(model), "EXPLORER_IMGSZ": str(imgsz)}
    cmd = [sys.executable, "-m", "streamlit", "run", str(DASH), "--browser.gatherUsageStats", "false"]
    if port:
        cmd += ["--server.port", str(port)]
    return subprocess.run(cmd, env=env).returncode
