"""Drawing predictions on images: a 20-colour palette and the Annotator (boxes, rotated boxes, labels, masks,
keypoints, text), drawing with OpenCV by default or PIL with the DejaVu font that ships with matplotlib."""

from __future__ import annotations

import os
import platform
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

# A fixed, high-contrast palette (RGB hex), cycled by class index.
_HEX = ("FF3838", "FF9D97", "FF701F", "FFB21D", "CFD231", "48F90A", "92CC17", "3DDB86", "1A9334", "00D4BB",
        "2C99A8", "00C2FF", "344593", "6473FF", "0018EC", "8438FF", "520085", "CB38FF", "FF95C8", "FF37C7")  # fmt: skip
# Keypoint / limb palette (RGB), indexed by the pose tables below.
_POSE = ((255, 128, 0), (255, 153, 51), (255, 178, 102), (230, 230, 0), (255, 153, 255), (153, 204, 255),
         (255, 102, 255), (255, 51, 255), (102, 178, 255), (51, 153, 255), (255, 153, 153), (255, 102, 102),
         (255, 51, 51), (153, 255, 153), (102, 255, 102), (51, 255, 51), (0, 255, 0), (0, 0, 255), (255, 0, 0),
         (255, 255, 255))  # fmt: skip
# COCO-17 skeleton as 1-based keypoint pairs; limb and keypoint colours index _POSE.
SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7], [6, 8], [7, 9], [8, 10],
            [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]  # fmt: skip
_LIMB = [9, 9, 9, 9, 7, 7, 7, 0, 0, 0, 0, 0, 16, 16, 16, 16, 16, 16, 16]
_KPT = [16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9]


class Colors:
    """`colors(i, bgr=False)` -> an (r, g, b) tuple (or b, g, r) from the palette, cycling by index."""

    def __init__(self) -> None:
        self.palette = [self.hex2rgb(f"#{h}") for h in _HEX]
        self.n = len(self.palette)
        self.pose_palette = np.array(_POSE, dtype=np.uint8)

    def __call__(self, i: int, bgr: bool = False) -> tuple[int, int, int]:
        c = self.palette[int(i) % self.n]
        return (c[2], c[1], c[0]) if bgr else c

    @staticmethod
    def hex2rgb(h: str) -> tuple[int, int, int]:
        """'#FF3838' -> (255, 56, 56)."""
        h = h.lstrip("#")
        return tuple(int(h[k : k + 2], 16) for k in (0, 2, 4))


colors = Colors()


@lru_cache(maxsize=1)
def can_show() -> bool:
    """True when an OpenCV window can be opened (a display on Linux, not in a notebook or CI)."""
    if os.getenv("CI") or "ipykernel" in __import__("sys").modules:
        return False
    if platform.system() == "Linux" and not (os.getenv("DISPLAY") or os.getenv("WAYLAND_DISPLAY")):
        return False
    return "GUI:                           NONE" not in cv2.getBuildInformation()


@lru_cache(maxsize=8)
def _font_file(font: str) -> str:
    """A TrueType file for `font`: the path itself when it exists, else matplotlib's bundled DejaVuSans (no download)."""
    if font and Path(font).is_file():
        return str(font)
    try:
        import matplotlib

        return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    except ImportError:
        return ""


