"""Untrusted files never run code: checkpoints in every format and on every loading path, exported-model metadata,
data set caches. Each payload would create a marker file; the tests check it never appears and that the refusal names
the global."""

from __future__ import annotations

import io
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ultralytics_clone import YOLO
from ultralytics_clone.nn.tasks import DetectionModel, attempt_load_one_weight, torch_safe_load
from ultralytics_clone.nn.weights import load_checkpoint, probe_pickle, read_metadata, restricted_loads
from ultralytics_clone.utils.errors import CheckpointError

pytestmark = pytest.mark.usefixtures("torch_single_thread")
REFUSED = r"refusing to unpickle the global '(posix|os|nt|builtins|__builtin__)\.(system|exec)'"


class _Touch:
    """Unpickling this runs `os.system('touch <marker>')`."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch '{self.marker}'",)


class _Exec:
    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').close()",)


def _payload_files(d: Path, marker: Path) -> dict[str, Path]:
    """The same payload as a raw pickle, torch's legacy format, torch's zip format and inside a model entry."""
    files = {k: d / f"{k}.pt" for k in ("raw", "legacy", "zip", "nested", "exec")}
    files["raw"].write_bytes(pickle.dumps(_Touch(marker), protocol=2))
    torch.save({"model": _Touch(marker)}, files["legacy"], _use_new_zipfile_serialization=False)
    torch.save(_Touch(marker), files["zip"])
    torch.save({"date": "x", "model": None, "ema": {"inner": [1, _Touch(marker)]}}, files["nested"])
    torch.save({"model": _Exec(marker)}, files["exec"])
    return files


@pytest.mark.parametrize("kind", ["raw", "legacy", "zip", "nested", "exec"])
def test_payload_refused_on_every_loading_path(tmp_path, kind):
    marker = tmp_path / "pwned"
    f = _payload_files(tmp_path, marker)[kind]
    loaders = {
        "load_checkpoint": load_checkpoint,
        "YOLO facade": YOLO,
        "torch_safe_load": torch_safe_load,
        "attempt_load_one_weight": attempt_load_one_weight,
        "pretrained= (BaseModel.load)": lambda p: DetectionModel("yolo11n.yaml", nc=3, verbose=False).load(p),
        "resume": lambda p: YOLO("yolo11n.yaml").train(resume=str(p), data="shapes-det.yaml", epochs=1),
    }
    for name, load in loaders.items():
        with pytest.raises(CheckpointError, match=REFUSED):
            load(f)
        assert not marker.exists(), f"{kind} payload ran through {name}"


def test_payload_refused_by_the_cli_without_traceback(tmp_path, subprocess_env):
    marker = tmp_path / "pwned"
    f = _payload_files(tmp_path, marker)["legacy"]
    r = subprocess.run(
        [sys.executable, "-m", "ultralytics_clone.cfg.cli", "predict", f"model={f}", "source=missing.jpg"],
        capture_output=True, text=True, env=subprocess_env, timeout=120,
    )  # fmt: skip
    assert r.returncode != 0 and "Traceback" not in r.stderr + r.stdout
    assert "posix.system" in r.stderr + r.stdout or "os.system" in r.stderr + r.stdout
    assert not marker.exists()


def test_restricted_loads_and_legacy_model_checkpoint_still_load(tmp_path):
    with pytest.raises(CheckpointError, match=REFUSED):
        restricted_loads(pickle.dumps(_Touch(tmp_path / "m")))
    assert restricted_loads(pickle.dumps({"a": [1, 2.0, "x"]})) == {"a": [1, 2.0, "x"]}
    model = DetectionModel("yolo11n.yaml", nc=2, verbose=False).eval()
    torch.save({"model": model, "train_args": {"imgsz": 64}}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    loaded, ckpt = load_checkpoint(tmp_path / "old.pt")
    x = torch.rand(1, 3, 64, 64)
    torch.testing.assert_close(loaded.eval()(x)[0], model(x)[0])
    assert ckpt["train_args"] == {"imgsz": 64}
    assert not (tmp_path / "m").exists()


# ------------------------------------------------------------------------------------------------ exported metadata
def test_torchscript_extra_file_payloads_are_refused(tmp_path):
    marker = tmp_path / "pwned"
    f = tmp_path / "m.torchscript"
    bad_pickle = pickle.dumps({"names": {0: "a"}, "x": _Touch(marker)}, protocol=2)
    torch.jit.save(torch.jit.script(torch.nn.Identity()), str(f), _extra_files={"config.txt": bad_pickle})
    extra = {"config.txt": ""}
    torch.jit.load(str(f), _extra_files=extra)
    with pytest.raises(CheckpointError, match=REFUSED):
        read_metadata(extra["config.txt"], str(f))
    yaml_payload = f"names: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(CheckpointError, match="python/object/apply:os.system"):
        read_metadata(yaml_payload.encode(), "metadata.yaml")
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["pickle", "yaml tag", "python expression"])
def test_exported_model_with_payload_metadata_is_refused_by_yolo(tmp_path, kind):
    """The same payloads inside a .torchscript's config.txt, opened the way users open it: YOLO(path)."""
    marker = tmp_path / "pwned"
    f = tmp_path / "m.torchscript"
    config = {
        "pickle": pickle.dumps({"names": {0: "a"}, "task": "detect", "x": _Touch(marker)}, protocol=2),
        "yaml tag": f"task: detect\nnames: !!python/object/apply:os.system ['touch {marker}']\n".encode(),
        "python expression": f'{{"task": "detect", "names": "__import__(\'os\').system(\'touch {marker}\')"}}'.encode(),
    }[kind]
    torch.jit.save(torch.jit.script(torch.nn.Identity()), str(f), _extra_files={"config.txt": config})
    with pytest.raises(CheckpointError, match=r"system|python/object|not a plain Python literal"):
        YOLO(f, task="detect").predict(torch.zeros(1, 3, 32, 32), verbose=False)
    assert not marker.exists()


