"""Prediction: reference boxes of the fixture checkpoint, every source kind, streaming, events, saving."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest
import torch

from ultralytics_clone import YOLO
from ultralytics_clone.models.yolo.detect import DetectionPredictor
from ultralytics_clone.utils.errors import SourceError

PREDICT_EVENTS = ["on_predict_start", "on_predict_batch_start", "on_predict_postprocess_end", "on_predict_batch_end",
                  "on_predict_end"]  # fmt: skip


@pytest.mark.parametrize("name", ["yolo11n", "yolov8n", "yolo26n"])
def test_boxes_match_reference(name, sample, fixtures_dir):
    """The reference's predict() output: boxes within 0.5 px, same classes and scores (rows compared as sets, since
    the briefly trained checkpoints have many equal scores)."""
    ref = json.loads((fixtures_dir / f"{name}.predict.json").read_text())
    r = YOLO(fixtures_dir / f"{name}.pt").predict(sample, imgsz=ref["imgsz"], conf=ref["conf"], max_det=ref["max_det"])[0]

    def rows(xyxy, conf, cls):
        a = np.concatenate([np.asarray(xyxy), np.asarray(conf)[:, None], np.asarray(cls)[:, None]], 1)
        return a[np.lexsort((a[:, 0], -a[:, 4]))]

    ours = rows(r.boxes.xyxy.numpy(), r.boxes.conf.numpy(), r.boxes.cls.numpy())
    theirs = rows(ref["boxes_xyxy"], ref["boxes_conf"], ref["boxes_cls"])
    assert ours.shape == theirs.shape
    assert np.abs(ours[:, :4] - theirs[:, :4]).max() < 0.5
    assert np.array_equal(ours[:, 5], theirs[:, 5]) and np.allclose(ours[:, 4], theirs[:, 4], atol=1e-4)
    assert r.names == {int(k): v for k, v in ref["names"].items()}
    assert set(r.speed) == {"preprocess", "inference", "postprocess"} and r.speed["inference"] > 0


def test_source_kinds(model, sample, tmp_path):
    from PIL import Image

    folder = tmp_path / "imgs"
    folder.mkdir()
    for k in range(3):
        shutil.copy(sample, folder / f"im{k}.jpg")
    im = cv2.imread(sample)
    kw = {"imgsz": 128, "conf": 0.25}
    ref = model.predict(sample, **kw)[0].boxes.xyxy
    assert len(model.predict(folder, **kw)) == 3
    assert len(model.predict(str(folder / "*.jpg"), **kw)) == 3
    assert np.allclose(model.predict(im, **kw)[0].boxes.xyxy.numpy(), ref.numpy(), atol=1e-3)
    pil = model.predict(Image.open(sample), **kw)[0]
    assert pil.orig_shape == (256, 256) and len(pil.boxes) == len(ref)
    mixed = model.predict([sample, im, np.zeros((64, 96, 3), np.uint8)], **kw)
    assert [r.orig_shape for r in mixed] == [(256, 256), (256, 256), (64, 96)]
    with pytest.raises(SourceError, match="does not exist"):
        model.predict(tmp_path / "missing.jpg")


def test_stream_is_a_generator(model, sample):
    gen = model.predict([sample, sample], stream=True, imgsz=128)
    assert not isinstance(gen, list)
    assert [len(r.boxes) >= 0 for r in gen] == [True, True]


def test_events_and_batch_callback(fixtures_dir, sample):
    """Seed 004's example: on_predict_batch_end zips the results with the frames of predictor.batch."""
    model = YOLO(fixtures_dir / "yolo11n.pt")
    fired = []
    for event in PREDICT_EVENTS:
        model.add_callback(event, lambda p, e=event: fired.append(e))

    def on_predict_batch_end(predictor):
        _, image, _, _ = predictor.batch
        image = image if isinstance(image, list) else [image]
        predictor.results = zip(predictor.results, image)

    model.add_callback("on_predict_batch_end", on_predict_batch_end)
    out = list(model.predict([sample, sample], imgsz=128, batch=2, predictor=DetectionPredictor))
    assert len(out) == 2 and all(isinstance(frame, np.ndarray) for _, frame in out)
    assert out[0][0].boxes is not None
    assert fired == PREDICT_EVENTS


def test_save_and_save_txt(model, sample, tmp_path):
    results = model.predict(sample, imgsz=128, save=True, save_txt=True, save_conf=True, project=str(tmp_path),
                            name="pred")  # fmt: skip
    out = tmp_path / "pred"
    assert (out / "sample_detect.jpg").stat().st_size > 0
    rows = (out / "labels" / "sample_detect.txt").read_text().splitlines()
    assert len(rows) == len(results[0].boxes) > 0 and len(rows[0].split()) == 6


