"""Annotator (OpenCV in place, PIL with the bundled font), its masks / keypoints / labels, and Results.plot options."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ultralytics_clone.engine.results import Results
from ultralytics_clone.utils.plotting import Annotator, colors, save_one_box

NAMES = {0: "circle", 1: "square"}


def test_opencv_draws_in_place_and_labels():
    im = np.zeros((120, 160, 3), np.uint8)
    ann = Annotator(im)
    ann.box_label([10, 20, 60, 80], "circle 0.9", color=colors(0, True))
    ann.box_label(np.array([[100, 10], [150, 30], [130, 80], [80, 60]]), "rot", color=(0, 255, 0), rotated=True)
    ann.circle_label(torch.tensor([20.0, 90, 60, 118]), "c")
    ann.text_label([100, 90, 150, 118], "t")
    assert ann.result() is im and im.any()  # the caller's array was drawn on
    assert tuple(im[50, 10]) == colors(0, True) and tuple(im[30, 150]) == (0, 255, 0)
    w, h, a = Annotator.get_bbox_dimension(torch.tensor([10.0, 20, 60, 80]))
    assert (w.item(), h.item(), a.item()) == (50, 60, 3000)


def test_pil_mode_with_a_non_ascii_label_uses_a_bundled_font():
    im = np.zeros((64, 96, 3), np.uint8)
    ann = Annotator(im, example="猫")
    assert ann.pil
    ann.box_label([5, 20, 60, 60], "猫 0.50", color=(0, 0, 255))
    out = ann.result()
    assert out.shape == im.shape and out.any() and not im.any()  # PIL draws on its own copy
    assert isinstance(ann.result(pil=True).size, tuple)


def test_masks_of_letterboxed_size_and_keypoints():
    im = np.zeros((60, 120, 3), np.uint8)
    masks = torch.zeros(2, 64, 64)
    masks[0, 16:48, :32] = 1  # the 120x60 image letterboxed to 64x64 has 16 px of padding at top and bottom
    masks[1, 16:48, 32:] = 1
    ann = Annotator(im)
    ann.masks(masks, [(255, 0, 0), (0, 0, 255)], alpha=1.0)
    assert tuple(im[30, 10]) == (255, 0, 0) and tuple(im[30, 110]) == (0, 0, 255)
    ann.masks(np.zeros((0, 60, 120)), [])  # no masks: nothing happens
    k = np.array([[10, 5, 1.0], [30, 5, 1.0], [50, 5, 0.1], [70, 5, 1.0], [90, 5, 1.0]], np.float32)  # 3rd: below
    before = im.copy()
    ann.kpts(k, radius=2)  # 5 points: dots only, no COCO skeleton
    assert (im[5, 10] != before[5, 10]).any() and (im[5, 50] == before[5, 50]).all()
    pose = np.zeros((17, 3), np.float32)
    pose[:, 0], pose[:, 1], pose[:, 2] = np.linspace(10, 110, 17), np.linspace(52, 58, 17), 1.0
    with_lines, dots_only = Annotator(im.copy()), Annotator(im.copy())
    with_lines.kpts(pose, radius=1)  # 17 points: the COCO skeleton's limbs are drawn between them too
    dots_only.kpts(pose, radius=1, kpt_line=False)
    assert ((with_lines.result() != im).any(2).sum()) > ((dots_only.result() != im).any(2).sum())


def test_results_plot_options_and_tables():
    boxes = torch.tensor([[10.0, 10, 50, 50, 0.9, 0], [60, 10, 110, 50, 0.6, 0]])
    r = Results(np.zeros((64, 128, 3), np.uint8), "a.jpg", NAMES, boxes=boxes)
    by_class = r.plot(labels=False)
    by_instance = r.plot(labels=False, color_mode="instance")
    assert not r.orig_img.any() and (by_class != by_instance).any()
    assert r.plot(pil=True, font_size=10).shape == (64, 128, 3)
    assert r.plot(line_width=4, conf=False).shape == (64, 128, 3)
    with pytest.raises(ValueError, match="color_mode"):
        r.plot(color_mode="rainbow")
    csv = r.to_csv().splitlines()
    assert csv[0] == "name,class,confidence,x1,y1,x2,y2" and len(csv) == 3
    pd = pytest.importorskip("pandas")
    assert isinstance(r.to_df(), pd.DataFrame) and len(r.to_df()) == 2


def test_save_one_box_crops(tmp_path):
    im = np.arange(100 * 100 * 3, dtype=np.uint8).reshape(100, 100, 3)
    crop = save_one_box([10, 20, 30, 60], im, file=tmp_path / "c" / "x.jpg", gain=1.0, pad=0, BGR=True)
    assert crop.shape == (40, 20, 3) and (tmp_path / "c" / "x.jpg").is_file()
    save_one_box([10, 20, 30, 60], im, file=tmp_path / "c" / "x.jpg")
    assert (tmp_path / "c" / "x-2.jpg").is_file()
