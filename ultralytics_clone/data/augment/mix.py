"""Multi-image transforms: Mosaic (2x2 or 3x3), MixUp, CutMix and CopyPaste ('flip' or 'mixup' source)."""

from __future__ import annotations

import random
from copy import deepcopy

import cv2
import numpy as np

from ultralytics_clone.data.augment.geometric import PAD_VALUE, box_candidates, boxes_from_points
from ultralytics_clone.utils.instance import Instances


def _ioa(box1: np.ndarray, box2: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """Intersection over the area of box2: (N, M) for xyxy boxes box1 (N, 4) and box2 (M, 4)."""
    lt = np.maximum(box1[:, None, :2], box2[None, :, :2])
    rb = np.minimum(box1[:, None, 2:], box2[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    return inter / ((box2[:, 2] - box2[:, 0]) * (box2[:, 3] - box2[:, 1]) + eps)[None]


def _to_pixels_xyxy(labels: dict) -> Instances:
    """labels['instances'] as xyxy pixels of labels['img'] (converted in place)."""
    inst: Instances = labels["instances"]
    inst.convert_bbox("xyxy")
    inst.denormalize(*labels["img"].shape[:2][::-1])
    return inst


class BaseMixTransform:
    """With probability p, fetch extra samples (`get_indexes`) from the dataset, pre-transform them and mix them in."""

    def __init__(self, dataset, pre_transform=None, p: float = 0.0) -> None:
        self.dataset = dataset
        self.pre_transform = pre_transform
        self.p = p

    def __call__(self, labels: dict) -> dict:
        if random.uniform(0, 1) > self.p or self.p <= 0:
            return labels
        indexes = self.get_indexes()
        indexes = [indexes] if isinstance(indexes, int) else indexes
        mix_labels = [self.dataset.get_image_and_label(i) for i in indexes]
        if self.pre_transform is not None:
            mix_labels = [self.pre_transform(d) for d in mix_labels]
        labels["mix_labels"] = mix_labels
        labels = self._mix_transform(labels)
        labels.pop("mix_labels", None)
        return labels

    def get_indexes(self) -> int | list[int]:
        """A random dataset index."""
        return random.randint(0, len(self.dataset) - 1)

    def _mix_transform(self, labels: dict) -> dict:
        raise NotImplementedError


class Mosaic(BaseMixTransform):
    """Tile n = 4 (2x2 around a random centre) or 9 (3x3) images onto a 2*imgsz canvas (labels in xyxy pixels).

    The result carries mosaic_border = (-imgsz // 2, -imgsz // 2) so RandomPerspective crops it back to imgsz.
    """

    def __init__(self, dataset, imgsz: int = 640, p: float = 1.0, n: int = 4) -> None:
        if not 0 <= p <= 1.0:
            raise ValueError(f"Mosaic probability must be in [0, 1], got {p}")
        if n not in {4, 9}:
            raise ValueError(f"Mosaic n must be 4 or 9 images, got {n}")
        super().__init__(dataset=dataset, p=p)
        self.imgsz = imgsz
        self.border = (-imgsz // 2, -imgsz // 2)
        self.n = n

    def get_indexes(self) -> list[int]:
        """n - 1 indices, drawn from the dataset's buffer of recent images when it has one."""
        buffer = getattr(self.dataset, "buffer", None)
        if buffer:
            return random.choices(list(buffer), k=self.n - 1)
        return [random.randint(0, len(self.dataset) - 1) for _ in range(self.n - 1)]

    def _mix_transform(self, labels: dict) -> dict:
        if labels.get("rect_shape") is not None:
            raise ValueError("Mosaic cannot run with rect=True (rectangular batches); set mosaic=0.0 or rect=False")
        if not labels.get("mix_labels"):
            raise ValueError("Mosaic needs labels['mix_labels'] with the other images")
        return self._mosaic4(labels) if self.n == 4 else self._mosaic9(labels)

    def _mosaic4(self, labels: dict) -> dict:
        s = self.imgsz
        yc, xc = (int(random.uniform(-b, 2 * s + b)) for b in self.border)  # centre in [s/2, 3s/2]
        canvas = np.full((2 * s, 2 * s, labels["img"].shape[2]), PAD_VALUE, dtype=np.uint8)
        parts = []
        for i, patch in enumerate([labels, *labels["mix_labels"][:3]]):
            img = patch["img"]
            h, w = img.shape[:2]
            if i == 0:  # top-left: bottom-right corner of the image at the centre
                xa, ya = max(xc - w, 0), max(yc - h, 0)
                xa2, ya2 = xc, yc
                xb, yb = w - (xa2 - xa), h - (ya2 - ya)
            elif i == 1:  # top-right
                xa, ya, xa2, ya2 = xc, max(yc - h, 0), min(xc + w, 2 * s), yc
                xb, yb = 0, h - (ya2 - ya)
            elif i == 2:  # bottom-left
                xa, ya, xa2, ya2 = max(xc - w, 0), yc, xc, min(2 * s, yc + h)
                xb, yb = w - (xa2 - xa), 0
            else:  # bottom-right
                xa, ya, xa2, ya2 = xc, yc, min(xc + w, 2 * s), min(2 * s, yc + h)
                xb, yb = 0, 0
            canvas[ya:ya2, xa:xa2] = img[yb : yb + (ya2 - ya), xb : xb + (xa2 - xa)]
            parts.append(self._shifted(patch, xa - xb, ya - yb))
        return self._cat_labels(parts, canvas)

    def _mosaic9(self, labels: dict) -> dict:
        s = self.imgsz
        canvas = np.full((3 * s, 3 * s, labels["img"].shape[2]), PAD_VALUE, dtype=np.uint8)
        cells = [(1, 1), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0), (0, 0)]  # centre, then clockwise
        parts = []
        for (row, col), patch in zip(cells, [labels, *labels["mix_labels"][:8]]):
            img = patch["img"]
            h, w = img.shape[:2]
            x0 = col * s + (s - w if col == 0 else 0 if col == 2 else (s - w) // 2)  # hug the centre cell
            y0 = row * s + (s - h if row == 0 else 0 if row == 2 else (s - h) // 2)
            canvas[y0 : y0 + h, x0 : x0 + w] = img
            parts.append((patch, x0, y0))
        xo, yo = random.randint(0, s), random.randint(0, s)  # random 2s x 2s window of the 3s x 3s grid
        canvas = np.ascontiguousarray(canvas[yo : yo + 2 * s, xo : xo + 2 * s])
        return self._cat_labels([self._shifted(p, x0 - xo, y0 - yo) for p, x0, y0 in parts], canvas)

    @staticmethod
    def _shifted(patch: dict, padw: int, padh: int) -> dict:
        """The patch's instances in canvas pixels (xyxy), its image placed with top-left at (padw, padh)."""
        inst = _to_pixels_xyxy(patch)
        inst.add_padding(padw, padh)
        patch.pop("resized_shape", None)
        return patch

    def _cat_labels(self, parts: list[dict], canvas: np.ndarray) -> dict:
        size = canvas.shape[0]
        instances = Instances.concatenate([p["instances"] for p in parts], axis=0)
        if instances.segments.shape[1] > 4 and len(instances.segments):  # tight boxes of the visible outline
            instances.update(boxes_from_points(instances.segments, canvas.shape[1], size))
        instances.clip(canvas.shape[1], size)
        good = instances.remove_zero_area_boxes()
        cls = np.concatenate([p["cls"] for p in parts], 0)[good]
        first = parts[0]
        out = {k: v for k, v in first.items() if k not in {"img", "instances", "cls", "mix_labels"}}
        out.update(img=canvas, cls=cls, instances=instances, resized_shape=(size, size), mosaic_border=self.border)
        return out


class MixUp(BaseMixTransform):
    """Blend with another sample, weight r ~ Beta(32, 32), and keep both label sets."""

    def _mix_transform(self, labels: dict) -> dict:
        other = labels["mix_labels"][0]
        r = np.random.beta(32.0, 32.0)
        inst1 = _to_pixels_xyxy(labels)
        img2, inst2 = _match_size(other, labels["img"].shape[:2])
        labels["img"] = (labels["img"] * r + img2 * (1 - r)).astype(np.uint8)
        labels["instances"] = Instances.concatenate([inst1, inst2], axis=0)
        labels["cls"] = np.concatenate([labels["cls"], other["cls"]], 0)
        return labels


def _match_size(labels: dict, shape: tuple[int, int]) -> tuple[np.ndarray, Instances]:
    """labels' image resized to shape (h, w) and its instances in xyxy pixels of that size."""
    inst = _to_pixels_xyxy(labels)
    img = labels["img"]
    h, w = img.shape[:2]
    if (h, w) != tuple(shape):
        img = cv2.resize(img, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR).reshape(*shape, -1)
        inst.scale(shape[1] / w, shape[0] / h)
    return img, inst


class CutMix(BaseMixTransform):
    """Paste a random rectangle of another sample (area fraction ~ 1 - Beta(beta, beta)) with the objects inside it.

    Objects of this image covered for more than 70% by the rectangle are dropped; the other sample's objects are
    clipped to the rectangle and kept when enough of them remains.
    """

    def __init__(self, dataset, pre_transform=None, p: float = 0.0, beta: float = 1.0, num_areas: int = 3) -> None:
        super().__init__(dataset=dataset, pre_transform=pre_transform, p=p)
        self.beta = beta
        self.num_areas = num_areas  # candidate rectangles; the one covering this image's objects least is used

    def _mix_transform(self, labels: dict) -> dict:
        h, w = labels["img"].shape[:2]
        other = labels["mix_labels"][0]
        inst1 = _to_pixels_xyxy(labels)
        img2, inst2 = _match_size(other, (h, w))
        best = None
        for _ in range(max(1, int(self.num_areas))):
            cut = np.sqrt(1.0 - np.random.beta(self.beta, self.beta))
            cw, ch = int(w * cut), int(h * cut)
            x1, y1 = random.randint(0, w - cw), random.randint(0, h - ch)
            region = np.array([[x1, y1, x1 + cw, y1 + ch]], dtype=np.float64)
            covered = float(_ioa(region, inst1.bboxes)[0].max(initial=0.0)) if len(inst1) else 0.0
            if best is None or covered < best[0]:
                best = (covered, cw, ch, x1, y1, region)
        _, cw, ch, x1, y1, region = best
        keep1 = _ioa(region, inst1.bboxes)[0] < 0.7 if len(inst1) else np.zeros(0, bool)
        before = inst2.bboxes.copy()
        inst2.add_padding(-x1, -y1)
        if inst2.segments.shape[1] > 4 and len(inst2.segments):  # tight boxes of the outline inside the cut
            inst2.update(boxes_from_points(inst2.segments, cw, ch))
        inst2.clip(cw, ch)
        inst2.add_padding(x1, y1)
        keep2 = box_candidates(before.T, inst2.bboxes.T, area_thr=0.1) if len(inst2) else np.zeros(0, bool)
        img = labels["img"].copy()
        img[y1 : y1 + ch, x1 : x1 + cw] = img2[y1 : y1 + ch, x1 : x1 + cw]
        labels["img"] = img
        labels["instances"] = Instances.concatenate([inst1[keep1], inst2[keep2]], axis=0)
        labels["cls"] = np.concatenate([labels["cls"][keep1], other["cls"][keep2]], 0)
        return labels


class CopyPaste(BaseMixTransform):
    """Paste segmented objects that do not overlap existing ones (ioa < 0.3); a fraction p of the candidates.

    mode 'flip' takes them from this image mirrored left-right (no dataset needed; flip_idx re-orders keypoints);
    'mixup' from another sample.
    Only samples with polygons are changed.
    """

    def __init__(self, dataset=None, pre_transform=None, p: float = 0.5, mode: str = "flip",
                 flip_idx: list[int] | None = None) -> None:  # fmt: skip
        if mode not in {"flip", "mixup"}:
            raise ValueError(f"copy_paste_mode must be 'flip' or 'mixup', got '{mode}'")
        super().__init__(dataset=dataset, pre_transform=pre_transform, p=p)
        self.mode = mode
        self.flip_idx = list(flip_idx) if flip_idx is not None and len(flip_idx) else None

    def __call__(self, labels: dict) -> dict:
        if self.p <= 0 or not len(labels["instances"].segments):
            return labels
        if self.mode == "flip":
            return self._transform(labels)
        other = self.dataset.get_image_and_label(self.get_indexes())
        if self.pre_transform is not None:
            other = self.pre_transform(other)
        return self._transform(labels, other)

    def _transform(self, labels: dict, other: dict | None = None) -> dict:
        img = labels["img"]
        img = img if "mosaic_border" in labels else img.copy()
        h, w = img.shape[:2]
        inst = _to_pixels_xyxy(labels)
        cls = labels["cls"]
        if other is None:
            src_inst, src_cls, src_img = deepcopy(inst), cls, cv2.flip(img, 1).reshape(img.shape)
            src_inst.fliplr(w)
            if self.flip_idx is not None and src_inst.keypoints is not None:
                src_inst.keypoints = np.ascontiguousarray(src_inst.keypoints[:, self.flip_idx])
        else:
            src_img, src_inst = _match_size(other, (h, w))
            src_cls = other["cls"]
        if not len(src_inst.segments):
            labels["img"] = img
            return labels
        ioa = _ioa(src_inst.bboxes, inst.bboxes) if len(inst) else np.zeros((len(src_inst), 0))
        cand = np.nonzero((ioa < 0.30).all(1))[0]
        cand = cand[np.argsort(ioa.max(1, initial=0.0)[cand], kind="stable")][: round(self.p * len(cand))]
        if len(cand):
            paste = np.zeros((h, w), dtype=np.uint8)
            cv2.drawContours(paste, list(src_inst.segments[cand].round().astype(np.int32)), -1, 1, cv2.FILLED)
            img = cv2.copyTo(src_img, paste, img)  # writes into img where the pasted outlines are
            inst = Instances.concatenate([inst, src_inst[cand]], axis=0)
            cls = np.concatenate([cls, src_cls[cand]], 0)
        labels.update(img=img, instances=inst, cls=cls)
        return labels
