"""auto_annotate and yolo_bbox2segment: a reference-trained detector and the MobileSAM fixture label images."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from ultralytics_clone.cfg import get_cfg
from ultralytics_clone.data.annotator import auto_annotate
from ultralytics_clone.data.converter import yolo_bbox2segment
from ultralytics_clone.data.dataset import YOLODataset
from ultralytics_clone.models.sam import SAM
from ultralytics_clone.utils.errors import SourceError
from ultralytics_clone.utils.settings import SETTINGS


@pytest.fixture(scope="module")
def weights_in_dir(fixtures_dir):
    """yolo11n.pt and mobile_sam.pt in weights_dir, as if the user had downloaded them once."""
    wdir = Path(SETTINGS["weights_dir"])
    wdir.mkdir(parents=True, exist_ok=True)
    placed = [wdir / "yolo11n.pt", wdir / "mobile_sam.pt"]
    shutil.copy(fixtures_dir / "yolo11n.pt", placed[0])
    shutil.copy(fixtures_dir.parent / "sam" / "random_mobile_sam.pt", placed[1])
    yield
    for p in placed:
        p.unlink(missing_ok=True)


def _images(root: Path, fixtures_dir: Path) -> Path:
    images = root / "new data" / "images"
    images.mkdir(parents=True)
    shutil.copy(fixtures_dir / "sample_detect.jpg", images / "shapes.jpg")
    cv2.imwrite(str(images / "blank.png"), np.full((96, 128, 3), 40, np.uint8))
    (images / "broken.jpg").write_bytes(b"not a jpeg")
    return images


def test_seed_auto_annotate_writes_labels_the_segment_loader_reads(weights_in_dir, fixtures_dir, tmp_path, caplog):
    images = _images(tmp_path, fixtures_dir)
    labels = images.parent / "labels"
    auto_annotate(  # seed 004, with a local folder and the CPU
        data=str(images),
        det_model="yolo11n.pt",
        sam_model="mobile_sam.pt",
        device="cpu",
        output_dir=str(labels),
    )
    assert sorted(p.name for p in labels.iterdir()) == ["blank.txt", "shapes.txt"]  # broken.jpg reported, skipped
    assert "broken.jpg" in caplog.text
    assert labels.joinpath("blank.txt").read_text() == ""
    rows = [r.split() for r in labels.joinpath("shapes.txt").read_text().splitlines()]
    assert rows and all(len(r) >= 7 and len(r) % 2 == 1 for r in rows)
    assert {int(r[0]) for r in rows} <= {0, 1, 2}
    (images / "broken.jpg").unlink()
    ds = YOLODataset(img_path=str(images), data={"names": {0: "circle", 1: "square", 2: "triangle"}, "nc": 3},
                     task="segment", imgsz=64, augment=False, hyp=get_cfg(overrides={"imgsz": 64}))  # fmt: skip
    by_name = {Path(lb["im_file"]).name: lb for lb in ds.labels}
    assert len(by_name["shapes.jpg"]["segments"]) == len(rows)
    assert len(by_name["blank.png"]["cls"]) == 0


def test_auto_annotate_bad_folder_is_one_sentence(tmp_path):
    with pytest.raises(SourceError, match="not a folder"):
        auto_annotate(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no images"):
        auto_annotate(tmp_path / "empty")


def test_yolo_bbox2segment_keeps_classes_and_polygons(fixtures_dir, tmp_path):
    images = tmp_path / "data" / "images"
    labels = tmp_path / "data" / "labels"
    images.mkdir(parents=True)
    labels.mkdir()
    shutil.copy(fixtures_dir / "sample_detect.jpg", images / "a.jpg")
    shutil.copy(fixtures_dir / "sample_detect.jpg", images / "b.jpg")
    labels.joinpath("a.txt").write_text("2 0.5 0.5 0.25 0.25\n0 0.2 0.75 0.2 0.2\n")
    labels.joinpath("b.txt").write_text("1 0.1 0.1 0.2 0.1 0.2 0.2\n")  # already a polygon: copied
    sam = SAM(str(fixtures_dir.parent / "sam" / "random_mobile_sam.pt"))
    out = yolo_bbox2segment(im_dir=str(images), save_dir=None, sam_model=sam)
    assert out == tmp_path / "data" / "labels-segment"
    rows = [r.split() for r in (out / "a.txt").read_text().splitlines()]
    assert [r[0] for r in rows] == ["2", "0"] and all(len(r) >= 7 for r in rows)
    coords = np.array([float(v) for r in rows for v in r[1:]])
    assert coords.min() >= 0 and coords.max() <= 1
    assert (out / "b.txt").read_text() == labels.joinpath("b.txt").read_text()
