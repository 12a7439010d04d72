"""Test isolation: a private config dir, datasets/runs/weights folders per session, and no network but loopback."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

import pytest

SESSION_DIR = Path(tempfile.mkdtemp(prefix="ultralytics-clone-tests-"))
os.environ["YOLO_CONFIG_DIR"] = str(SESSION_DIR / "config")
os.environ.setdefault("YOLO_VERBOSE", "true")
os.environ.pop("YOLO_OFFLINE", None)
os.environ.pop("YOLO_ASSETS_URL", None)
# One intra-op thread for torch/OpenMP here and in CLI subprocesses: the suite's tensors are tiny, and on a loaded
# 2-core machine OpenMP's spinning threads made small convolutions orders of magnitude slower (tests timed out).
os.environ.setdefault("OMP_NUM_THREADS", "1")

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "ultralytics"
if not FIXTURES.is_dir():  # a checkout with shared/ inside it
    FIXTURES = Path(__file__).resolve().parents[1] / "shared" / "fixtures" / "ultralytics"
FACTS = FIXTURES.parents[1] / "facts" / "models"


def _is_loopback(host: object) -> bool:
    if host in {"localhost", "", None}:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _no_network(event: str, args: tuple) -> None:
    """Audit hook: refuse DNS lookups and connections that leave the machine."""
    if event == "socket.connect":
        sock, address = args
        if getattr(sock, "family", None) in {socket.AF_INET, socket.AF_INET6} and not _is_loopback(address[0]):
            raise OSError(f"network access is disabled in tests: connect to {address}")
    elif event == "socket.getaddrinfo" and not _is_loopback(args[0]):
        raise OSError(f"network access is disabled in tests: DNS lookup of {args[0]!r}")


sys.addaudithook(_no_network)

from ultralytics_clone.utils.settings import SETTINGS  # noqa: E402  (after YOLO_CONFIG_DIR is set)

SETTINGS.update(
    datasets_dir=str(SESSION_DIR / "datasets"),
    weights_dir=str(SESSION_DIR / "weights"),
    runs_dir=str(SESSION_DIR / "runs"),
    tensorboard=False,  # the logger tests switch them on; other training tests stay quick
    mlflow=False,
)


@pytest.fixture(scope="session")
def session_dir() -> Path:
    """The per-session temp root holding config/, datasets/, runs/ and weights/."""
    return SESSION_DIR


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """shared/fixtures/ultralytics: checkpoints and outputs written by the reference library (read-only)."""
    assert FIXTURES.is_dir(), f"shared fixtures not found at {FIXTURES}"
    return FIXTURES


@pytest.fixture(scope="module")
def model(fixtures_dir):
    """The reference-trained yolo11n fixture as a YOLO, one per test module (a warm predictor is kept inside)."""
    from ultralytics_clone import YOLO

    return YOLO(fixtures_dir / "yolo11n.pt")


@pytest.fixture(scope="module")
def sample(fixtures_dir) -> str:
    """The fixture image the reference predicted on (sample_detect.jpg)."""
    return str(fixtures_dir / "sample_detect.jpg")


@pytest.fixture(scope="module")
def detect_checkpoints(tmp_path_factory, fixtures_dir) -> Path:
    """A writable folder (one per test module) holding copies of the three reference detection checkpoints."""
    d = tmp_path_factory.mktemp("checkpoints")
    for name in ("yolov8n", "yolo11n", "yolo26n"):
        shutil.copy(fixtures_dir / f"{name}.pt", d / f"{name}.pt")
    return d


@pytest.fixture(scope="session")
def facts_dir() -> Path:
    """shared/facts/models: the reference library's per-config layer and tensor facts (read-only)."""
    assert FACTS.is_dir(), f"shared facts not found at {FACTS}"
    return FACTS


@pytest.fixture
def subprocess_env(tmp_path: Path) -> dict[str, str]:
    """Environment for the CLI in a subprocess: its own config dir, seeded with the session's folders."""

    env = dict(os.environ)
    env["YOLO_CONFIG_DIR"] = str(tmp_path / "cli-config")
    (tmp_path / "cli-config").mkdir()
    shutil.copy(SETTINGS.file, tmp_path / "cli-config" / "settings.json")
    env.pop("YOLO_TRACEBACK", None)
    return env


# ---------------------------------------------------------------------------------------------------------------------
# Data pipeline (issue 4): the built-in synthetic data sets, generated once per session into datasets_dir.
# ---------------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def shapes_data() -> dict:
    """check_det_dataset dicts of shapes-det/-seg/-pose/-obb by task, and check_cls_dataset of shapes-cls ('classify')."""
    from ultralytics_clone.data.checks import check_cls_dataset, check_det_dataset

    out = {t: check_det_dataset(f"shapes-{s}.yaml") for t, s in (("detect", "det"), ("segment", "seg"), ("pose", "pose"), ("obb", "obb"))}
    out["classify"] = check_cls_dataset("shapes-cls")
    return out


@pytest.fixture
def data_log():
    """Messages logged by the package LOGGER during the test (INFO and up), as a list of strings."""
    import logging

    from ultralytics_clone.utils import LOGGER

    records: list[str] = []

    class _ListHandler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler, level = _ListHandler(logging.INFO), LOGGER.level
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    yield records
    LOGGER.removeHandler(handler)
    LOGGER.setLevel(level)


# --- nn (issue 3, models helper) -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def torch_single_thread():
    """torch on one intra-op thread for the module: on a loaded 2-core box OpenMP spinning made tiny convs ~100x slower."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
