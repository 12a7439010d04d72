"""Behaviour of the Ultralytics-compatible names (issue 17): the few with logic of their own."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from ultralytics_clone.utils.errors import EngineNotBuiltError, MissingRequirementError, NotInScopeError


def test_out_of_scope_name_gives_the_reason_on_from_import():
    with pytest.raises(NotInScopeError, match="YOLOWorld is not part of ultralytics_clone: open-vocabulary"):
        from ultralytics_clone import YOLOWorld  # noqa: F401
    with pytest.raises(ImportError, match="Solutions"):
        from ultralytics_clone.cfg import SOLUTION_MAP  # noqa: F401
    import ultralytics_clone.utils as utils

    assert not hasattr(utils, "no_such_name_at_all")  # unknown names stay plain AttributeErrors


def test_every_out_of_scope_entry_is_reachable_and_not_provided():
    from ultralytics_clone.out_of_scope import OUT_OF_SCOPE

    for module, names in OUT_OF_SCOPE.items():
        mod = importlib.import_module(module)
        for name, reason in names.items():
            assert name not in vars(mod), f"{module}.{name} is provided but also listed as out of scope"
            with pytest.raises(NotInScopeError) as info:
                getattr(mod, name)
            assert reason in str(info.value)


def test_unbuilt_engine_is_importable_but_raises_when_used(monkeypatch):
    from ultralytics_clone.models.yolo import _engines

    monkeypatch.setattr(_engines, "load_engine", lambda module, name: None)  # as if pose were not built yet
    monkeypatch.setattr(_engines, "_PLACEHOLDERS", {})
    import ultralytics_clone.models.yolo.pose as pose

    assert hasattr(pose, "PoseTrainer")
    trainer_cls = pose.PoseTrainer
    assert trainer_cls is pose.PoseTrainer and "cfg" in str(__import__("inspect").signature(trainer_cls))
    with pytest.raises(EngineNotBuiltError, match="PoseTrainer is not built yet"):
        trainer_cls(overrides={"data": "shapes-pose.yaml"})
    assert isinstance(EngineNotBuiltError("x"), NotImplementedError)


def test_check_requirements_never_installs_and_names_the_command():
    from ultralytics_clone.utils.checks import check_requirements, check_version

    assert check_requirements("numpy>=1.0") and check_requirements(["pyyaml"])
    with pytest.raises(MissingRequirementError, match=r"pip install 'surely-not-installed-pkg>=1\.0'"):
        check_requirements(["surely-not-installed-pkg>=1.0", "numpy"], install=True)
    with pytest.raises(MissingRequirementError, match="numpy"):
        check_requirements("numpy>=999")
    assert check_requirements(["surely-not-installed-pkg"], exclude=("surely-not-installed-pkg",))
    assert check_version("1.5", ">=1.0,<2") and not check_version("2.5", ">=1.0,<2") and check_version("2.0", "==2.0")
    assert check_version("numpy", ">=1.0")  # a distribution name is looked up


def test_utils_constants_and_lazy_folders(session_dir):
    from ultralytics_clone import utils

    assert utils.WEIGHTS_DIR == session_dir / "weights" and utils.DATASETS_DIR == session_dir / "datasets"
    assert utils.RUNS_DIR == session_dir / "runs" and utils.SETTINGS_FILE == utils.SETTINGS.file
    assert utils.ASSETS.is_dir() and utils.ASSETS_URL.startswith("https://") and utils.AUTOINSTALL is False
    assert isinstance(utils.SETTINGS, utils.SettingsManager) and utils.TORCH_VERSION[0].isdigit()
    assert utils.remove_colorstr("\x1b[34mblue\x1b[0m") == "blue" and utils.url2file("https://a/b.pt?x=1") == "b.pt"


def test_yaml_and_jsondict_round_trip(tmp_path):
    from ultralytics_clone.utils import YAML, JSONDict
    from ultralytics_clone.utils.errors import ConfigError

    f = tmp_path / "d.yaml"
    YAML.save(f, {"a": 1, "p": tmp_path}, header="# top\n")
    assert f.read_text().startswith("# top") and YAML.load(f) == {"a": 1, "p": str(tmp_path)}
    assert YAML.load(f, append_filename=True)["yaml_file"] == str(f)
    with pytest.raises(ConfigError, match="not a YAML file"):
        YAML.load(tmp_path / "d.json")
    j = JSONDict(tmp_path / "j.json")
    j["k"] = [1, 2]
    j.update(z=3)
    assert JSONDict(tmp_path / "j.json") == {"k": [1, 2], "z": 3}
    j.clear()
    assert JSONDict(tmp_path / "j.json") == {}


def test_data_export_mixin_csv_json_and_df_without_pandas_message():
    import json

    from ultralytics_clone.utils import DataExportMixin

    class Rows(DataExportMixin):
        def summary(self, normalize=False, decimals=5):
            return [{"class": "a", "map": round(0.123456, decimals)}, {"class": "b", "map": 0.5}]

    r = Rows()
    assert r.to_csv(decimals=2).splitlines() == ["class,map", "a,0.12", "b,0.5"]
    assert json.loads(r.to_json())[1] == {"class": "b", "map": 0.5}
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install pandas"):
            r.to_df()
    else:
        assert list(r.to_df().columns) == ["class", "map"]


def test_torch_safe_load_is_always_restricted(tmp_path):
    import pickle

    import torch

    from ultralytics_clone.nn.tasks import torch_safe_load
    from ultralytics_clone.utils.errors import CheckpointError

    f = tmp_path / "evil.pt"
    torch.save({"x": subprocess.Popen}, f, pickle_protocol=pickle.DEFAULT_PROTOCOL)  # a global no checkpoint needs
    for safe_only in (None, False, True):
        with pytest.raises(CheckpointError):
            torch_safe_load(f, safe_only=safe_only)


def test_cfg_helpers():
    from ultralytics_clone import cfg
    from ultralytics_clone.utils.errors import ConfigError

    assert cfg.parse_key_value_pair("imgsz=640") == ("imgsz", 640) and cfg.smart_value("none") is None
    with pytest.raises(ConfigError, match="not a key=value pair"):
        cfg.parse_key_value_pair("imgsz=")
    d = {"epochs": "3", "conf": 0.5}
    cfg.check_cfg(d)
    assert d == {"epochs": 3, "conf": 0.5}
    with pytest.raises(ConfigError, match="epochs"):
        cfg.check_cfg({"epochs": "many"})
    with pytest.raises(ConfigError, match="did you mean 'imgsz'"):
        cfg.check_dict_alignment(cfg.DEFAULT_CFG_DICT, {"imgszz": 3})
    assert "epochs" in cfg.CFG_INT_KEYS and "save" in cfg.CFG_BOOL_KEYS and "yolo" in cfg.CLI_HELP_MSG


def test_package_checks_is_the_system_report_and_import_stays_light():
    code = (
        "import sys, ultralytics_clone.out_of_scope\n"  # imported first: no import cycle through utils/files.py
        "import ultralytics_clone as u, ultralytics_clone.utils, ultralytics_clone.utils.checks, "
        "ultralytics_clone.cfg\n"
        "assert callable(u.checks) and u.checks.__name__ == 'check_yolo'\n"
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_split_classify_dataset_and_bad_ratio(tmp_path):
    import cv2
    import numpy as np

    from ultralytics_clone.data.split import split_classify_dataset
    from ultralytics_clone.utils.errors import DatasetError

    for cls in ("cat", "dog"):
        (tmp_path / "src" / cls).mkdir(parents=True)
        for i in range(5):
            cv2.imwrite(str(tmp_path / "src" / cls / f"{i}.jpg"), np.zeros((16, 16, 3), np.uint8))
    out = split_classify_dataset(tmp_path / "src", train_ratio=0.8)
    assert len(list((out / "train" / "cat").iterdir())) == 4 and len(list((out / "val" / "dog").iterdir())) == 1
    with pytest.raises(DatasetError, match="train_ratio"):
        split_classify_dataset(tmp_path / "src", train_ratio=1.5)
    with pytest.raises(DatasetError, match="no class sub-folders"):
        split_classify_dataset(tmp_path / "missing")


def test_convert_dota_to_yolo_obb(tmp_path):
    import cv2
    import numpy as np

    from ultralytics_clone.data.converter import convert_dota_to_yolo_obb

    (tmp_path / "images" / "train").mkdir(parents=True)
    (tmp_path / "labels" / "train_original").mkdir(parents=True)
    cv2.imwrite(str(tmp_path / "images" / "train" / "P1.png"), np.zeros((100, 200, 3), np.uint8))
    (tmp_path / "labels" / "train_original" / "P1.txt").write_text(
        "imagesource:GoogleEarth\ngsd:0.1\n20 10 60 10 60 50 20 50 ship 0\n1 1 2 1 2 2 1 2 unknown-thing 0\n"
    )
    convert_dota_to_yolo_obb(tmp_path)
    rows = (tmp_path / "labels" / "train" / "P1.txt").read_text().split()
    assert rows == ["1", "0.1", "0.1", "0.3", "0.1", "0.3", "0.5", "0.1", "0.5"]


def test_contiguous_sampler_and_classification_names(tmp_path):
    import cv2
    import numpy as np

    from ultralytics_clone.data.build import ContiguousDistributedSampler
    from ultralytics_clone.data.dataset import ClassificationDataset
    from ultralytics_clone.utils.errors import DatasetError

    parts = [list(ContiguousDistributedSampler(range(10), num_replicas=3, rank=r)) for r in range(3)]
    assert parts == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1]]
    (tmp_path / "b").mkdir()
    cv2.imwrite(str(tmp_path / "b" / "x.jpg"), np.full((32, 32, 3), 90, np.uint8))
    ds = ClassificationDataset(tmp_path, names={0: "a", 1: "b"})
    assert ds.classes == ["a", "b"] and ds.samples[0][1] == 1
    with pytest.raises(DatasetError, match=r"\['b'\] that are not among the names"):
        ClassificationDataset(tmp_path, names=["a"])


def test_file_and_archive_helpers(tmp_path):
    import os

    from ultralytics_clone.utils.downloads import check_disk_space, delete_dsstore, unzip_file, zip_directory
    from ultralytics_clone.utils.errors import DownloadError
    from ultralytics_clone.utils.files import (
        WorkingDirectory,
        file_age,
        file_date,
        get_latest_run,
        increment_path,
        spaces_in_path,
    )

    src = tmp_path / "data set"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.txt").write_text("a")
    (src / ".DS_Store").write_text("junk")
    archive = zip_directory(src)
    out = unzip_file(archive, path=tmp_path / "out")
    assert (tmp_path / "out" / "sub" / "a.txt").read_text() == "a" and out.name == "sub" and not list((tmp_path / "out").rglob(".DS_Store"))
    delete_dsstore(src)
    assert not (src / ".DS_Store").exists()
    with spaces_in_path(src) as p:
        assert " " not in str(p)
        (p / "new.txt").write_text("n")
    assert (src / "new.txt").read_text() == "n"
    with WorkingDirectory(src):
        assert Path.cwd() == src.resolve()
    assert Path.cwd() != src.resolve()
    assert check_disk_space(1, tmp_path) and not check_disk_space(1 << 62, tmp_path, hard=False)
    with pytest.raises(DownloadError, match="not enough disk space"):
        check_disk_space(1 << 62, tmp_path)
    assert file_age(archive) == 0 and file_date(archive).count("-") == 2
    (tmp_path / "runs" / "a" / "weights").mkdir(parents=True)
    last = tmp_path / "runs" / "a" / "weights" / "last.pt"
    last.write_bytes(b"x")
    os.utime(last)
    assert get_latest_run(tmp_path / "runs") == str(last) and get_latest_run(tmp_path / "none") == ""
    (tmp_path / "exp").mkdir()
    assert increment_path(tmp_path / "exp").name == "exp-2" and increment_path(tmp_path / "exp", sep="").name == "exp2"


def test_focal_varifocal_and_rle_losses():
    import math

    import torch
    import torch.nn.functional as F

    from ultralytics_clone.utils.loss import FocalLoss, RLELoss, VarifocalLoss

    torch.manual_seed(0)
    pred, label = torch.randn(4, 3), (torch.rand(4, 3) > 0.5).float()
    bce = F.binary_cross_entropy_with_logits(pred, label, reduction="none").mean(1).sum()
    assert torch.allclose(FocalLoss(gamma=0.0, alpha=0.0)(pred, label), bce)
    assert FocalLoss()(pred, label) < bce  # easy examples are weighted down
    gt = torch.rand(4, 3) * label
    vfl = VarifocalLoss()(pred, gt, label)
    assert vfl > 0 and torch.isfinite(vfl)
    sigma, err = torch.full((2, 3, 2), 0.5), torch.zeros(2, 3, 2)
    log_phi, vis = torch.zeros(2, 3), torch.tensor([[1, 1, 0], [1, 0, 0]])
    per_kpt = 2 * math.log(0.5) + 2 * math.log(2)  # log sigma terms plus the Laplace constant, at zero error
    assert math.isclose(RLELoss()(sigma, log_phi, err, vis).item(), per_kpt, rel_tol=1e-5)
    assert math.isclose(RLELoss(size_average=False)(sigma, log_phi, err, vis).item(), 3 * per_kpt, rel_tol=1e-5)


def test_benchmark_quantize_spelling():
    from ultralytics_clone.utils.benchmarks import _precision
    from ultralytics_clone.utils.errors import ConfigError

    assert _precision(None, True, False) == (True, False) and _precision(16, False, False) == (True, False)
    assert _precision("int8", False, False) == (False, True) and _precision("fp32", True, True) == (False, False)
    with pytest.raises(ConfigError, match="quantize=4"):
        _precision(4, False, False)


def test_patches_and_results_out_of_scope_arguments(tmp_path):
    import numpy as np
    import torch

    from ultralytics_clone.cfg import get_cfg
    from ultralytics_clone.engine.results import Results
    from ultralytics_clone.utils import patches

    img = np.full((8, 8, 3), 7, np.uint8)
    f = tmp_path / "ünïcode.png"
    assert patches.imwrite(f, img) and patches.imread(f).tolist() == img.tolist()
    patches.torch_save({"w": torch.ones(2)}, tmp_path / "w.pt")
    assert torch.equal(patches.torch_load(tmp_path / "w.pt")["w"], torch.ones(2))
    torch.save({"bad": subprocess.Popen}, tmp_path / "evil.pt")
    with pytest.raises(Exception, match="(?i)weights only|unsupported global|not allowed"):
        patches.torch_load(tmp_path / "evil.pt", weights_only=False)  # never unpickles arbitrary globals
    args = get_cfg()
    with patches.override_configs(args, {"imgsz": 32}):
        assert args.imgsz == 32
    assert args.imgsz == 640
    with pytest.raises(NotInScopeError, match="semantic"):
        Results(img, "x.jpg", {0: "a"}, semantic_mask=torch.zeros(8, 8))
