"""Label checks: deliberate corruption of every kind, counts and summary, no bad sample in a batch; the .cache file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from ultralytics_clone.cfg import get_cfg
from ultralytics_clone.data import label_cache
from ultralytics_clone.data.build import build_dataloader
from ultralytics_clone.data.dataset import YOLODataset


def _copy_split(data: dict, dest: Path, split: str = "train") -> Path:
    """Copy images/<split> and labels/<split> of a built-in set to dest; returns dest/images/<split>."""
    root = Path(data["path"])
    for sub in ("images", "labels"):
        shutil.copytree(root / sub / split, dest / sub / split)
    return dest / "images" / split


def _dataset(img_dir: Path, data: dict, task: str = "detect", augment: bool = False, **kw) -> YOLODataset:
    hyp = get_cfg(overrides={"task": task, "imgsz": 96})
    return YOLODataset(
        img_path=str(img_dir), data=data, task=task, imgsz=96, augment=augment, hyp=hyp, batch_size=4, **kw
    )


def _corrupt_detect(img_dir: Path) -> dict[str, str]:
    """Apply every kind of damage to a copy of shapes-det; returns {file stem: expected outcome}."""
    lbl = img_dir.parent.parent / "labels" / img_dir.name
    jpg = img_dir / "train_0000.jpg"
    raw = jpg.read_bytes()
    jpg.write_bytes(raw[: int(len(raw) * 0.6)])  # truncated but decodable -> repaired
    (img_dir / "train_0001.jpg").write_bytes(os.urandom(3000))  # garbage -> corrupt
    (lbl / "train_0002.txt").write_text("0 -0.1 0.5 0.2 0.2\n")  # negative coordinate -> corrupt
    (lbl / "train_0003.txt").write_text("0 0.5 0.5 0.2\n")  # 4 columns -> corrupt
    first = (lbl / "train_0004.txt").read_text().splitlines()
    (lbl / "train_0004.txt").write_text("\n".join(first + [first[0], first[0]]) + "\n")  # duplicates -> removed
    (lbl / "train_0005.txt").write_text("1 50 60 20 20\n")  # pixels, not normalised -> corrupt
    (lbl / "train_0006.txt").unlink()  # missing -> background
    (lbl / "train_0007.txt").write_text("")  # empty -> background
    (lbl / "train_0008.txt").write_text("7 0.5 0.5 0.2 0.2\n")  # class 7 with nc=3 -> corrupt
    return {"dup_rows": str(len(first))}


def test_corrupt_files_counted_reported_and_never_batched(shapes_data, tmp_path, data_log):
    img_dir = _copy_split(shapes_data["detect"], tmp_path / "det")
    info = _corrupt_detect(img_dir)
    ds = _dataset(img_dir, shapes_data["detect"])
    assert len(ds) == 32 - 5
    summary = [m for m in data_log if "32 images, 2 backgrounds, 5 corrupt" in m]
    assert len(summary) == 1
    for stem, words in [("train_0001", "unreadable image"), ("train_0002", "negative"), ("train_0003", "columns"),
                        ("train_0005", "normalised"), ("train_0008", "class 7"), ("train_0000", "repaired"),
                        ("train_0004", "2 duplicate rows removed")]:  # fmt: skip
        assert any(stem in m and words in m for m in data_log), (stem, words)
    bad = {f"train_000{i}.jpg" for i in (1, 2, 3, 5, 8)}
    assert not bad & {Path(f).name for f in ds.im_files}
    by_name = {Path(lb["im_file"]).name: lb for lb in ds.labels}
    assert len(by_name["train_0004.jpg"]["cls"]) == int(info["dup_rows"])
    assert len(by_name["train_0006.jpg"]["cls"]) == 0 and len(by_name["train_0007.jpg"]["cls"]) == 0
    assert (img_dir / "train_0000.jpg").read_bytes()[-2:] == b"\xff\xd9"  # re-saved as a complete JPEG
    for augment in (False, True):
        seen = set()
        for batch in build_dataloader(_dataset(img_dir, shapes_data["detect"], augment=augment), 8, 0):
            seen |= {Path(f).name for f in batch["im_file"]}
            assert batch["img"].dtype.is_floating_point is False and batch["img"].shape[1] == 3
            b = batch["bboxes"]
            assert bool(((b >= 0) & (b <= 1)).all()) and bool(batch["cls"].lt(3).all())
        assert not seen & bad and len(seen) == 27


@pytest.mark.parametrize(
    "task,line,why",
    [("segment", "0 0.1 0.1 0.5 0.1 0.3\n", "columns"), ("pose", "0 0.5 0.5 0.2 0.2 0.4 0.4 2\n", "columns"),
     ("obb", "0 0.1 0.1 0.5 0.1 0.5 0.5 0.1\n", "columns"),
     ("obb", "0 0.1 0.1 1.5 0.1 0.5 0.5 0.1 0.5\n", "normalised")],
)  # fmt: skip
def test_bad_rows_per_task(shapes_data, tmp_path, data_log, task, line, why):
    data = shapes_data[task]
    img_dir = _copy_split(data, tmp_path / task, "val")
    (img_dir.parent.parent / "labels" / "val" / "val_0000.txt").write_text(line)
    ds = _dataset(img_dir, data, task)
    assert len(ds) == 15
    assert any("val_0000" in m and why in m for m in data_log)
    assert any("16 images, 0 backgrounds, 1 corrupt" in m for m in data_log)


def test_cache_written_reused_and_invalidated(shapes_data, tmp_path, data_log, monkeypatch):
    img_dir = _copy_split(shapes_data["detect"], tmp_path / "det", "val")
    lbl_dir = img_dir.parent.parent / "labels" / "val"
    first = _dataset(img_dir, shapes_data["detect"])
    cache = lbl_dir.with_suffix(".cache")
    assert cache.is_file()

    calls = []
    real_scan = label_cache.scan_labels
    monkeypatch.setattr(label_cache, "scan_labels", lambda *a, **k: calls.append(1) or real_scan(*a, **k))
    again = _dataset(img_dir, shapes_data["detect"])
    assert calls == [] and len(again) == len(first)
    for a, b in zip(first.labels, again.labels):
        assert a["im_file"] == b["im_file"] and a["shape"] == b["shape"]
        np.testing.assert_array_equal(a["bboxes"], b["bboxes"])
        np.testing.assert_array_equal(a["cls"], b["cls"])

    lb = lbl_dir / "val_0001.txt"
    lb.write_text("2 0.5 0.5 0.25 0.25\n")  # modified label -> stale cache
    changed = _dataset(img_dir, shapes_data["detect"])
    assert calls == [1] and any("stale" in m for m in data_log)
    assert [lab for lab in changed.labels if lab["im_file"].endswith("val_0001.jpg")][0]["cls"].tolist() == [[2.0]]

    st = lb.stat()
    os.utime(lb, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # touch only -> rebuilt too
    _dataset(img_dir, shapes_data["detect"])
    assert calls == [1, 1]

    cache.write_bytes(b"not an npz file at all")  # damaged -> rebuilt, never trusted
    _dataset(img_dir, shapes_data["detect"])
    assert calls == [1, 1, 1] and any("unreadable" in m for m in data_log)
    assert label_cache.load_cache(cache, "wrong key") is None


def test_segment_and_pose_labels_parsed(shapes_data):
    seg = shapes_data["segment"]
    lb_file = Path(seg["path"]) / "labels" / "val" / "val_0000.txt"
    im_file = str(Path(seg["path"]) / "images" / "val" / "val_0000.jpg")
    r = label_cache.check_image_label(im_file, str(lb_file), "segment", 3)
    rows = [list(map(float, s.split())) for s in lb_file.read_text().splitlines()]
    assert r.status == "ok" and len(r.label["segments"]) == len(rows)
    np.testing.assert_allclose(r.label["segments"][0].ravel(), rows[0][1:], atol=1e-6)
    seg0 = r.label["segments"][0]
    lo, hi = seg0.min(0), seg0.max(0)
    np.testing.assert_allclose(r.label["bboxes"][0], [*(lo + hi) / 2, *(hi - lo)], atol=1e-6)
    pose = shapes_data["pose"]
    im_file = str(Path(pose["path"]) / "images" / "val" / "val_0000.jpg")
    r = label_cache.check_image_label(im_file, im_file.replace("images", "labels")[:-4] + ".txt", "pose", 1, [4, 3])
    assert r.label["keypoints"].shape[1:] == (4, 3) and r.label["keypoints"].dtype == np.float32
