"""Results and its views: box formats, indexing, device/numpy copies, plotting, text export, summaries."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ultralytics_clone.engine.results import OBB, Boxes, Keypoints, Masks, Probs, Results

NAMES = {0: "circle", 1: "square", 2: "triangle"}


@pytest.fixture
def result() -> Results:
    im = np.full((100, 200, 3), 40, np.uint8)
    boxes = torch.tensor([[10.0, 20, 50, 60, 0.9, 0], [0, 0, 300, 20, 0.5, 1], [100, 50, 120, 90, 0.3, 1]])
    return Results(im, "dir/pic.jpg", NAMES, boxes=boxes)


def test_boxes_formats(result):
    b = result.boxes
    assert isinstance(b, Boxes) and len(result) == 3
    assert b.xyxy[1].tolist() == [0, 0, 200, 20]  # clipped to the 200-wide image
    assert b.xywh[0].tolist() == [30, 40, 40, 40]
    assert b.xyxyn[0].tolist() == pytest.approx([0.05, 0.2, 0.25, 0.6])
    assert b.xywhn[0].tolist() == pytest.approx([0.15, 0.4, 0.2, 0.4])
    assert b.conf.tolist() == pytest.approx([0.9, 0.5, 0.3]) and b.cls.tolist() == [0, 1, 1]
    assert b.id is None and b.orig_shape == (100, 200)
    tracked = Boxes(torch.tensor([[1.0, 2, 3, 4, 7, 0.5, 2]]), (10, 10))
    assert tracked.is_track and tracked.id.tolist() == [7] and tracked.conf.tolist() == [0.5]
    with pytest.raises(ValueError, match="N, 6"):
        Boxes(torch.zeros(2, 5), (10, 10))


def test_indexing_and_conversions(result):
    first = result[0]
    assert len(first) == 1 and first.boxes.cls.tolist() == [0]
    assert len(result[result.boxes.conf > 0.4]) == 2
    n = result.numpy()
    assert isinstance(n.boxes.data, np.ndarray) and n.boxes.xywh[0].tolist() == [30, 40, 40, 40]
    c = result.cpu()
    assert isinstance(c.boxes.data, torch.Tensor) and c.path == result.path
    assert isinstance(result.to("cpu").boxes.data, torch.Tensor)
    assert len(result.new()) == 0


def test_verbose_and_summary(result):
    assert result.verbose() == "1 circle, 2 squares, "
    rows = result.summary()
    assert rows[0]["name"] == "circle" and rows[0]["box"] == {"x1": 10.0, "y1": 20.0, "x2": 50.0, "y2": 60.0}
    assert result.summary(normalize=True)[0]["box"]["x2"] == pytest.approx(0.25)
    assert '"name": "square"' in result.to_json()
    empty = Results(np.zeros((8, 8, 3), np.uint8), "e.jpg", NAMES, boxes=torch.zeros(0, 6))
    assert empty.verbose() == "(no detections), " and empty.summary() == []


def test_plot_draws_boxes(result, tmp_path):
    out = result.plot()
    assert out.shape == (100, 200, 3) and out.dtype == np.uint8
    assert not np.array_equal(out, result.orig_img)  # something was drawn
    assert np.array_equal(result.orig_img, np.full((100, 200, 3), 40, np.uint8))  # original untouched
    plain = result.plot(boxes=False)
    assert np.array_equal(plain, result.orig_img)
    saved = result.save(str(tmp_path / "a.jpg"))
    assert (tmp_path / "a.jpg").stat().st_size > 0 and saved.endswith("a.jpg")


def test_save_txt(result, tmp_path):
    f = tmp_path / "labels" / "pic.txt"
    result.save_txt(f, save_conf=True)
    rows = [line.split() for line in f.read_text().splitlines()]
    assert len(rows) == 3 and rows[0][0] == "0"
    assert [float(v) for v in rows[0][1:]] == pytest.approx([0.15, 0.4, 0.2, 0.4, 0.9])
    result.save_txt(f)  # appends, without confidences
    assert len(f.read_text().splitlines()) == 6 and len(f.read_text().splitlines()[-1].split()) == 5


def test_save_crop(result, tmp_path):
    result.save_crop(tmp_path, "pic")
    assert (tmp_path / "circle" / "pic.jpg").exists() and (tmp_path / "square" / "pic.jpg").exists()
    result.save_crop(tmp_path, "pic")  # a second crop of the same name is numbered, not overwritten
    assert (tmp_path / "circle" / "pic-2.jpg").exists()


def test_other_views():
    im = np.zeros((50, 100, 3), np.uint8)
    probs = Results(im, "c.jpg", NAMES, probs=torch.tensor([0.1, 0.7, 0.2]))
    assert isinstance(probs.probs, Probs) and probs.probs.top1 == 1 and probs.probs.top5[:3] == [1, 2, 0]
    assert probs.summary()[0]["name"] == "square" and probs.verbose().startswith("square 0.70")
    kp = Keypoints(torch.tensor([[[10.0, 5, 0.9], [50, 25, 0.2]]]), (50, 100))
    assert kp.xyn[0, 1].tolist() == pytest.approx([0.5, 0.5]) and kp.conf.shape == (1, 2)
    obb = OBB(torch.tensor([[50.0, 25, 20, 10, math.pi / 2, 0.8, 2]]), (50, 100))
    assert obb.xyxyxyxy.shape == (1, 4, 2)
    assert obb.xyxy[0].tolist() == pytest.approx([45, 15, 55, 35], abs=1e-4)
    m = torch.zeros(1, 50, 100)
    m[0, 10:20, 30:60] = 1
    masks = Masks(m, (50, 100))
    assert masks.xy[0][:, 0].min() == pytest.approx(30) and masks.xy[0][:, 1].max() == pytest.approx(19)
    seg = Results(im, "s.jpg", NAMES, boxes=torch.tensor([[30.0, 10, 60, 20, 0.9, 0]]), masks=m)
    assert seg.plot().shape == (50, 100, 3) and len(seg) == 1
