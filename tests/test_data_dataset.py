"""YOLODataset per task, collate output, fraction/single_cls/classes/rect, odd images and paths; classification."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from ultralytics_clone.cfg import get_cfg
from ultralytics_clone.data.build import build_dataloader, build_yolo_dataset
from ultralytics_clone.data.dataset import ClassificationDataset, YOLODataset
from ultralytics_clone.data.utils import imread
from ultralytics_clone.utils.errors import DatasetError

IMGSZ = 96


def _ds(data: dict, task: str, split: str = "val", augment: bool = False, **kw) -> YOLODataset:
    hyp = get_cfg(overrides={"task": task, "imgsz": IMGSZ})
    return YOLODataset(img_path=data[split], data=data, task=task, imgsz=IMGSZ, augment=augment, hyp=hyp, **kw)


@pytest.mark.parametrize("task", ["detect", "segment", "pose", "obb"])
@pytest.mark.parametrize("augment", [False, True])
def test_collate_has_what_the_loss_needs(shapes_data, task, augment):
    data = shapes_data[task]
    ds = _ds(data, task, augment=augment, batch_size=4)
    assert len(ds) == 16 and all(lb["bboxes"].dtype == np.float32 for lb in ds.labels)
    batch = next(iter(build_dataloader(ds, 4, 0, shuffle=False)))
    img = batch["img"]
    assert img.dtype == torch.uint8 and img.shape == (4, 3, IMGSZ, IMGSZ)
    n = len(batch["cls"])
    assert n > 0 and batch["cls"].shape == (n, 1) and batch["batch_idx"].shape == (n,)
    assert batch["batch_idx"].dtype.is_floating_point and set(batch["batch_idx"].tolist()) <= {0.0, 1.0, 2.0, 3.0}
    assert batch["bboxes"].shape == (n, 5 if task == "obb" else 4)
    assert len(batch["im_file"]) == 4 and len(batch["ori_shape"]) == 4
    if task == "segment":  # overlap masks: one (H/4, W/4) map per image whose values index that image's instances
        assert batch["masks"].shape == (4, IMGSZ // 4, IMGSZ // 4)
        for i in range(4):
            assert int(batch["masks"][i].max()) <= int((batch["batch_idx"] == i).sum())
    if task == "pose":
        assert batch["keypoints"].shape == (n, 4, 3)
    if not augment:  # without augmentation every label row of every image reaches the batch
        counts = [len(ds.labels[i]["cls"]) for i in range(4)]
        assert [int((batch["batch_idx"] == i).sum()) for i in range(4)] == counts


def test_obb_corners_become_xywhr(shapes_data):
    ds = _ds(shapes_data["obb"], "obb", batch_size=2)
    sample = ds[0]
    lb = ds.labels[0]
    corners = lb["segments"][0] * (lb["shape"][1], lb["shape"][0])  # pixels of the original image
    side = np.linalg.norm(corners[1] - corners[0]), np.linalg.norm(corners[2] - corners[1])
    h0, w0 = lb["shape"]
    r = IMGSZ / max(h0, w0)
    w, h = sorted((float(sample["bboxes"][0, 2]) * IMGSZ, float(sample["bboxes"][0, 3]) * IMGSZ))
    np.testing.assert_allclose([w, h], sorted(s * r for s in side), rtol=0.02)


def test_fraction_single_cls_classes(shapes_data):
    data = shapes_data["detect"]
    assert len(_ds(data, "detect", "train", fraction=0.5)) == 16
    one = _ds(data, "detect", single_cls=True)
    assert all(set(lb["cls"].ravel().tolist()) <= {0.0} for lb in one.labels)
    assert sum(len(lb["cls"]) for lb in one.labels) == sum(len(lb["cls"]) for lb in _ds(data, "detect").labels)
    only = _ds(data, "detect", classes=[1])
    assert len(only) == 16 and all(set(lb["cls"].ravel().tolist()) <= {1.0} for lb in only.labels)
    assert any(len(lb["cls"]) for lb in only.labels)
    seg = _ds(shapes_data["segment"], "segment", classes=[2])
    assert all(len(lb["segments"]) == len(lb["cls"]) for lb in seg.labels)
    with pytest.raises(DatasetError, match="fraction"):
        _ds(data, "detect", fraction=1.5)


def test_rect_batches_share_a_stride_multiple_shape(shapes_data):
    ds = _ds(shapes_data["detect"], "detect", rect=True, batch_size=4, stride=32, pad=0.5)
    ars = [lb["shape"][0] / lb["shape"][1] for lb in ds.labels]
    assert ars == sorted(ars)
    assert ds.batch_shapes.shape == (4, 2) and (ds.batch_shapes % 32 == 0).all()
    assert {tuple(s) for s in ds.batch_shapes.tolist()} != {(IMGSZ, IMGSZ)}  # 128x160 images give non-square batches
    for i, batch in enumerate(build_dataloader(ds, 4, 0, shuffle=False)):
        assert tuple(batch["img"].shape[2:]) == tuple(ds.batch_shapes[i])


def _write_odd_images(root: Path) -> Path:
    """A folder with grayscale, RGBA and 16-bit PNGs (each with one box) under a path with spaces and non-ASCII."""
    img_dir, lbl_dir = root / "images" / "train", root / "labels" / "train"
    img_dir.mkdir(parents=True)
    lbl_dir.mkdir(parents=True)
    yy, xx = np.mgrid[0:60, 0:80]
    gray = ((xx * 3) % 256).astype(np.uint8)
    images = {
        "gray ü.png": gray,
        "rgba 数据.png": np.dstack([gray, gray // 2, 255 - gray, np.full_like(gray, 128)]),
        "sixteen bit.png": (yy * 1000).astype(np.uint16),
        "plain é.jpg": np.dstack([gray] * 3),
    }
    for name, im in images.items():
        ok, buf = cv2.imencode(Path(name).suffix, im)
        buf.tofile(str(img_dir / name))
        (lbl_dir / f"{Path(name).stem}.txt").write_text("0 0.5 0.5 0.25 0.25\n", encoding="utf-8")
    return img_dir


def test_gray_rgba_16bit_and_unicode_paths_load_as_bgr_uint8(tmp_path, shapes_data):
    img_dir = _write_odd_images(tmp_path / "my data sets" / "ünïcode 集")
    for f in img_dir.iterdir():
        im = imread(f)
        assert im.dtype == np.uint8 and im.shape == (60, 80, 3), f.name
    sixteen = imread(img_dir / "sixteen bit.png")
    assert sixteen[59, 0, 0] == (59 * 1000) >> 8
    data = {"names": {0: "thing"}, "nc": 1}
    ds = YOLODataset(img_path=str(img_dir), data=data, task="detect", imgsz=64, augment=False,
                     hyp=get_cfg(overrides={"imgsz": 64}))  # fmt: skip
    assert len(ds) == 4
    batch = next(iter(build_dataloader(ds, 4, 0, shuffle=False)))
    assert batch["img"].shape == (4, 3, 64, 64) and len(batch["cls"]) == 4
    assert (Path(shapes_data["detect"]["path"]) / "labels" / "train.cache").exists()


def test_txt_list_and_folder_list_sources(shapes_data, tmp_path):
    data = shapes_data["detect"]
    files = sorted(Path(data["val"]).glob("*.jpg"))[:5]
    lst = tmp_path / "subset.txt"
    lst.write_text("\n".join(str(f) for f in files) + "\n")
    assert len(_ds({**data, "val": str(lst)}, "detect")) == 5
    both = YOLODataset(img_path=[data["train"], data["val"]], data=data, imgsz=IMGSZ, augment=False,
                       hyp=get_cfg(overrides={"imgsz": IMGSZ}))  # fmt: skip
    assert len(both) == 48
    with pytest.raises(DatasetError, match="does not exist"):
        YOLODataset(img_path=str(tmp_path / "nope"), data=data, imgsz=IMGSZ, augment=False)


@pytest.mark.parametrize("cache", ["ram", "disk"])
def test_image_cache(shapes_data, tmp_path, cache):
    src = Path(shapes_data["detect"]["path"])
    for sub in ("images", "labels"):
        shutil.copytree(src / sub / "val", tmp_path / sub / "val")
    data = shapes_data["detect"]
    plain = _ds({**data, "val": str(tmp_path / "images" / "val")}, "detect")
    cached = _ds({**data, "val": str(tmp_path / "images" / "val")}, "detect", cache=cache)
    assert cached.cache == cache
    if cache == "ram":
        assert all(im is not None for im in cached.ims)
    else:
        assert len(list((tmp_path / "images" / "val").glob("*.npy"))) == 16
    for i in (0, 7):
        torch.testing.assert_close(cached[i]["img"], plain[i]["img"])


def test_ram_cache_falls_back_when_memory_is_short(shapes_data, monkeypatch, data_log):
    from ultralytics_clone.data import base

    monkeypatch.setattr(base, "available_memory", lambda: 1000)
    ds = _ds(shapes_data["detect"], "detect", cache=True)
    assert ds.cache is None and any("not caching" in m for m in data_log)


def test_build_yolo_dataset_follows_cfg(shapes_data):
    cfg = get_cfg(overrides={"task": "pose", "imgsz": IMGSZ, "fraction": 0.25, "rect": False})
    train = build_yolo_dataset(cfg, shapes_data["pose"]["train"], 4, shapes_data["pose"], mode="train")
    val = build_yolo_dataset(cfg, shapes_data["pose"]["val"], 4, shapes_data["pose"], mode="val", rect=True)
    assert len(train) == 8 and train.augment and not val.augment and val.rect and len(val) == 16
    train.close_mosaic(cfg)
    assert not any(type(t).__name__ == "Mosaic" and getattr(t, "p", 0) > 0 for t in train.transforms.tolist())


def test_classification_dataset(shapes_data, tmp_path, data_log):
    cls = shapes_data["classify"]
    assert cls["nc"] == 3 and cls["names"] == {0: "circle", 1: "square", 2: "triangle"}
    args = get_cfg(overrides={"task": "classify", "imgsz": 64})
    for augment in (False, True):
        ds = ClassificationDataset(root=cls["train"], args=args, augment=augment, prefix="train: ")
        assert len(ds) == 30
        item = ds[0]
        assert item["img"].shape == (3, 64, 64) and item["img"].dtype == torch.float32 and item["cls"] == 0
    shutil.copytree(cls["val"], tmp_path / "val")
    (tmp_path / "val" / "square" / "bad.jpg").write_bytes(b"\x00garbage")
    ds = ClassificationDataset(root=tmp_path / "val", args=args)
    assert len(ds) == 15 and any("bad.jpg" in m for m in data_log)
    batch = next(iter(build_dataloader(ds, 5, 0)))
    assert batch["img"].shape == (5, 3, 64, 64) and batch["cls"].shape == (5,)
