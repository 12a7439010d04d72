"""Seed 004's predict, callback and plotting examples run as written: `ultralytics` -> `ultralytics_clone`, its media
names -> local files (a drawn video, the fixture image), the webcam "0" -> a stream read from a local video, and
OpenCV's window calls -> no-ops (there is no display here)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
if not SEEDS.is_dir():
    SEEDS = Path(__file__).resolve().parents[1] / "shared" / "seeds"


def _section(start: str, end: str) -> list[str]:
    text = next(SEEDS.glob("004_*.txt")).read_text(encoding="utf-8")
    i = text.index(start)
    section = text[i : text.index(end, i)]
    return [b.replace("ultralytics", "ultralytics_clone") for b in re.findall(r"```python\n(.*?)```", section, re.S)]


def _run(code: str, name: str, **scope):
    exec(compile(code, f"<seed 004 {name}>", "exec"), scope)
    return scope


@pytest.fixture
def media(tmp_path, fixtures_dir, monkeypatch):
    """Work folder with model.pt / yolo11n.pt / yolo11s.pt (the fixture), bus.jpg, a folder, a video, a .streams."""
    monkeypatch.chdir(tmp_path)
    for name in ("model.pt", "yolo11n.pt", "yolo11s.pt"):
        shutil.copy(fixtures_dir / "yolo11n.pt", tmp_path / name)
    sample = fixtures_dir / "sample_detect.jpg"
    shutil.copy(sample, tmp_path / "bus.jpg")
    (tmp_path / "folder").mkdir()
    shutil.copy(sample, tmp_path / "folder" / "a.jpg")
    frame = cv2.imread(str(sample))
    w = cv2.VideoWriter(str(tmp_path / "clip.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (256, 256))
    for _ in range(4):
        w.write(frame)
    w.release()
    (tmp_path / "cam.streams").write_text(f"{tmp_path / 'clip.avi'}\n")
    for fn in ("imshow", "destroyAllWindows"):
        monkeypatch.setattr(cv2, fn, lambda *a, **k: None)
    monkeypatch.setattr(cv2, "waitKey", lambda *a, **k: -1)
    return tmp_path


def test_predict_from_every_source_example(media):
    (code,) = _section("### [Predict]", "### [Export]")
    code = code.replace('source="0"', 'source="cam.streams"')  # the webcam: a stream read from a local video
    scope = _run(code, "predict", __name__="seed004")
    assert len(scope["results"]) == 2 and all(type(r).__name__ == "Results" for r in scope["results"])
    save_dir = scope["model"].predictor.save_dir
    assert (save_dir / "bus.jpg").is_file() and (save_dir / "image0.jpg").is_file() and list((save_dir / "labels").glob("*.txt"))  # save, save_txt
    assert all(r.orig_img.shape == (256, 256, 3) for r in scope["results"])


def test_callback_examples_zip_results_with_frames(media):
    blocks = _section("## Callbacks", "### All callbacks") + _section("#### What are Ultralytics callbacks",
                                                                       "#### How can I customize")  # fmt: skip
    blocks += _section("#### What are some practical examples", "## Configuration")
    assert len(blocks) == 3
    for k, code in enumerate(blocks):
        scope = _run(code + "\npairs = list(model.predict(source='folder'))\n", f"callbacks {k}")
        ((result, frame),) = scope["pairs"]
        assert type(result).__name__ == "Results" and frame.shape == result.orig_img.shape


def test_on_predict_end_logging_example(media):
    (code,) = _section("#### How do I attach a custom callback for the prediction", "#### What are some practical")
    logged = []
    _run(code.replace('"image.jpg"', '"bus.jpg"'), "on_predict_end", log_prediction=logged.append)
    assert len(logged) == 1 and type(logged[0]).__name__ == "Results"


def test_trainer_classes_import_and_predictor_runs(media):
    (code,) = _section("### Using Trainers", "You can easily customize")
    first = code.splitlines()[0]
    assert first.startswith("from ultralytics_clone.models.yolo import DetectionPredictor")
    scope = _run(first + "\npred = DetectionPredictor(overrides={'imgsz': 128})\n"
                 "out = pred(source='bus.jpg', model='yolo11n.pt')\n", "trainers")  # fmt: skip
    assert len(scope["out"]) == 1 and scope["DetectionTrainer"].__name__ == "DetectionTrainer"
    assert scope["DetectionValidator"].__name__ == "DetectionValidator"


def test_bounding_box_dimensions_example(media, capsys):
    start = "[Bounding Box](https://www.ultralytics.com/glossary/bounding-box)\u00a0Dimensions"  # a no-break space
    (code,) = _section(start, "#### Convert Bounding Boxes")
    _run(code.replace("path/to/image.jpg", "bus.jpg"), "bbox dimensions")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines and all(line.startswith("Bounding Box Width") for line in lines)
    w, h, a = (float(v) for v in re.findall(r"[\d.]+", lines[0]))
    assert w > 0 and h > 0 and a == pytest.approx(w * h, rel=1e-4)


def test_annotator_horizontal_and_oriented_boxes(media):
    hbb, obb = _section("##### Horizontal Bounding Boxes", "##### Bounding Boxes Circle")
    s1 = _run(hbb.replace("ultralytics_clone/assets/bus.jpg", "bus.jpg"), "hbb")
    cv2.imwrite("dota.jpg", cv2.resize(cv2.imread("bus.jpg"), (1024, 1024)))  # the seed's DOTA tiles are 1024 px
    s2 = _run(obb.replace("datasets/dota8/images/train/P1142__1024__0___824.jpg", "dota.jpg"), "obb")
    for img, f in ((s1["image_with_bboxes"], "bus.jpg"), (s2["image_with_obb"], "dota.jpg")):
        src = cv2.imread(f)
        assert img.shape == src.shape and (img != src).any()


@pytest.mark.parametrize("kind", ["Circle", "Text"])
def test_circle_and_text_labels_written_to_a_video(media, kind):
    start = f"##### Bounding Boxes {kind} Annotation"
    (code,) = _section(start, "##### Bounding Boxes Text Annotation" if kind == "Circle" else "### Miscellaneous")
    _run(code.replace("path/to/video/file.mp4", "clip.avi"), f"{kind} labels")
    out = media / f"Ultralytics {kind.lower()} annotation.avi"
    cap = cv2.VideoCapture(str(out))
    ok, drawn = cap.read()
    n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    cap.release()
    src = cv2.imread("bus.jpg")
    assert ok and n == 4 and np.abs(drawn.astype(int) - src.astype(int)).mean() > 1  # labels were drawn in place