def test_onnx_style_metadata_is_parsed_as_literals_only(tmp_path):
    marker = tmp_path / "pwned"
    meta = {"stride": "32", "names": "{0: 'person', 1: 'car'}", "imgsz": "[64, 64]", "task": "detect",
            "kpt_shape": "[17, 3]", "description": "Ultralytics YOLO model"}  # fmt: skip
    out = read_metadata(meta)
    assert out["names"] == {0: "person", 1: "car"} and out["imgsz"] == [64, 64] and out["stride"] == 32
    assert out["description"] == "Ultralytics YOLO model" and out["kpt_shape"] == [17, 3]
    evil = dict(meta, names=f"__import__('os').system('touch {marker}')")
    with pytest.raises(CheckpointError, match="metadata 'names' is not a plain Python literal"):
        read_metadata(evil, "model.onnx")
    assert read_metadata('{"stride": 32, "names": {"0": "a"}}') == {"stride": 32, "names": {"0": "a"}}
    assert not marker.exists()


# ------------------------------------------------------------------------------------------------ data set caches
def _object_npy(obj) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.array(obj, dtype=object), allow_pickle=True)
    return buf.getvalue()


def test_payload_in_label_cache_is_refused_and_cache_rebuilt(shapes_data, tmp_path, data_log):
    from ultralytics_clone.cfg import get_cfg
    from ultralytics_clone.data.dataset import YOLODataset

    marker = tmp_path / "pwned"
    root = Path(shapes_data["detect"]["path"])
    for sub in ("images", "labels"):
        shutil.copytree(root / sub / "val", tmp_path / sub / "val")
    cache = tmp_path / "labels" / "val.cache"
    for blob in (pickle.dumps(_Touch(marker)), _object_npy({"labels": [_Touch(marker)]})):
        cache.write_bytes(blob)
        hyp = get_cfg(overrides={"imgsz": 64})
        ds = YOLODataset(img_path=str(tmp_path / "images" / "val"), data=shapes_data["detect"], imgsz=64, hyp=hyp)
        assert len(ds) > 0 and not marker.exists()
        assert any("unreadable" in m and "system'" in m for m in data_log), data_log[-3:]
        assert probe_pickle(cache) is None  # rebuilt as a pickle-free cache
        data_log.clear()


def test_payload_in_classification_cache_is_refused(shapes_data, tmp_path, data_log):
    from ultralytics_clone.cfg import get_cfg
    from ultralytics_clone.data.dataset import ClassificationDataset

    marker = tmp_path / "pwned"
    shutil.copytree(Path(shapes_data["classify"]["val"]), tmp_path / "val")
    (tmp_path / "val.cache").write_bytes(pickle.dumps(_Touch(marker)))
    ds = ClassificationDataset(root=tmp_path / "val", args=get_cfg(overrides={"imgsz": 32}))
    assert len(ds) > 0 and not marker.exists()
    assert any("system'" in m for m in data_log)


def test_allocation_bombs_are_refused_quickly(tmp_path):
    """A forged memo index (the C unpickler would size an array by it) and bytearray(huge) cost nothing."""
    import struct
    import time

    class _Bomb:
        def __reduce__(self):
            return bytearray, (10**13,)

    memo_bomb = b"\x80\x02N" + b"r" + struct.pack("<I", 0xFFFFFFF0) + b"."
    (tmp_path / "memo.pt").write_bytes(memo_bomb)
    (tmp_path / "alloc.pt").write_bytes(pickle.dumps({"model": _Bomb()}, protocol=2))
    start = time.perf_counter()
    with pytest.raises(CheckpointError, match="Invalid magic number"):  # read as a pickle, memo index and all
        load_checkpoint(tmp_path / "memo.pt")
    with pytest.raises(CheckpointError, match=r"refusing bytearray\(10000000000000\)"):
        load_checkpoint(tmp_path / "alloc.pt")
    assert time.perf_counter() - start < 20  # generous: only an actual multi-GB allocation takes long