class Annotator:
    """Draw on an image: box_label (axis-aligned or rotated), masks, kpts, text, text_label, circle_label.

    OpenCV draws in place on a contiguous uint8 BGR array (as the seed's video examples expect); pil=True (or a
    non-ASCII `example`) draws with PIL on a copy. `result()` returns the BGR array either way.
    """

    def __init__(self, im: Any, line_width: int | None = None, font_size: float | None = None,
                 font: str = "Arial.ttf", pil: bool = False, example: str = "abc") -> None:  # fmt: skip
        non_ascii = not str(example).isascii()
        self.pil = bool(pil or non_ascii or not isinstance(im, np.ndarray))
        if isinstance(im, np.ndarray):
            arr = im if im.ndim == 3 and im.shape[2] == 3 else cv2.cvtColor(im, cv2.COLOR_GRAY2BGR if im.ndim == 2
                                                                             else cv2.COLOR_BGRA2BGR)  # fmt: skip
            arr = arr if arr.dtype == np.uint8 and arr.flags.c_contiguous and arr.flags.writeable else \
                np.ascontiguousarray(arr, dtype=np.uint8)  # fmt: skip
        else:  # a PIL image
            arr = np.ascontiguousarray(np.asarray(im.convert("RGB"))[..., ::-1])
        h, w = arr.shape[:2]
        self.lw = int(line_width or max(round((h + w) / 2 * 0.003), 2))
        self.tf = max(self.lw - 1, 1)
        self.sf = float(font_size or self.lw / 3)
        self.skeleton, self.limb_color, self.kpt_color = SKELETON, colors.pose_palette[_LIMB], colors.pose_palette[_KPT]
        self.dark_colors = {(235, 219, 11), (243, 243, 243), (183, 223, 0), (221, 111, 255), (0, 237, 204),
                            (68, 243, 0), (255, 255, 0), (179, 255, 1), (11, 255, 162)}  # fmt: skip
        self.light_colors = {(255, 42, 4), (79, 68, 255), (255, 0, 189), (255, 180, 0), (186, 0, 221), (0, 192, 38),
                             (255, 36, 125), (104, 0, 123), (108, 27, 255), (47, 109, 252), (104, 31, 17)}  # fmt: skip
        if self.pil:
            from PIL import Image, ImageDraw, ImageFont

            self.im = Image.fromarray(arr[..., ::-1])
            self.draw = ImageDraw.Draw(self.im)
            size = max(round((h + w) / 2 * 0.035), 12) if not font_size else \
                int(font_size) if font_size >= 4 else max(int(font_size * 30), 6)  # small values: an OpenCV scale
            path = _font_file(font)
            self.font = ImageFont.truetype(path, size) if path else ImageFont.load_default()
        else:
            self.im, self.draw, self.font = arr, None, None

    # ------------------------------------------------------------------------------------------------ helpers
    def get_txt_color(self, color: tuple = (128, 128, 128), txt_color: tuple = (255, 255, 255)) -> tuple:
        """Black text on the palette's light colours, white on dark ones (`txt_color` otherwise)."""
        if tuple(color) in self.dark_colors:
            return 104, 31, 17
        if tuple(color) in self.light_colors:
            return 255, 255, 255
        return txt_color

    @staticmethod
    def get_bbox_dimension(bbox: Any) -> tuple[Any, Any, Any]:
        """(width, height, area) of an xyxy box (numbers, arrays or tensors, as given)."""
        x_min, y_min, x_max, y_max = bbox
        width, height = x_max - x_min, y_max - y_min
        return width, height, width * height

    def _text_size(self, text: str) -> tuple[int, int]:
        if self.pil:
            x0, y0, x1, y1 = self.font.getbbox(text)
            return x1 - x0, y1 - y0
        return cv2.getTextSize(text, 0, fontScale=self.sf, thickness=self.tf)[0]

    def _ink(self, color: tuple) -> tuple:
        """A BGR colour as the drawing backend wants it (RGB for PIL)."""
        c = tuple(int(v) for v in color)
        return c[::-1] if self.pil else c

    # --------------------------------------------------------------------------------------------------- shapes
    def box_label(self, box: Any, label: str = "", color: tuple = (128, 128, 128), txt_color: tuple = (255, 255, 255),
                  rotated: bool = False) -> None:  # fmt: skip
        """An xyxy rectangle (or a 4-corner polygon when rotated / given 4x2 points) with a filled label tag."""
        box = np.asarray(box.tolist() if hasattr(box, "tolist") else box, dtype=np.float32)
        txt_color = self.get_txt_color(color, txt_color)
        if rotated or box.size == 8:
            pts = box.reshape(4, 2)
            if self.pil:
                self.draw.polygon([tuple(p) for p in pts], outline=self._ink(color), width=self.lw)
            else:
                cv2.polylines(self.im, [pts.astype(np.int32).reshape(-1, 1, 2)], True, color, self.lw, cv2.LINE_AA)
            p1 = (int(pts[0, 0]), int(pts[0, 1]))
        else:
            p1, p2 = (int(box[0]), int(box[1])), (int(box[2]), int(box[3]))
            if self.pil:
                self.draw.rectangle([p1, p2], outline=self._ink(color), width=self.lw)
            else:
                cv2.rectangle(self.im, p1, p2, color, thickness=self.lw, lineType=cv2.LINE_AA)
        if label:
            w, h = self._text_size(label)
            outside = p1[1] >= h + 3
            top = p1[1] - h - 3 if outside else p1[1]
            self.rectangle((p1[0], top, p1[0] + w + 1, top + h + 3), fill=color)
            self.text((p1[0], top + 1), label, txt_color=txt_color)

    def rectangle(self, xy: Any, fill: tuple | None = None, outline: tuple | None = None, width: int = 1) -> None:
        """A rectangle (x1, y1, x2, y2), filled and/or outlined (BGR colours)."""
        x1, y1, x2, y2 = (int(v) for v in xy)
        if self.pil:
            self.draw.rectangle([x1, y1, x2, y2], fill=None if fill is None else self._ink(fill),
                                outline=None if outline is None else self._ink(outline), width=width)  # fmt: skip
            return
        if fill is not None:
            cv2.rectangle(self.im, (x1, y1), (x2, y2), tuple(int(c) for c in fill), -1, cv2.LINE_AA)
        if outline is not None:
            cv2.rectangle(self.im, (x1, y1), (x2, y2), tuple(int(c) for c in outline), width, cv2.LINE_AA)

    def text(self, xy: Any, text: str, txt_color: tuple = (255, 255, 255), anchor: str = "top",
             box_color: tuple = ()) -> None:  # fmt: skip
        """Text whose top-left corner is `xy` (bottom-left with anchor='bottom'), on a filled box when box_color."""
        x, y = int(xy[0]), int(xy[1])
        w, h = self._text_size(text)
        if anchor == "bottom":
            y -= h
        if box_color:
            self.rectangle((x, y - 1, x + w + 1, y + h + 3), fill=box_color)
        if self.pil:
            self.draw.text((x, y), text, fill=self._ink(txt_color), font=self.font)
        else:
            cv2.putText(self.im, text, (x, y + h), 0, self.sf, tuple(int(c) for c in txt_color), self.tf, cv2.LINE_AA)

    def text_label(self, box: Any, label: str = "", color: tuple = (128, 128, 128),
                   txt_color: tuple = (255, 255, 255), margin: int = 5) -> None:  # fmt: skip
        """A label on a filled rectangle centred on an xyxy box (instead of drawing the box)."""
        x1, y1, x2, y2 = (float(v) for v in box)
        w, h = self._text_size(label)
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        tx, ty = int(cx - w / 2), int(cy - h / 2)
        self.rectangle((tx - margin, ty - margin, tx + w + margin, ty + h + margin), fill=color)
        self.text((tx, ty), label, txt_color=self.get_txt_color(color, txt_color))

    def circle_label(self, box: Any, label: str = "", color: tuple = (128, 128, 128),
                     txt_color: tuple = (255, 255, 255), margin: int = 2) -> None:  # fmt: skip
        """A label in a filled circle centred on an xyxy box (instead of drawing the box)."""
        x1, y1, x2, y2 = (float(v) for v in box)
        w, h = self._text_size(label)
        c = (int((x1 + x2) / 2), int((y1 + y2) / 2))
        r = int(max(w, h) / 2 + margin)
        if self.pil:
            self.draw.ellipse([c[0] - r, c[1] - r, c[0] + r, c[1] + r], fill=self._ink(color))
        else:
            cv2.circle(self.im, c, r, tuple(int(v) for v in color), -1, cv2.LINE_AA)
        self.text((c[0] - w // 2, c[1] - h // 2), label, txt_color=self.get_txt_color(color, txt_color))

    def masks(self, masks: Any, colors: list[tuple], alpha: float = 0.5) -> None:
        """Blend (N, h, w) binary masks onto the image, colour i for mask i (later masks on top).

        Masks of another size than the image are taken as letterboxed (padding removed, then resized).
        """
        m = masks.detach().float().cpu().numpy() if hasattr(masks, "detach") else np.asarray(masks, np.float32)
        if m.ndim == 2:
            m = m[None]
        if not len(m):
            return
        im = self.result()
        h, w = im.shape[:2]
        if m.shape[1:] != (h, w):
            from ultralytics_clone.utils.mask_ops import scale_image

            chunks = [scale_image(np.ascontiguousarray(m[k : k + 256].transpose(1, 2, 0)), (h, w))
                      for k in range(0, len(m), 256)]  # cv2.resize takes at most 512 channels
            m = np.concatenate([c.reshape(h, w, -1) for c in chunks], 2).transpose(2, 0, 1)
        m = m > 0.5
        order = np.arange(1, len(m) + 1, dtype=np.int32)[:, None, None]
        top = (m * order).max(0)  # index + 1 of the last mask covering each pixel, 0 for none
        covered = top > 0
        palette = np.asarray([(0, 0, 0), *colors], dtype=np.float32)  # BGR
        blended = im[covered].astype(np.float32) * (1 - alpha) + palette[top[covered]] * alpha
        im[covered] = blended.round().clip(0, 255).astype(np.uint8)
        self._set(im)

    def kpts(self, kpts: Any, shape: tuple = (640, 640), radius: int | None = None, kpt_line: bool = True,
             conf_thres: float = 0.25, kpt_color: tuple | None = None) -> None:  # fmt: skip
        """Dots for (K, 2|3) keypoints in pixels and, for the 17 COCO points, the skeleton; points whose visibility
        is below conf_thres or that lie outside the image are skipped."""
        k = kpts.detach().cpu().numpy() if hasattr(kpts, "detach") else np.asarray(kpts, dtype=np.float32)
        n, nd = k.shape[:2] if k.ndim == 2 else (0, 0)
        if not n:
            return
        im = self.result()
        h, w = im.shape[:2]
        r = int(radius or max(self.lw, 2))
        visible = (k[:, 0] > 0) & (k[:, 1] > 0) & (k[:, 0] < w) & (k[:, 1] < h)
        if nd == 3:
            visible &= k[:, 2] >= conf_thres
        is_pose = n == 17 and nd in {2, 3}
        if kpt_line and is_pose:
            for j, (a, b) in enumerate(self.skeleton):  # one line per limb: an OpenCV primitive each
                if visible[a - 1] and visible[b - 1]:
                    pa, pb = tuple(int(v) for v in k[a - 1, :2]), tuple(int(v) for v in k[b - 1, :2])
                    cv2.line(im, pa, pb, tuple(int(c) for c in self.limb_color[j][::-1]), max(self.lw // 2, 1),
                             cv2.LINE_AA)  # fmt: skip
        for j in np.flatnonzero(visible):
            c = kpt_color or (tuple(int(v) for v in self.kpt_color[j][::-1]) if is_pose else colors(int(j), True))
            cv2.circle(im, (int(k[j, 0]), int(k[j, 1])), r, tuple(int(v) for v in c), -1, cv2.LINE_AA)
        self._set(im)

    def semantic_mask(self, mask: Any, alpha: float = 0.5, ignore_index: int = 255) -> None:
        """Blend a (h, w) class-index map, one palette colour per class; ignore_index left as is."""
        m = mask.cpu().numpy() if hasattr(mask, "cpu") else np.asarray(mask)
        im = self.result()
        if m.shape != im.shape[:2]:
            m = cv2.resize(m.astype(np.int32), (im.shape[1], im.shape[0]), interpolation=cv2.INTER_NEAREST)
        keep = m != ignore_index
        pal = np.asarray([colors(i, True) for i in range(colors.n)], np.float32)
        im[keep] = (im[keep] * (1 - alpha) + pal[m[keep].astype(int) % colors.n] * alpha).astype(np.uint8)
        self._set(im)

    # ---------------------------------------------------------------------------------------------------- output
    def _set(self, im: np.ndarray) -> None:
        """Store a BGR array drawn on outside the backend (masks, keypoints)."""
        if self.pil:
            from PIL import Image, ImageDraw

            self.im = Image.fromarray(im[..., ::-1])
            self.draw = ImageDraw.Draw(self.im)
        else:
            self.im = im

    def fromarray(self, im: np.ndarray) -> None:
        """Replace the image with a BGR array."""
        self._set(np.ascontiguousarray(im))

    def result(self, pil: bool = False) -> Any:
        """The annotated image: BGR uint8 (H, W, 3), or a PIL image when `pil`."""
        arr = np.ascontiguousarray(np.asarray(self.im)[..., ::-1]) if self.pil else self.im
        if pil:
            from PIL import Image

            return Image.fromarray(arr[..., ::-1])
        return arr

    def show(self, title: str | None = None) -> None:
        """Display the image in a window (one warning and nothing else without a display)."""
        if not can_show():
            from ultralytics_clone.utils.log import warn_once

            warn_once("Annotator.show(): no display is available here; use save() instead.")
            return
        cv2.imshow(title or "image", self.result())
        cv2.waitKey(1)

    def save(self, filename: str = "image.jpg") -> None:
        """Write the annotated image."""
        cv2.imwrite(str(filename), self.result())


def save_one_box(xyxy: Any, im: np.ndarray, file: Path = Path("im.jpg"), gain: float = 1.02, pad: int = 10,
                 square: bool = False, BGR: bool = False, save: bool = True) -> np.ndarray:  # fmt: skip
    """The crop of `im` under an xyxy box enlarged by `gain` and `pad` pixels (square on request); saved to `file`
    (a free numbered name) when `save`. Returns the crop (BGR, or RGB unless BGR=True, as the reference does)."""
    import torch

    from ultralytics_clone.utils.files import increment_path
    from ultralytics_clone.utils.ops import clip_boxes, xywh2xyxy, xyxy2xywh

    b = xyxy2xywh(torch.as_tensor(xyxy, dtype=torch.float32).view(-1, 4))
    if square:
        b[:, 2:] = b[:, 2:].max(1, keepdim=True)[0]
    b[:, 2:] = b[:, 2:] * gain + pad
    box = clip_boxes(xywh2xyxy(b), im.shape).long()[0]
    crop = im[int(box[1]) : int(box[3]), int(box[0]) : int(box[2]), :: (1 if BGR else -1)]
    if save:
        f = Path(increment_path(file).with_suffix(".jpg"))
        f.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(f), np.ascontiguousarray(crop if BGR else crop[..., ::-1]))
    return crop


def feature_visualization(x: Any, module_type: str, stage: int, n: int = 32, save_dir: Path = Path("runs/detect/exp"),
                          ) -> None:  # fmt: skip
    """Save up to `n` channels of a stage's feature map (batch item 0) as one PNG grid (matplotlib, Agg)."""
    import torch

    if not isinstance(x, torch.Tensor) or x.ndim != 4 or x.shape[2] <= 1 or x.shape[3] <= 1 or "Detect" in module_type:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    maps = x[0].detach().float().cpu()[:n]
    cols = 8
    rows = int(np.ceil(len(maps) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols, rows), tight_layout=True)
    for ax, m in zip(np.ravel(axes), list(maps) + [None] * (rows * cols - len(maps))):
        if m is not None:
            ax.imshow(m.numpy())
        ax.axis("off")
    f = Path(save_dir) / f"stage{stage}_{module_type.split('.')[-1]}_features.png"
    f.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(f, dpi=150, bbox_inches="tight")
    plt.close(fig)


__all__ = ["Colors", "colors", "Annotator", "save_one_box", "feature_visualization", "can_show"]

from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
