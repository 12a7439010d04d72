"""Files a run writes are readable by others (umask modes), folders appear only when something goes in them, and a
checkpoint write killed half-way leaves nothing behind once the run is resumed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ultralytics_clone import YOLO
from ultralytics_clone.cfg.cli import entrypoint
from ultralytics_clone.utils.files import atomic_open, atomic_write, remove_partial_writes

pytestmark = pytest.mark.usefixtures("torch_single_thread")
TINY = {"data": "shapes-det.yaml", "imgsz": 32, "batch": 8, "workers": 0, "plots": False}


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.fixture(scope="module")
def tiny_yaml(tmp_path_factory) -> str:
    import yaml

    from ultralytics_clone.nn.tasks import MODELS_DIR

    cfg = yaml.safe_load((MODELS_DIR / "11" / "yolo11.yaml").read_text())
    cfg.update(scales={"n": [0.33, 0.0625, 128]}, scale="n")
    f = tmp_path_factory.mktemp("cfg") / "tiny11.yaml"
    f.write_text(yaml.safe_dump(cfg))
    return str(f)


def test_atomic_write_honours_umask_and_stays_atomic(tmp_path):
    old = os.umask(0o027)
    try:
        assert _mode(atomic_write(tmp_path / "a.txt", "x")) == 0o640
        os.umask(0o022)
        assert _mode(atomic_write(tmp_path / "b.txt", "x")) == 0o644
        os.chmod(tmp_path / "a.txt", 0o600)  # replacing a file keeps its mode
        assert _mode(atomic_write(tmp_path / "a.txt", "y")) == 0o600
    finally:
        os.umask(old)
    with pytest.raises(RuntimeError):
        with atomic_open(tmp_path / "b.txt") as f:
            f.write(b"half")
            raise RuntimeError("killed")
    assert (tmp_path / "b.txt").read_text() == "x" and not list(tmp_path.glob(".*.tmp"))
    (tmp_path / ".last.pt.k1x.tmp").write_bytes(b"partial")
    (tmp_path / ".other").write_bytes(b"kept")
    assert remove_partial_writes(tmp_path, "last.pt") == [tmp_path / ".last.pt.k1x.tmp"]
    assert (tmp_path / ".other").exists()


def test_resume_from_cli_clears_killed_write_and_run_files_are_readable(tmp_path, tiny_yaml, umask_022):
    model = YOLO(tiny_yaml)

    def interrupt(trainer):
        if trainer.epoch == 0:
            raise KeyboardInterrupt

    model.add_callback("on_fit_epoch_end", interrupt)
    with pytest.raises(KeyboardInterrupt):
        model.train(epochs=2, project=str(tmp_path), name="r", **TINY)
    wdir = tmp_path / "r" / "weights"
    leftover = wdir / ".last.pt.a1b2c3.tmp"  # what a save killed half-way leaves
    leftover.write_bytes(b"\x80partial")
    entrypoint(f"train resume model={wdir / 'last.pt'}")  # the reference's documented form
    assert not leftover.exists()
    assert len((tmp_path / "r" / "results.csv").read_text().strip().splitlines()) == 3  # header + 2 epochs
    files = [p for p in (tmp_path / "r").rglob("*") if p.is_file()]
    assert {"args.yaml", "results.csv", "last.pt", "best.pt"} <= {p.name for p in files}
    assert {p.name: oct(_mode(p)) for p in files if _mode(p) != 0o644} == {}


def test_standalone_val_without_outputs_leaves_no_folder(tmp_path, fixtures_dir):
    model = YOLO(fixtures_dir / "yolo11n.pt")
    model.val(project=str(tmp_path / "proj"), name="v", **dict(TINY, imgsz=64))
    assert not (tmp_path / "proj").exists()
    model.val(project=str(tmp_path / "proj"), name="v", save_json=True, **dict(TINY, imgsz=64))
    assert [p.name for p in (tmp_path / "proj").iterdir()] == ["v"]
    assert (tmp_path / "proj" / "v" / "predictions.json").is_file()


@pytest.mark.parametrize("problem", ["missing data yaml", "empty image folder"])
def test_run_failing_before_its_first_epoch_leaves_no_run_folder(tmp_path, tiny_yaml, problem):
    from ultralytics_clone.utils.errors import DatasetError

    if problem == "missing data yaml":
        data = str(tmp_path / "no-such-set.yaml")
    else:
        (tmp_path / "set" / "images" / "train").mkdir(parents=True)
        (tmp_path / "set" / "images" / "val").mkdir(parents=True)
        data = str(tmp_path / "empty.yaml")
        Path(data).write_text(f"path: {tmp_path / 'set'}\ntrain: images/train\nval: images/val\nnames: {{0: a}}\n")
    with pytest.raises(DatasetError):
        YOLO(tiny_yaml).train(epochs=1, project=str(tmp_path / "proj"), name="t", **dict(TINY, data=data))
    assert not (tmp_path / "proj" / "t").exists()  # (an empty project folder may stay)
