"""Augmentation: every transform moves drawn shapes and their labels together; Format and classify outputs."""

from __future__ import annotations

import random
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch

from ultralytics_clone.data.augment import (
    BaseTransform,
    CenterCrop,
    ClassifyLetterBox,
    Compose,
    CopyPaste,
    CutMix,
    Format,
    LetterBox,
    MixUp,
    Mosaic,
    RandomFlip,
    RandomHSV,
    RandomPerspective,
    ToTensor,
    classify_augmentations,
    classify_transforms,
    v8_transforms,
)
from ultralytics_clone.utils.errors import DatasetError
from ultralytics_clone.utils.instance import Instances
from ultralytics_clone.utils.ops import resample_segments, segments2boxes, xywhr2xyxyxyxy

# Shapes get a palette colour chosen by their class; keypoint markers have their own colours.
PALETTE = np.array([(0, 0, 255), (0, 255, 0), (255, 0, 0), (0, 255, 255), (255, 0, 255), (255, 255, 0)], np.int32)
KPT_COLORS = np.array([(0, 128, 255), (0, 128, 255), (255, 128, 0)], np.int32)  # kpt 0 and 1 are a left/right pair
FLIP_IDX = [1, 0, 2]
TOL = 60  # max per-channel difference that still counts as the colour (bilinear warps blend the edges)
W, H, IMGSZ = 160, 120, 160


def _polygon(kind: str, cx: float, cy: float, r: float, angle: float) -> np.ndarray:
    """Pixel polygon (k, 2) of a rectangle, triangle or ellipse."""
    if kind == "rect":
        local = np.array([[-r, -0.6 * r], [r, -0.6 * r], [r, 0.6 * r], [-r, 0.6 * r]])
    elif kind == "tri":
        local = np.array([[-r, 0.8 * r], [0.0, -r], [r, 0.8 * r]])
    else:
        t = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        local = np.stack([r * np.cos(t), 0.6 * r * np.sin(t)], 1)
    c, s = np.cos(angle), np.sin(angle)
    return local @ np.array([[c, s], [-s, c]]) + [cx, cy]


def _fill(img: np.ndarray, poly: np.ndarray, color) -> None:
    """Fill a polygon given in continuous pixel coordinates (pixel i covers [i, i + 1))."""
    pts = np.round((poly - 0.5) * 16).astype(np.int32)
    color = (int(color),) if np.isscalar(color) else tuple(int(c) for c in color)
    cv2.fillPoly(img, [pts], color, lineType=cv2.LINE_8, shift=4)


def make_sample(index: int, task: str) -> dict:
    """A 160x120 image with 2-3 shapes drawn exactly where their labels say."""
    rng = np.random.default_rng(index)
    img = np.zeros((H, W, 3), np.uint8)
    img[:] = (30, 30, 30)
    polys, kpts, cls = [], [], []
    n = 2 + index % 2
    for j in range(n):
        kind = ("rect", "tri", "ellipse")[(index + j) % 3]
        kind = {"obb": "rect", "pose": "ellipse"}.get(task, kind)
        cx, cy = (j + 0.5) * W / n + rng.uniform(-8, 8), rng.uniform(0.3, 0.7) * H
        r = rng.uniform(14, 22)
        angle = rng.uniform(-0.5, 0.5) if task == "pose" else rng.uniform(0, np.pi)
        poly = _polygon(kind, cx, cy, r, angle)
        c = (index * 3 + j) % len(PALETTE)
        _fill(img, poly, PALETTE[c])
        polys.append(poly)
        cls.append(c)
        if task == "pose":
            d = 0.45 * r * np.array([np.cos(angle), np.sin(angle)])
            k = np.array([[cx, cy] - d, [cx, cy] + d, [cx, cy]])
            for p, col in zip(k, KPT_COLORS):
                cv2.circle(img, (int(p[0]), int(p[1])), 3, tuple(int(v) for v in col), -1)
            kpts.append(np.concatenate([k, np.full((3, 1), 2.0)], 1))
    return {"img": img, "polys": polys, "kpts": np.array(kpts) if kpts else None, "cls": np.array(cls, np.float32)}


