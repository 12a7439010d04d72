"""Where the package runs: OS, Python, notebook/container/board detection. Cheap file and env reads; no torch import."""

from __future__ import annotations

import os
import platform
import re
import sys
from pathlib import Path

LINUX = platform.system() == "Linux"
MACOS = platform.system() == "Darwin"
WINDOWS = platform.system() == "Windows"
ARM64 = platform.machine().lower() in {"arm64", "aarch64"}
PYTHON_VERSION = platform.python_version()
MACOS_VERSION = platform.mac_ver()[0] if MACOS else None
NOT_MACOS14 = not (MACOS and (MACOS_VERSION or "").startswith("14."))


def env_bool(name: str, default: bool = False) -> bool:
    """Environment variable `name` read as a boolean (1/true/yes/on); `default` when unset."""
    value = os.getenv(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _read(path: str) -> str:
    try:
        return Path(path).read_text(errors="ignore")
    except OSError:
        return ""


def read_device_model() -> str:
    """The board model from /proc/device-tree/model (Raspberry Pi, Jetson), '' elsewhere."""
    return _read("/proc/device-tree/model").strip("\x00").strip()


def _os_release() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in _read("/etc/os-release").splitlines() if "=" in line)
    return {k: v.strip().strip('"') for k, v in pairs}


def is_ubuntu() -> bool:
    """True on Ubuntu Linux."""
    return LINUX and _os_release().get("ID") == "ubuntu"


def get_ubuntu_version() -> str | None:
    """Ubuntu release number such as '22.04', None elsewhere."""
    return _os_release().get("VERSION_ID") if is_ubuntu() else None


def is_debian(codenames: str | list[str] | None = None) -> bool:
    """True on Debian; with `codenames`, only when the release codename is one of them."""
    info = _os_release()
    if info.get("ID") != "debian":
        return False
    if codenames is None:
        return True
    names = [codenames] if isinstance(codenames, str) else list(codenames)
    return info.get("VERSION_CODENAME") in names


def is_colab() -> bool:
    """True inside Google Colab."""
    return "COLAB_RELEASE_TAG" in os.environ or "COLAB_BACKEND_VERSION" in os.environ


def is_kaggle() -> bool:
    """True inside a Kaggle kernel."""
    return os.getenv("PWD") == "/kaggle/working" and os.getenv("KAGGLE_URL_BASE") == "https://www.kaggle.com"


def is_jupyter() -> bool:
    """True inside a Jupyter/IPython kernel."""
    return "ipykernel" in sys.modules or is_colab() or is_kaggle()


def is_runpod() -> bool:
    """True on a RunPod machine."""
    return "RUNPOD_POD_ID" in os.environ


def is_docker() -> bool:
    """True inside a Docker container."""
    return Path("/.dockerenv").exists() or "docker" in _read("/proc/self/cgroup")


def is_raspberrypi() -> bool:
    """True on a Raspberry Pi."""
    return "rpi" in DEVICE_MODEL.lower() or "raspberry pi" in DEVICE_MODEL.lower()


def is_jetson(jetpack: int | None = None) -> bool:
    """True on an NVIDIA Jetson; with `jetpack` (5, 6...), only for that JetPack major release."""
    if "tegra" not in DEVICE_MODEL.lower() and "jetson" not in DEVICE_MODEL.lower():
        return False
    if jetpack is None:
        return True
    match = re.search(r"R(\d+)", _read("/etc/nv_tegra_release"))
    l4t_to_jetpack = {"32": 4, "35": 5, "36": 6, "38": 7}
    return bool(match) and l4t_to_jetpack.get(match.group(1)) == jetpack


def is_dgx() -> bool:
    """True on an NVIDIA DGX system."""
    return Path("/etc/dgx-release").exists()


def is_github_action_running() -> bool:
    """True inside a GitHub Actions runner."""
    return "GITHUB_ACTIONS" in os.environ and "GITHUB_WORKFLOW" in os.environ and "RUNNER_OS" in os.environ


def is_pytest_running() -> bool:
    """True when pytest is running this process."""
    return "PYTEST_CURRENT_TEST" in os.environ or "pytest" in sys.modules or "pytest" in Path(sys.argv[0]).stem


def is_pip_package(filepath: str = "ultralytics.utils") -> bool:
    """True when module `filepath` is installed under site-packages rather than run from a checkout; an
    'ultralytics.' name means the same module of this package."""
    import importlib.util

    if filepath == "ultralytics" or filepath.startswith("ultralytics."):
        filepath = "ultralytics_clone" + filepath[len("ultralytics") :]
    spec = importlib.util.find_spec(filepath)
    return spec is not None and spec.origin is not None and "site-packages" in spec.origin


DEVICE_MODEL = read_device_model()
IS_COLAB = is_colab()
IS_KAGGLE = is_kaggle()
IS_JUPYTER = is_jupyter()
IS_DOCKER = is_docker()
IS_UBUNTU = is_ubuntu()
IS_DEBIAN = is_debian()
IS_DEBIAN_BOOKWORM = is_debian("bookworm")
IS_DEBIAN_TRIXIE = is_debian("trixie")
IS_RASPBERRYPI = is_raspberrypi()
IS_JETSON = is_jetson()
IS_VSCODE = os.getenv("TERM_PROGRAM") == "vscode"
IS_PIP_PACKAGE = is_pip_package()
TESTS_RUNNING = is_pytest_running() or is_github_action_running()
ENVIRONMENT = (
    "Colab" if IS_COLAB else "Kaggle" if IS_KAGGLE else "Jupyter" if IS_JUPYTER else "Docker" if IS_DOCKER
    else platform.system()
)  # fmt: skip