def test_predictor_alone(fixtures_dir, sample):
    p = DetectionPredictor(overrides={"model": str(fixtures_dir / "yolo11n.pt"), "imgsz": 128, "save": False})
    results = p(source=sample)
    assert len(results) == 1 and p.results is not None and p.batch[0] == [sample]
    assert p.model.names[0] == "circle"


def test_video_source_with_stride(model, sample, tmp_path):
    video = tmp_path / "clip.avi"
    frame = cv2.resize(cv2.imread(sample), (128, 128))
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 5, (128, 128))
    for _ in range(4):
        writer.write(frame)
    writer.release()
    results = model.predict(video, imgsz=128, vid_stride=2)
    assert len(results) == 2 and all(r.orig_shape == (128, 128) for r in results)


def test_warm_predictor_can_start_saving(fixtures_dir, sample):
    model = YOLO(fixtures_dir / "yolo11n.pt")
    model.predict(sample, imgsz=128)
    model.predict(sample, imgsz=128, save=True)  # no project/name: the warm predictor picks a run folder itself
    assert (model.predictor.save_dir / "sample_detect.jpg").is_file()


def test_awkward_images_predict_like_plain_ones(tmp_path, fixtures_dir):
    """Gray, RGBA and 16-bit images, as files under a non-ASCII path with spaces and as arrays, give the same boxes."""
    from PIL import Image

    base = cv2.imread(str(fixtures_dir / "sample_detect.jpg"))
    gray = cv2.cvtColor(cv2.cvtColor(base, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)  # what a gray input carries
    folder = tmp_path / "ünï cödé images"
    folder.mkdir()
    cv2.imwrite(str(folder / "gray.png"), gray[..., 0])
    Image.fromarray(cv2.cvtColor(base, cv2.COLOR_BGR2RGBA)).save(folder / "rgba.png")
    cv2.imwrite(str(folder / "sixteen.png"), base.astype(np.uint16) * 257)
    model = YOLO(fixtures_dir / "yolo11n.pt")

    def boxes(source):
        r = model.predict(source, imgsz=256, conf=0.25, verbose=False)[0]
        assert r.orig_img.dtype == np.uint8 and r.orig_img.shape == base.shape
        return r.boxes.xyxy

    plain, plain_gray = boxes(base), boxes(gray)
    assert len(plain) > 0 and len(plain_gray) > 0
    for source in (folder / "rgba.png", folder / "sixteen.png", base.astype(np.uint16) * 257,
                   cv2.cvtColor(base, cv2.COLOR_BGR2BGRA)):  # fmt: skip
        torch.testing.assert_close(boxes(source), plain, atol=1.0, rtol=0)
    for source in (folder / "gray.png", gray[..., 0]):
        torch.testing.assert_close(boxes(source), plain_gray, atol=1.0, rtol=0)


def test_channels_last_input_gives_the_plain_layouts_boxes(model, sample):
    """On CPU the network runs channels-last and preprocess hands it that layout; the boxes are those of the plain
    NCHW batch."""
    results = model.predict(sample, imgsz=256, conf=0.001, verbose=False)
    predictor = model.predictor
    assert predictor.model.prefers_channels_last
    im0 = [cv2.imread(sample)]
    x = predictor.preprocess(im0)
    assert x.is_contiguous(memory_format=torch.channels_last) and x.dtype == torch.float32
    plain = x.contiguous()  # the same values in the NCHW layout
    assert plain.is_contiguous() and not plain.is_contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        a, b = predictor.inference(x), predictor.inference(plain)
    a, b = (y[0] if isinstance(y, (list, tuple)) else y for y in (a, b))
    assert torch.equal(a, b)
    assert len(results[0].boxes) > 0


def test_predict_imports_only_its_own_engine(fixtures_dir, sample):
    """A cold `predict` loads the detect predictor alone: no trainer, validator or other task's engine (about 50 ms
    of every cold start)."""
    import subprocess
    import sys

    code = (
        "import sys; from ultralytics_clone import YOLO; "
        f"YOLO({str(fixtures_dir / 'yolo11n.pt')!r}).predict({sample!r}, imgsz=64, verbose=False); "
        "print(sorted(m for m in sys.modules if m.startswith('ultralytics_clone.models.yolo.') or "
        "m in ('ultralytics_clone.engine.trainer', 'ultralytics_clone.engine.validator')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = eval(out.strip().splitlines()[-1])  # noqa: S307  (a list of names printed by the child)
    assert "ultralytics_clone.models.yolo.detect.predict" in loaded
    assert not [m for m in loaded if m.endswith((".train", ".val")) or m.startswith("ultralytics_clone.engine.")]
    assert not [m for m in loaded if ".segment." in m or ".pose." in m or ".obb." in m or ".classify." in m]