class ShapesDataset:
    """Just enough of YOLODataset for the mix transforms: __len__, get_image_and_label, buffer, data."""

    def __init__(self, task: str = "segment", n: int = 6) -> None:
        self.task = task
        self.samples = [make_sample(i, task) for i in range(n)]
        self.buffer = list(range(n))
        self.use_keypoints = task == "pose"
        self.data = {"flip_idx": FLIP_IDX, "kpt_shape": [3, 3]} if task == "pose" else {}

    def __len__(self) -> int:
        return len(self.samples)

    def get_image_and_label(self, i: int) -> dict:
        s = self.samples[i]
        segs = [p / [W, H] for p in s["polys"]]
        bboxes = segments2boxes(segs)
        segments = None
        if self.task in {"segment", "pose"}:
            segments = np.stack(resample_segments(segs, 200))
        elif self.task == "obb":
            segments = np.stack(segs).astype(np.float32)
        kpts = None if s["kpts"] is None else (s["kpts"] / [W, H, 1]).astype(np.float32)
        inst = Instances(bboxes, segments, kpts, bbox_format="xywh", normalized=True)
        return {"im_file": f"{i}.jpg", "img": s["img"].copy(), "ori_shape": (H, W), "resized_shape": (H, W),
                "ratio_pad": (1.0, 1.0), "cls": s["cls"][:, None].copy(), "instances": inst}  # fmt: skip


def _color_mask(img: np.ndarray, color) -> np.ndarray:
    return (np.abs(img.astype(np.int32) - np.asarray(color)).max(-1) < TOL).astype(np.uint8)


def _iou(a, b) -> float:
    lt, rb = np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])
    inter = np.clip(rb - lt, 0, None).prod()
    return inter / ((a[2:] - a[:2]).prod() + (b[2:] - b[:2]).prod() - inter)


def check_consistent(labels: dict, task: str, box_iou: float = 0.9, min_area: float = 150.0, lr: bool = True) -> int:
    """Assert each labelled object coincides with its drawn pixels; returns how many objects were checked."""
    img = labels["img"]
    h, w = img.shape[:2]
    inst: Instances = labels["instances"]
    inst.convert_bbox("xyxy")
    inst.denormalize(w, h)
    checked = 0
    for i in range(len(inst)):
        box = inst.bboxes[i]
        if (box[2:] - box[:2]).prod() < min_area:
            continue  # slivers left at an image edge
        x1, y1 = np.floor(np.maximum(box[:2] - 3, 0)).astype(int)
        x2, y2 = np.ceil(np.minimum(box[2:] + 3, [w, h])).astype(int)
        mask = np.zeros((h, w), np.uint8)
        mask[y1:y2, x1:x2] = _color_mask(img[y1:y2, x1:x2], PALETTE[int(labels["cls"][i, 0])])
        if task == "pose":  # keypoint markers are drawn inside the shape
            for c in KPT_COLORS:
                mask[y1:y2, x1:x2] |= _color_mask(img[y1:y2, x1:x2], c)
        ys, xs = np.nonzero(mask)
        assert len(xs), f"object {i}: no pixels of its colour inside its box {box}"
        drawn = np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float64)
        cut = task in {"detect", "obb"} and ((box[:2] <= 0.5).any() or box[2] >= w - 0.5 or box[3] >= h - 0.5)
        if box_iou < 0.8 or cut:  # rotated or border-cut box-only labels: must contain the shape, loosely
            box_iou = 0.0 if cut else box_iou  # a clipped box cannot know how much of a rotated shape is visible
            inside = (drawn[:2] >= box[:2] - 2).all() and (drawn[2:] <= box[2:] + 2).all()
            assert inside and _iou(box, drawn) > box_iou, f"object {i}: label box {box} vs drawn {drawn}"
        else:  # tight: IoU, or within 2 px for small shapes whose edges are blended
            close = _iou(box, drawn) > box_iou or np.abs(box - drawn).max() <= 2.0
            assert close, f"object {i}: label box {box} vs drawn {drawn}"
        if task in {"segment", "pose", "obb"} and len(inst.segments):
            poly = np.zeros((h, w), np.uint8)
            _fill(poly, inst.segments[i], 1)
            inter, union = (poly & mask).sum(), (poly | mask).sum()
            iou = inter / union
            assert iou > (0.75 if union >= 100 else 0.5), f"object {i}: polygon/pixels IoU {iou:.2f}"
        if task == "pose":
            _check_keypoints(img, inst.keypoints[i], lr)
        checked += 1
    return checked


