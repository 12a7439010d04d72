"""checks: image sizes, suffixes, file lookup, versions, torchvision state, the download-free AMP check."""

from __future__ import annotations

import pytest
import torch

from ultralytics_clone.utils import checks
from ultralytics_clone.utils.errors import ConfigError, SourceError


def test_check_imgsz_rounds_up_to_stride(caplog):
    assert checks.check_imgsz(640) == 640
    assert checks.check_imgsz(650) == 672
    assert checks.check_imgsz([100, 200]) == [128, 224]
    assert checks.check_imgsz(640, min_dim=2) == [640, 640]
    assert checks.check_imgsz(50, stride=torch.tensor([8.0, 16.0, 32.0])) == 64
    with pytest.raises(ConfigError, match="imgsz"):
        checks.check_imgsz([1, 2, 3])


def test_check_suffix_and_file(tmp_path):
    checks.check_suffix("a.pt", ".pt")
    with pytest.raises(ConfigError, match=r"'\.onnx'.*\.pt"):
        checks.check_suffix("a.onnx", (".pt",), msg="weights")
    f = tmp_path / "ünï code.yaml"
    f.write_text("a: 1")
    assert checks.check_yaml(f) == str(f)
    assert checks.check_yaml("default.yaml").endswith("cfg/default.yaml")  # found among the package's configs
    with pytest.raises(SourceError, match="nope.yaml"):
        checks.check_yaml("nope.yaml")
    assert checks.check_file("nope.txt", hard=False) == ""


def test_versions():
    assert checks.parse_version("2.14.1+cu130") == (2, 14, 1)
    assert checks.check_version("2.14.1", "2.1") and not checks.check_version("1.9", "2.0")
    with pytest.raises(ConfigError, match="torch 1.9 is installed but >= 2.0"):
        checks.check_version("1.9", "2.0", hard=True, name="torch")
    assert checks.check_python("3.10")


def test_torchvision_status_and_report():
    ok, detail = checks.torchvision_status()
    assert ok and detail
    info = checks.collect_system_info()
    assert info["torchvision ops"] == "OK" and info["torch"].startswith("2.")


def test_amp_check_is_false_off_cuda_and_downloads_nothing():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU())
    assert checks.check_amp(model) is False
