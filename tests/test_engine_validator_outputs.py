"""Every val output of seed 004's table: plots, save_txt/save_conf, save_json with the official COCO evaluator,
split, classes, single_cls; validator.log() (seed 004's on_val_end example) in val results and in results.csv."""

from __future__ import annotations

import csv
import json
import re
import shutil
import textwrap
from pathlib import Path

import cv2
import pytest

from ultralytics_clone import YOLO
from ultralytics_clone.data.checks import check_det_dataset


@pytest.fixture(scope="module")
def coco_style_set(tmp_path_factory) -> Path:
    """A copy of shapes-det with annotations/instances_val.json made from its val labels; returns its yaml."""
    src = Path(check_det_dataset("shapes-det.yaml")["path"])
    root = tmp_path_factory.mktemp("cocoish") / "shapes"
    shutil.copytree(src, root, ignore=shutil.ignore_patterns("*.cache"))
    images, anns = [], []
    for k, f in enumerate(sorted((root / "images" / "val").glob("*.jpg"))):
        h, w = cv2.imread(str(f)).shape[:2]
        images.append({"id": k + 1, "file_name": f.name, "width": w, "height": h})
        for line in (root / "labels" / "val" / f"{f.stem}.txt").read_text().splitlines():
            c, cx, cy, bw, bh = map(float, line.split()[:5])
            box = [(cx - bw / 2) * w, (cy - bh / 2) * h, bw * w, bh * h]
            anns.append({"id": len(anns) + 1, "image_id": k + 1, "category_id": int(c) + 1, "bbox": box,
                         "area": box[2] * box[3], "iscrowd": 0})  # fmt: skip
    (root / "annotations").mkdir()
    cats = [{"id": i + 1, "name": n} for i, n in enumerate(("circle", "square", "triangle"))]
    (root / "annotations" / "instances_val.json").write_text(json.dumps({"images": images, "annotations": anns,
                                                                        "categories": cats}))  # fmt: skip
    yaml = root.parent / "shapes.yaml"
    yaml.write_text(f"path: {root}\ntrain: images/train\nval: images/val\nnames: [circle, square, triangle]\n")
    return yaml


def test_plots_save_json_and_official_coco_numbers(fixtures_dir, coco_style_set, tmp_path):
    model = YOLO(fixtures_dir / "yolo11n.pt")
    m = model.val(data=str(coco_style_set), imgsz=128, batch=8, workers=0, plots=True, save_json=True, save_txt=True,
                  save_conf=True, project=str(tmp_path), name="v", max_det=100)  # fmt: skip
    out = tmp_path / "v"
    for f in ("BoxPR_curve.png", "BoxF1_curve.png", "BoxP_curve.png", "BoxR_curve.png", "confusion_matrix.png",
              "confusion_matrix_normalized.png", "val_batch0_labels.jpg", "val_batch0_pred.jpg",
              "val_batch1_labels.jpg", "val_batch1_pred.jpg"):  # fmt: skip
        assert (out / f).is_file() and (out / f).stat().st_size > 1000, f
    rows = json.loads((out / "predictions.json").read_text())
    assert {r["category_id"] for r in rows} <= {1, 2, 3} and {r["image_id"] for r in rows} <= set(range(1, 17))
    d = m.results_dict
    # same predictions, same rules: our numbers and the official evaluator's agree
    assert d["coco/mAP50-95(B)"] == pytest.approx(d["metrics/mAP50-95(B)"], abs=0.005)
    assert d["coco/mAP50(B)"] == pytest.approx(d["metrics/mAP50(B)"], abs=0.005)
    txt = sorted((out / "labels").glob("*.txt"))
    assert len(txt) == 16 and all(len(line.split()) == 6 for line in txt[0].read_text().splitlines())


def test_split_classes_single_cls_and_rect(fixtures_dir, tmp_path):
    model = YOLO(fixtures_dir / "yolo11n.pt")
    m = model.val(data="shapes-det.yaml", split="train", classes=[1], imgsz=64, batch=16, workers=0, save_txt=True,
                  rect=True, project=str(tmp_path), name="t", plots=False)  # fmt: skip
    assert m.ap_class_index.tolist() == [1]
    classes = {line.split()[0] for f in (tmp_path / "t" / "labels").glob("*.txt") for line in f.read_text().splitlines()}
    assert classes == {"1"} and len(list((tmp_path / "t" / "labels").glob("*.txt"))) == 32  # train split: 32 images
    m = model.val(data="shapes-det.yaml", single_cls=True, imgsz=64, batch=16, workers=0, project=str(tmp_path),
                  name="s", plots=False)  # fmt: skip
    assert m.ap_class_index.tolist() == [0] and 0 < m.box.map50 <= 1


def _seed004_val_callback_example() -> str:
    text = next(Path("/work/shared/seeds").glob("004_*.txt")).read_text(encoding="utf-8")
    block = re.search(r"```python\n(from ultralytics import YOLO\n\n\ndef on_val_end.*?)```", text, re.S).group(1)
    return textwrap.dedent(block).replace("ultralytics", "ultralytics_clone")


def test_seed004_on_val_end_log_and_results_csv(fixtures_dir, tmp_path, monkeypatch):
    code = _seed004_val_callback_example()
    code = code.replace('YOLO("yolo11n.pt")', f'YOLO(r"{fixtures_dir / "yolo11n.pt"}")')
    code = code.replace('model.val(data="coco.yaml")', f'metrics = model.val(data="shapes-det.yaml", imgsz=64, '
                                                        f'workers=0, project=r"{tmp_path}", name="v")')  # fmt: skip
    scope = {"compute_custom_metric": lambda v: round(float(v.metrics.box.map50) * 2, 5)}
    exec(compile(code, "<seed 004 on_val_end example>", "exec"), scope)
    d = scope["metrics"].results_dict
    assert d["custom_metric"] == pytest.approx(round(d["metrics/mAP50(B)"] * 2, 5))
    # during training the logged value reaches results.csv, beside the validation losses the trainer asked for
    model = YOLO("yolo11n.yaml")
    model.add_callback("on_val_end", lambda v: v.log({"val/custom": 1.25}))
    model.train(data="shapes-det.yaml", epochs=1, imgsz=64, batch=8, workers=0, plots=True, project=str(tmp_path),
                name="tr")  # fmt: skip
    rows = list(csv.DictReader(open(tmp_path / "tr" / "results.csv")))
    assert float(rows[0]["val/custom"]) == 1.25 and float(rows[0]["val/box_loss"]) > 0
    assert (tmp_path / "tr" / "val_batch0_pred.jpg").is_file()  # the last epoch plots


def test_log_takes_a_dict():
    from ultralytics_clone.models.yolo.detect import DetectionValidator

    with pytest.raises(TypeError, match="dict"):
        DetectionValidator().log(["custom", 1])