def polygon_colour_fraction(img: np.ndarray, poly: np.ndarray, color, task: str = "segment") -> float:
    """Fraction of a polygon's pixels that show `color` (or a keypoint marker for pose); a wrong label scores ~0."""
    m = np.zeros(img.shape[:2], np.uint8)
    _fill(m, poly, 1)
    shown = _color_mask(img, color)
    for c in KPT_COLORS if task == "pose" else []:
        shown |= _color_mask(img, c)
    return float((shown & m).sum() / max(m.sum(), 1))


def _check_keypoints(img: np.ndarray, kpts: np.ndarray, lr: bool = True) -> None:
    h, w = img.shape[:2]
    for j, (x, y, v) in enumerate(kpts):
        if v == 0 or not (2 <= x < w - 2 and 2 <= y < h - 2):
            continue
        xi, yi = int(x), int(y)
        patch = img[yi - 1 : yi + 2, xi - 1 : xi + 2]
        assert _color_mask(patch, KPT_COLORS[j]).any(), f"keypoint {j} at ({x:.1f}, {y:.1f}) misses its marker"
    if lr and kpts[0, 2] > 0 and kpts[1, 2] > 0:
        assert kpts[0, 0] < kpts[1, 0], "left/right keypoints were not swapped by flip_idx"


@pytest.fixture(autouse=True)
def _seed():
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)


TASKS = ["detect", "segment", "pose", "obb"]


@pytest.mark.parametrize("task", TASKS)
def test_letterbox_moves_labels_with_pixels(task):
    ds = ShapesDataset(task)
    for i in range(3):
        labels = LetterBox(new_shape=(128, 128))(ds.get_image_and_label(i))
        assert labels["img"].shape == (128, 128, 3) and labels["resized_shape"] == (128, 128)
        assert labels["ratio_pad"] == ((1.0, 1.0), (0, 16))  # 160x120 -> 128x96, 16 px top and bottom
        assert check_consistent(labels, task) >= 2


def test_letterbox_options():
    img = np.zeros((120, 160, 3), np.uint8)
    assert LetterBox((128, 128))(image=img).shape == (128, 128, 3)
    assert LetterBox((128, 128), auto=True, stride=32)(image=img).shape == (96, 128, 3)
    assert LetterBox((128, 128), scale_fill=True)(image=img).shape == (128, 128, 3)
    assert LetterBox((320, 320), scaleup=False)(image=img)[100:220, 80:240].mean() == 0  # not enlarged, centred
    top_left = LetterBox((128, 128), center=False)(image=np.full((120, 160, 3), 7, np.uint8))
    assert top_left[:96].mean() == 7 and (top_left[96:] == 114).all()
    ds = ShapesDataset("segment")
    labels = ds.get_image_and_label(0)
    labels["rect_shape"] = (96, 128)
    out = LetterBox((160, 160), scale_fill=True)(labels)
    assert out["img"].shape == (96, 128, 3) and "rect_shape" not in out
    check_consistent(out, "segment")


PERSPECTIVES = [
    dict(degrees=30.0, translate=0.0, scale=0.0, shear=0.0, perspective=0.0),
    dict(degrees=0.0, translate=0.0, scale=0.0, shear=8.0, perspective=0.0),
    dict(degrees=0.0, translate=0.0, scale=0.4, shear=0.0, perspective=0.0),
    dict(degrees=0.0, translate=0.2, scale=0.0, shear=0.0, perspective=0.0),
    dict(degrees=0.0, translate=0.0, scale=0.0, shear=0.0, perspective=0.0008),
    dict(degrees=20.0, translate=0.1, scale=0.3, shear=5.0, perspective=0.0005),
]


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("kw", PERSPECTIVES, ids=["rot", "shear", "scale", "translate", "persp", "all"])
def test_random_perspective_moves_labels_with_pixels(task, kw):
    ds = ShapesDataset(task)
    rotated = kw["degrees"] or kw["shear"] or kw["perspective"]
    # Boxes alone (detect) are re-derived from the warped box corners, so they only contain a rotated shape.
    iou = 0.45 if task == "detect" and rotated else 0.85
    checked = 0
    for i in range(6):
        t = RandomPerspective(**kw, pre_transform=LetterBox((IMGSZ, IMGSZ)))
        labels = t(ds.get_image_and_label(i))
        assert labels["img"].shape == (IMGSZ, IMGSZ, 3) and "ratio_pad" not in labels
        checked += check_consistent(labels, task, box_iou=iou)
    assert checked >= 6


