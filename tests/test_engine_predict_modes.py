"""Prediction for real use: same boxes from every source kind, batching, streaming memory, saving, options, bugs."""

from __future__ import annotations

import resource

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from ultralytics_clone import YOLO
from ultralytics_clone.utils.errors import SourceError

KW = {"imgsz": 128, "verbose": False}


def _rows(r):
    return np.concatenate([r.boxes.xyxy.numpy(), r.boxes.conf.numpy()[:, None], r.boxes.cls.numpy()[:, None]], 1)


def test_path_array_pil_and_tensor_give_the_same_boxes(model, sample):
    im = cv2.imread(sample)
    ref = _rows(model(sample, **KW)[0])
    assert len(ref)
    np.testing.assert_allclose(_rows(model(im, **KW)[0]), ref, atol=1e-3)
    np.testing.assert_allclose(_rows(model(Image.open(sample), **KW)[0]), ref, atol=1e-3)
    small = cv2.resize(im, (128, 128), interpolation=cv2.INTER_LINEAR)  # what the letterbox feeds the network
    t = torch.from_numpy(np.ascontiguousarray(small[..., ::-1])).permute(2, 0, 1)[None].float() / 255
    rt = model(t, **KW)[0]
    assert rt.orig_img.shape == (128, 128, 3) and rt.orig_img.dtype == np.uint8
    np.testing.assert_allclose(_rows(rt)[:, :4] * 2, ref[:, :4], atol=1.0)  # 128 px tensor of the 256 px image
    with pytest.raises(SourceError, match=r"values from 0 to \d+; expected 0-1"):
        model(t * 255, **KW)


def test_batch_8_equals_batch_1_and_callbacks_see_real_batches(model, sample, tmp_path):
    for k in range(20):
        cv2.imwrite(str(tmp_path / f"{k:02d}.jpg"), cv2.imread(sample))
    sizes = []
    model.add_callback("on_predict_batch_start", lambda p: sizes.append(len(p.batch[1])))
    try:
        one = model(str(tmp_path), batch=1, **KW)
        assert sizes == [1] * 20
        sizes.clear()
        eight = model(str(tmp_path), batch=8, **KW)
        assert sizes == [8, 8, 4]
    finally:
        model.clear_callback("on_predict_batch_start")
    assert len(one) == len(eight) == 20
    for a, b in zip(one, eight):
        np.testing.assert_allclose(_rows(a), _rows(b), atol=1e-3)


def test_results_assigned_by_a_callback_are_what_comes_back(model, sample):
    def tag(predictor):
        paths, images, _, _ = predictor.batch
        predictor.results = [(r, p) for r, p in zip(predictor.results, paths)]

    model.add_callback("on_predict_batch_end", tag)
    try:
        out = model([sample, sample], batch=2, **KW)
        streamed = list(model(sample, stream=True, **KW))
    finally:
        model.clear_callback("on_predict_batch_end")
    assert [p for _, p in out] == [sample, sample] and streamed[0][1] == sample


def test_arguments_do_not_leak_between_calls(model, sample):
    assert len(model(sample, classes=[1], max_det=1, **KW)[0].boxes) == 1
    assert len(model(sample, **KW)[0].boxes) > 1


def test_grayscale_checkpoint_predicts(tmp_path, sample):
    from ultralytics_clone.nn.tasks import DetectionModel

    net = DetectionModel("yolo11n.yaml", ch=1, nc=3, verbose=False)
    m = YOLO(net, task="detect")
    path = m.save(tmp_path / "gray.pt")
    r = YOLO(path)(sample, conf=0.0, max_det=5, **KW)[0]
    assert r.orig_img.shape == (256, 256, 3) and len(r.boxes) <= 5


def test_saved_video_keeps_frame_count_and_fps_and_save_txt_reads_back(model, sample, tmp_path):
    frame = cv2.resize(cv2.imread(sample), (160, 128))
    video = tmp_path / "clip.avi"
    w = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 15, (160, 128))
    for _ in range(9):
        w.write(frame)
    w.release()
    res = model(video, vid_stride=3, save=True, save_txt=True, save_conf=True, save_frames=True, project=str(tmp_path),
                name="run", **KW)  # fmt: skip
    out = tmp_path / "run"
    cap = cv2.VideoCapture(str(out / "clip.avi"))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == len(res) == 3
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(5.0)
    assert (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (160, 128)
    cap.release()
    assert len(list((out / "frames").glob("*.jpg"))) == 3
    rows = np.loadtxt(out / "labels" / "clip_2.txt", ndmin=2)
    r = res[1]
    assert rows.shape == (len(r.boxes), 6)
    np.testing.assert_allclose(rows[:, 0], r.boxes.cls.numpy())
    np.testing.assert_allclose(rows[:, 1:5], r.boxes.xywhn.numpy(), atol=1e-5)
    np.testing.assert_allclose(rows[:, 5], r.boxes.conf.numpy(), atol=1e-5)


def test_save_crop_show_and_drawing_options(model, sample, tmp_path, caplog):
    res = model(sample, save=True, save_crop=True, show=True, line_width=1, show_labels=False, show_conf=False,
                project=str(tmp_path), name="opts", **KW)  # fmt: skip
    out = tmp_path / "opts"
    assert (out / "sample_detect.jpg").is_file() and len(list((out / "crops").rglob("*.jpg"))) == len(res[0].boxes)
    plain = res[0].plot(line_width=1, labels=False)
    assert np.array_equal(cv2.imread(str(out / "sample_detect.jpg")).shape, plain.shape)
    assert not np.array_equal(res[0].plot(line_width=1, labels=False), res[0].plot(line_width=3, labels=False))


def test_embed_augment_and_visualize(model, sample, tmp_path):
    vecs = model.embed([sample, sample], **KW)
    assert len(vecs) == 2 and vecs[0].ndim == 1 and torch.allclose(vecs[0], vecs[1])
    layer = model(sample, embed=[2], **KW)
    assert layer[0].ndim == 1 and layer[0].shape != vecs[0].shape
    aug = model(sample, augment=True, **KW)[0]
    assert len(aug.boxes) >= 1
    model(sample, visualize=True, project=str(tmp_path), name="vis", **KW)
    assert len(list((tmp_path / "vis" / "visualize" / "sample_detect").glob("stage*_features.png"))) > 5


def test_streaming_a_long_video_keeps_memory_flat(model, tmp_path):
    video = tmp_path / "long.avi"
    w = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (64, 64))
    frame = np.zeros((64, 64, 3), np.uint8)
    cv2.circle(frame, (32, 32), 12, (255, 255, 255), -1)
    for _ in range(1000):
        w.write(frame)
    w.release()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny convolutions: one thread avoids OpenMP contention on a shared machine
    try:
        gen = model(video, stream=True, imgsz=32, verbose=False)
        for _ in range(50):  # warm up allocators before measuring
            next(gen)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        n = 50 + sum(1 for _ in gen)
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    finally:
        torch.set_num_threads(threads)
    assert n == 1000 and grown_mb < 50
