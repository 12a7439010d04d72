"""models.yolo: YOLO built from YAML for every task, Ultralytics checkpoints through the facade, the task map."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from ultralytics_clone import YOLO
from ultralytics_clone.models.yolo import _engines
from ultralytics_clone.nn.weights import load_checkpoint

TASK_YAMLS = {
    "detect": "yolo11n.yaml",
    "segment": "yolo11n-seg.yaml",
    "classify": "yolo11n-cls.yaml",
    "pose": "yolo11n-pose.yaml",
    "obb": "yolo11n-obb.yaml",
}
FIXTURE_TASKS = {
    "yolov8n": "detect",
    "yolo11n": "detect",
    "yolo26n": "detect",
    "yolo11n-seg": "segment",
    "yolo11n-pose": "pose",
    "yolo11n-obb": "obb",
    "yolo11n-cls": "classify",
}
SHAPES = {0: "circle", 1: "square", 2: "triangle"}
FIXTURE_NAMES = {name: SHAPES for name in FIXTURE_TASKS} | {"yolo11n-pose": {0: "shape"}, "yolo11n-obb": {0: "plate"}}


def _first(out):
    """The tensor a fixture's .output.npy holds: the first element of an eval-mode output."""
    return out[0] if isinstance(out, (tuple, list)) else out


@pytest.mark.parametrize("task,cfg", TASK_YAMLS.items())
def test_yaml_builds_each_task(task, cfg):
    model = YOLO(cfg)
    assert model.task == task and model.cfg == cfg and model.ckpt == {} and model.ckpt_path is None
    assert isinstance(model.model, torch.nn.Module) and model.is_pytorch_model
    assert model.overrides == {"model": cfg, "task": task}
    assert model.model.args["task"] == task and model.model.args["imgsz"] == 640
    assert isinstance(model.names, dict) and len(model.names) == model.model.yaml["nc"]
    model.model.eval()
    with torch.no_grad():
        out = _first(model.model(torch.rand(1, 3, 64, 64)))
    if task == "classify":
        assert out.shape == (1, len(model.names))
        torch.testing.assert_close(out.sum(1), torch.ones(1))
    else:
        anchors = 8 * 8 + 4 * 4 + 2 * 2  # strides 8, 16, 32 at 64 px
        assert out.shape[0] == 1 and out.shape[2] == anchors


def test_scale_comes_from_the_file_name():
    n, s = YOLO("yolo11n-seg.yaml"), YOLO("yolo11s-seg.yaml")
    assert n.task == s.task == "segment"
    params = [sum(p.numel() for p in m.model.parameters()) for m in (n, s)]
    assert params[1] > 3 * params[0]
    assert s.model.yaml.get("scale") == "s"


def test_task_argument_wins_over_guessing():
    assert YOLO("yolo11n.yaml", task="detect").task == "detect"
    with pytest.raises(ValueError, match="task='depth'.*detect, segment"):
        YOLO("yolo11n.yaml", task="depth")


@pytest.mark.parametrize("name,task", FIXTURE_TASKS.items())
def test_ultralytics_checkpoints_through_the_facade(fixtures_dir, name, task):
    path = fixtures_dir / f"{name}.pt"
    model = YOLO(path)
    assert model.task == task and model.names == FIXTURE_NAMES[name]
    assert model.ckpt_path == str(path) and model.ckpt["train_args"]["epochs"] > 0
    assert model.overrides == {"imgsz": 256, "data": model.ckpt["train_args"]["data"], "task": task,
                               "single_cls": False, "model": str(path)}  # fmt: skip
    x = torch.from_numpy(np.load(fixtures_dir / "input.npy"))
    reference, _ = load_checkpoint(path)
    with torch.no_grad():
        ours = _first(model.model.float().eval()(x))
        theirs = _first(reference.float().eval()(x))
    assert torch.equal(ours, theirs)
    expected = torch.from_numpy(np.load(fixtures_dir / f"{name}.output.npy"))
    tol = 1e-4 * max(1.0, expected.abs().max().item())
    assert ours.shape == expected.shape and (ours - expected).abs().max().item() <= tol


def test_task_map_lists_every_task_and_kind():
    task_map = YOLO("yolo11n.yaml").task_map
    assert set(task_map) == {"detect", "segment", "classify", "pose", "obb"}
    for task, entry in task_map.items():
        assert set(entry) == {"model", "trainer", "validator", "predictor"}
        assert entry["model"].__name__.endswith("Model")
        for kind in ("trainer", "validator", "predictor"):
            engine = entry[kind]
            assert engine is None or engine.__name__ == _engines.ENGINE_PREFIX[task] + kind.capitalize()


def test_load_engine_distinguishes_missing_module_from_broken_one(tmp_path, monkeypatch):
    pkg = tmp_path / "fake_engines_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "broken.py").write_text("import fake_engines_pkg.not_there_either\n")
    (pkg / "good.py").write_text("class Thing:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _engines.load_engine("fake_engines_pkg.absent", "Thing") is None
    assert _engines.load_engine("no_such_top_level_pkg.train", "Thing") is None
    assert _engines.load_engine("fake_engines_pkg.good", "Thing").__name__ == "Thing"
    with pytest.raises(ModuleNotFoundError, match="not_there_either"):
        _engines.load_engine("fake_engines_pkg.broken", "Thing")


def test_task_packages_export_only_existing_engines():
    import importlib

    from ultralytics_clone.models.yolo import detect

    detect = importlib.reload(detect)  # engine files may have appeared since the first import
    folder = Path(detect.__file__).parent
    for module, suffix in _engines.ENGINE_KINDS.values():
        name = f"Detection{suffix}"
        exists = (folder / f"{module}.py").is_file()
        assert (name in detect.__all__) == exists
        if not exists:
            with pytest.raises(AttributeError, match="later"):
                getattr(detect, name)


def test_import_is_lazy():
    code = textwrap.dedent(
        """
        import sys
        import ultralytics_clone, ultralytics_clone.models, ultralytics_clone.models.yolo
        from ultralytics_clone.models.yolo import detect, segment, classify, pose, obb
        assert "torch" not in sys.modules, "importing the model packages loaded torch"
        from ultralytics_clone import YOLO
        from ultralytics_clone.models import YOLO as Y2
        from ultralytics_clone.models.yolo.model import YOLO as Y3
        assert YOLO is Y2 is Y3
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