def test_random_perspective_identity_keeps_everything():
    ds = ShapesDataset("segment")
    labels = ds.get_image_and_label(0)
    before = labels["img"].copy()
    out = RandomPerspective(translate=0.0, scale=0.0)(labels)
    assert (out["img"] == before).all() and len(out["instances"]) == 2


@pytest.mark.parametrize("direction", ["horizontal", "vertical"])
def test_random_flip_with_keypoint_swap(direction):
    ds = ShapesDataset("pose")
    labels = RandomFlip(p=1.0, direction=direction, flip_idx=FLIP_IDX)(ds.get_image_and_label(1))
    assert check_consistent(labels, "pose") == 3
    if direction == "horizontal":  # without flip_idx the left keypoint ends up on the right
        unswapped = RandomFlip(p=1.0, direction=direction)(ds.get_image_and_label(1))
        unswapped["instances"].denormalize(W, H)
        k = unswapped["instances"].keypoints
        assert (k[:, 0, 0] > k[:, 1, 0]).all()
    assert RandomFlip(p=0.0)(ds.get_image_and_label(1))["img"].tobytes() == ds.samples[1]["img"].tobytes()
    with pytest.raises(ValueError, match="direction"):
        RandomFlip(direction="diagonal")


@pytest.mark.parametrize("task", ["segment", "obb"])
def test_random_flip_segments_and_obb(task):
    ds = ShapesDataset(task)
    for direction in ("horizontal", "vertical"):
        labels = RandomFlip(p=1.0, direction=direction)(ds.get_image_and_label(2))
        assert check_consistent(labels, task) == 2


@pytest.mark.parametrize("n", [4, 9])
@pytest.mark.parametrize("task", TASKS)
def test_mosaic_moves_labels_with_pixels(task, n):
    ds = ShapesDataset(task, n=9)
    mosaic = Mosaic(ds, imgsz=IMGSZ, p=1.0, n=n)
    for i in range(3):
        labels = mosaic(ds.get_image_and_label(i))
        assert labels["img"].shape == (2 * IMGSZ, 2 * IMGSZ, 3)
        assert labels["mosaic_border"] == (-IMGSZ // 2, -IMGSZ // 2) and "mix_labels" not in labels
        assert check_consistent(labels, task) >= 3
        cropped = RandomPerspective(degrees=10, scale=0.2)(labels)  # the border crops back to imgsz
        assert cropped["img"].shape == (IMGSZ, IMGSZ, 3)
        check_consistent(cropped, task, box_iou=0.45 if task == "detect" else 0.85)
    with pytest.raises(ValueError, match="rect"):
        mosaic({**ds.get_image_and_label(0), "rect_shape": (96, 128)})


def test_mixup_blends_images_and_keeps_both_label_sets():
    ds = ShapesDataset("segment")
    a, b = ds.get_image_and_label(0), ds.get_image_and_label(1)
    labels = {**ds.get_image_and_label(0), "mix_labels": [ds.get_image_and_label(1)]}
    out = MixUp(ds, p=1.0)._mix_transform(labels)
    assert len(out["instances"]) == 5 and out["cls"].shape == (5, 1)
    img1, img2, mixed = (x.astype(np.float64) for x in (a["img"], b["img"], out["img"]))
    r = ((mixed - img2) * (img1 - img2)).sum() / ((img1 - img2) ** 2).sum()
    assert 0.3 < r < 0.7 and np.abs(mixed - (r * img1 + (1 - r) * img2)).max() <= 1.5
    for part, src in ((slice(0, 2), a), (slice(2, 5), b)):  # each label set still matches its source's pixels
        check_consistent({"img": src["img"], "instances": out["instances"][part], "cls": out["cls"][part]}, "segment")
    assert MixUp(ds, p=0.0)(ds.get_image_and_label(0))["img"].tobytes() == a["img"].tobytes()


def test_cutmix_labels_follow_pasted_region():
    ds = ShapesDataset("segment")  # image 0 has classes 0-1, image 1 classes 3-5
    cutmix = CutMix(ds, p=1.0)
    cutmix.get_indexes = lambda: 1
    pasted = 0
    for _ in range(6):
        out = cutmix(ds.get_image_and_label(0))
        inst = out["instances"]
        assert out["img"].shape == (H, W, 3) and len(inst) == len(out["cls"]) and inst.bbox_format == "xyxy"
        for i, c in enumerate(out["cls"][:, 0].astype(int)):
            frac = polygon_colour_fraction(out["img"], inst.segments[i], PALETTE[c])
            assert frac > (0.7 if c >= 3 else 0.15), f"object {i} (class {c}): {frac:.2f} of its polygon shows it"
            pasted += c >= 3
    assert pasted > 0


@pytest.mark.parametrize("mode", ["flip", "mixup"])
@pytest.mark.parametrize("task", ["segment", "pose"])
def test_copy_paste_pastes_shapes_with_labels(mode, task):
    ds = ShapesDataset(task)
    pasted = 0
    for i in range(4):
        labels = LetterBox((IMGSZ, IMGSZ))(ds.get_image_and_label(i))
        n0 = len(labels["instances"])
        t = CopyPaste(ds, pre_transform=LetterBox((IMGSZ, IMGSZ)), p=1.0, mode=mode, flip_idx=FLIP_IDX)
        out = t(labels)
        inst = out["instances"]
        pasted += len(inst) - n0
        for j in range(n0, len(inst)):  # pasted objects lie on top: their polygon shows their colour
            c = int(out["cls"][j, 0])
            assert polygon_colour_fraction(out["img"], inst.segments[j], PALETTE[c], task) > 0.85
            if task == "pose":
                _check_keypoints(out["img"], inst.keypoints[j])
    assert pasted > 0
    det = ShapesDataset("detect").get_image_and_label(0)  # no polygons: nothing to paste, nothing changes
    assert len(CopyPaste(p=1.0)(det)["instances"]) == 2
    with pytest.raises(ValueError, match="copy_paste_mode"):
        CopyPaste(p=0.5, mode="cut")


def _hyp(**kw) -> SimpleNamespace:
    base = dict(mosaic=1.0, mixup=0.0, cutmix=0.0, copy_paste=0.5, copy_paste_mode="flip", degrees=10.0,
                translate=0.1, scale=0.3, shear=3.0, perspective=0.0003, hsv_h=0.0, hsv_s=0.0, hsv_v=0.0,
                flipud=0.5, fliplr=0.5, bgr=0.0)  # fmt: skip
    return SimpleNamespace(**{**base, **kw})


@pytest.mark.parametrize("task", TASKS)
def test_v8_transforms_pipeline_keeps_labels_on_shapes(task):
    ds = ShapesDataset(task)
    pipeline = v8_transforms(ds, IMGSZ, _hyp(copy_paste=0.0, mosaic=0.7))
    checked = 0
    for i in range(8):
        labels = pipeline(ds.get_image_and_label(i % len(ds)))
        assert labels["img"].shape == (IMGSZ, IMGSZ, 3)
        checked += check_consistent(labels, task, box_iou=0.45 if task == "detect" else 0.85)
    assert checked >= 8


@pytest.mark.parametrize("mode", ["flip", "mixup"])
@pytest.mark.parametrize("task", ["segment", "pose"])
def test_v8_transforms_with_copy_paste_keeps_polygons_on_shapes(task, mode):
    ds = ShapesDataset(task)
    pipeline = v8_transforms(ds, IMGSZ, _hyp(copy_paste=1.0, copy_paste_mode=mode))
    checked = 0
    for i in range(6):
        labels = pipeline(ds.get_image_and_label(i))
        inst = labels["instances"]
        inst.convert_bbox("xyxy")
        for j, c in enumerate(labels["cls"][:, 0].astype(int)):
            if inst.bbox_areas[j] >= 150:  # an object may be partly hidden by a pasted one, never missing
                assert polygon_colour_fraction(labels["img"], inst.segments[j], PALETTE[c], task) > 0.5
                checked += 1
    assert checked >= 12


RANGE_ENDS = [
    dict(hsv_h=1.0, hsv_s=1.0, hsv_v=1.0, flipud=1.0, fliplr=1.0, mixup=1.0, cutmix=1.0, copy_paste=1.0),
    dict(degrees=180.0, shear=180.0, perspective=0.001, translate=1.0, scale=2.0, mosaic=0.0),
    dict(degrees=-180.0, shear=-180.0, translate=0.0, scale=0.0, mosaic=1.0, copy_paste_mode="mixup", copy_paste=1.0),
]


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("kw", RANGE_ENDS, ids=["colour-mix", "geometry-max", "geometry-min"])
def test_v8_transforms_range_ends_give_valid_samples(task, kw):
    ds = ShapesDataset(task)
    pipeline = v8_transforms(ds, IMGSZ, _hyp(**kw))
    pipeline.append(Format(return_mask=task == "segment", return_keypoint=task == "pose", return_obb=task == "obb"))
    for i in range(4):
        out = pipeline(ds.get_image_and_label(i))
        n = len(out["cls"])
        assert out["img"].shape == (3, IMGSZ, IMGSZ) and out["bboxes"].shape == (n, 5 if task == "obb" else 4)
        assert torch.isfinite(out["bboxes"]).all() and out["batch_idx"].shape == (n,)
        if n and task != "obb":
            assert out["bboxes"].min() >= 0 and out["bboxes"].max() <= 1
        if task == "pose":
            assert out["keypoints"].shape == (n, 3, 3)


def test_half_turn_rotation_keeps_labels_on_shapes():
    ds = ShapesDataset("pose")
    for i in range(4):
        t = RandomPerspective(degrees=180.0, translate=0.0, scale=0.0, pre_transform=LetterBox((IMGSZ, IMGSZ)))
        labels = t(ds.get_image_and_label(i))
        assert check_consistent(labels, "pose", lr=False) >= 1  # upside down, left and right trade places


def test_v8_transforms_default_hyperparameters_and_format():
    from ultralytics_clone.cfg import get_cfg

    hyp = get_cfg()
    ds = ShapesDataset("segment")
    pipeline = v8_transforms(ds, IMGSZ, hyp)
    names = [type(t).__name__ for t in pipeline.tolist()]
    assert names == ["Compose", "MixUp", "CutMix", "RandomHSV", "RandomFlip", "RandomFlip"]
    assert [type(t).__name__ for t in pipeline[0].tolist()] == ["Mosaic", "CopyPaste", "RandomPerspective"]
    pipeline.append(Format(return_mask=True, mask_ratio=4))
    out = pipeline(ds.get_image_and_label(0))
    n = len(out["cls"])
    assert out["img"].shape == (3, IMGSZ, IMGSZ) and out["img"].dtype == torch.uint8
    assert out["bboxes"].shape == (n, 4) and out["masks"].shape == (1, IMGSZ // 4, IMGSZ // 4)


def test_v8_transforms_pose_flip_idx_rules(caplog):
    ds = ShapesDataset("pose")
    ds.data = {"kpt_shape": [3, 3]}
    hyp = _hyp()
    v8_transforms(ds, IMGSZ, hyp)
    assert hyp.fliplr == 0.0  # no flip_idx: left-right flips would mislabel keypoints
    ds.data = {"kpt_shape": [3, 3], "flip_idx": [1, 0]}
    with pytest.raises(DatasetError, match="flip_idx"):
        v8_transforms(ds, IMGSZ, _hyp())


def test_random_hsv_changes_colours_not_geometry():
    ds = ShapesDataset("segment")
    labels = ds.get_image_and_label(0)
    before = labels["img"].copy()
    out = RandomHSV(0.5, 0.5, 0.5)(labels)
    assert out["img"].shape == before.shape and not (out["img"] == before).all()
    assert (before == ds.samples[0]["img"]).all()  # the source image is not modified in place
    unchanged = RandomHSV(0.0, 0.0, 0.0)(ds.get_image_and_label(0))
    assert (unchanged["img"] == before).all()


def _formatted(task: str, **kw) -> tuple[dict, dict]:
    ds = ShapesDataset(task)
    raw = LetterBox((IMGSZ, IMGSZ))(ds.get_image_and_label(1))
    ref = {"instances": Instances(raw["instances"].bboxes.copy(), raw["instances"].segments.copy(), None,
                                  bbox_format="xyxy", normalized=False), "img": raw["img"].copy()}  # fmt: skip
    return Format(**kw)(raw), ref


def test_format_detect_and_bgr():
    out, ref = _formatted("detect")
    assert out["img"].dtype == torch.uint8 and out["img"].shape == (3, IMGSZ, IMGSZ)
    assert torch.equal(out["img"], torch.from_numpy(ref["img"][..., ::-1].transpose(2, 0, 1).copy()))  # RGB
    assert out["cls"].shape == (3, 1) and out["cls"].dtype == torch.float32
    assert out["bboxes"].shape == (3, 4) and out["bboxes"].dtype == torch.float32
    assert 0 <= out["bboxes"].min() and out["bboxes"].max() <= 1 and torch.equal(out["batch_idx"], torch.zeros(3))
    kept, _ = _formatted("detect", bgr=1.0)
    assert torch.equal(kept["img"], torch.from_numpy(ref["img"].transpose(2, 0, 1).copy()))


@pytest.mark.parametrize("overlap", [True, False])
def test_format_masks_match_polygons(overlap):
    out, ref = _formatted("segment", return_mask=True, mask_ratio=4, mask_overlap=overlap)
    masks = out["masks"]
    assert masks.shape == ((1 if overlap else 3), IMGSZ // 4, IMGSZ // 4)
    boxes = out["bboxes"] * IMGSZ  # xywh pixels, in the (possibly re-ordered) output order
    for i in range(3):
        m = (masks[0] == i + 1) if overlap else masks[i].bool()
        ys, xs = np.nonzero(m.numpy())
        cx, cy = (xs.mean() + 0.5) * 4, (ys.mean() + 0.5) * 4
        assert abs(cx - boxes[i, 0]) < 6 and abs(cy - boxes[i, 1]) < 6
    empty = Format(return_mask=True, mask_overlap=overlap)(
        {"img": np.zeros((64, 64, 3), np.uint8), "cls": np.zeros((0, 1), np.float32),
         "instances": Instances(np.zeros((0, 4)), None, None)}  # fmt: skip
    )
    assert empty["masks"].shape == ((1 if overlap else 0), 16, 16) and empty["bboxes"].shape == (0, 4)


def test_format_keypoints_and_obb():
    out, _ = _formatted("pose", return_keypoint=True)
    assert out["keypoints"].shape == (3, 3, 3) and out["keypoints"][..., :2].max() <= 1
    out, ref = _formatted("obb", return_obb=True)
    rb = out["bboxes"]
    assert rb.shape == (3, 5) and rb.dtype == torch.float32
    rb[:, [0, 2]] *= IMGSZ
    rb[:, [1, 3]] *= IMGSZ
    corners = xywhr2xyxyxyxy(rb).numpy()
    for i in range(3):  # the xywhr rectangle is the drawn rotated rectangle
        a, b = np.zeros((IMGSZ, IMGSZ), np.uint8), np.zeros((IMGSZ, IMGSZ), np.uint8)
        _fill(a, corners[i], 1)
        _fill(b, ref["instances"].segments[i], 1)
        assert (a & b).sum() / (a | b).sum() > 0.95


def test_obb_pipeline_xywhr_on_rotated_rectangles():
    ds = ShapesDataset("obb")
    pipeline = v8_transforms(ds, IMGSZ, _hyp(shear=0.0, perspective=0.0, degrees=45.0))
    fmt = Format(return_obb=True, normalize=False)
    for i in range(4):
        labels = pipeline(ds.get_image_and_label(i))
        img, cls = labels["img"].copy(), labels["cls"].copy()
        out = fmt(labels)
        corners = xywhr2xyxyxyxy(out["bboxes"]).numpy()
        for k, c in enumerate(corners):
            if out["bboxes"][k, 2] * out["bboxes"][k, 3] < 200 or (c < 1).any() or (c > IMGSZ - 1).any():
                continue  # cut by the border: the clipped corners are not a rectangle any more
            rect = np.zeros((IMGSZ, IMGSZ), np.uint8)
            _fill(rect, c, 1)
            drawn = _color_mask(img, PALETTE[int(cls[k, 0])]) & cv2.dilate(rect, np.ones((5, 5), np.uint8))
            assert (rect & drawn).sum() / (rect | drawn).sum() > 0.85


def test_compose_is_list_like():
    class AddOne(BaseTransform):
        def apply_image(self, labels):
            labels["img"] = labels["img"] + 1

    c = Compose([AddOne()])
    c.append(AddOne())
    c.insert(0, AddOne())
    assert len(c) == 3 and isinstance(c[0], AddOne) and isinstance(c[1:], Compose) and len(c[[0, 2]]) == 2
    assert c({"img": 0})["img"] == 3 and len(c.tolist()) == 3
    c[0] = lambda d: d
    assert c({"img": 0})["img"] == 2


@pytest.mark.parametrize("policy", ["randaugment", "autoaugment", "augmix", None])
def test_classify_augmentations_policies(policy):
    from PIL import Image

    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (90, 120, 3), dtype=np.uint8))
    t = classify_augmentations(size=64, auto_augment=policy, erasing=0.9, hsv_h=0.015, hsv_s=0.4, hsv_v=0.4)
    names = [type(x).__name__ for x in t.transforms]
    expected = {"randaugment": "RandAugment", "autoaugment": "AutoAugment", "augmix": "AugMix", None: "ColorJitter"}
    assert expected[policy] in names and "RandomErasing" in names
    assert ("ColorJitter" in names) == (policy is None)
    x = t(img)
    assert x.shape == (3, 64, 64) and x.dtype == torch.float32
    forced = classify_augmentations(size=64, auto_augment=policy, force_color_jitter=True)
    assert "ColorJitter" in [type(x).__name__ for x in forced.transforms]


def test_classify_erasing_and_errors():
    from PIL import Image

    img = Image.fromarray(np.full((64, 64, 3), 200, np.uint8))
    erased = classify_augmentations(size=32, auto_augment=None, erasing=1.0, hsv_h=0, hsv_s=0, hsv_v=0)(img)
    assert (erased != 200 / 255).any()
    with pytest.raises(ValueError, match="auto_augment"):
        classify_augmentations(auto_augment="trivial")
    with pytest.raises(ValueError, match="interpolation"):
        classify_transforms(64, interpolation="SPLINE")


def test_classify_transforms_size_and_crop_fraction():
    from PIL import Image

    img = Image.fromarray(np.arange(100 * 160 * 3, dtype=np.uint8).reshape(100, 160, 3))
    assert classify_transforms(64)(img).shape == (3, 64, 64)
    assert classify_transforms((48, 64))(img).shape == (3, 48, 64)
    full, cropped = classify_transforms(64)(img), classify_transforms(64, crop_fraction=0.5)(img)
    assert cropped.shape == (3, 64, 64) and not torch.equal(full, cropped)
    with pytest.raises(ValueError, match="crop_fraction"):
        classify_transforms(64, crop_fraction=0.0)


def test_numpy_classify_helpers():
    img = np.zeros((60, 120, 3), np.uint8)
    img[:, 30:90] = (255, 0, 0)  # blue (BGR) centre square
    boxed = ClassifyLetterBox(64)(img)
    assert boxed.shape == (64, 64, 3) and (boxed[:16] == 114).all() and (boxed[16:48, 16:48] == (255, 0, 0)).all()
    assert ClassifyLetterBox((64, 64), auto=True, stride=32)(img).shape == (32, 64, 3)
    crop = CenterCrop(32)(img)
    assert crop.shape == (32, 32, 3) and (crop == (255, 0, 0)).all()
    t = ToTensor()(crop)
    assert t.shape == (3, 32, 32) and t.dtype == torch.float32 and t[2].min() == 1 and t[0].max() == 0  # RGB
    assert ToTensor(half=True)(crop).dtype == torch.float16
