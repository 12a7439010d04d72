"""Results: one image's predictions (boxes, masks, keypoints, probs, obb) with plotting, text export and summaries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ultralytics_clone.engine.result_views import OBB, BaseTensor, Boxes, Keypoints, Masks, Probs
from ultralytics_clone.utils.ops import clip_boxes
from ultralytics_clone.utils.plotting import Annotator, colors

_VIEWS = {"boxes": Boxes, "masks": Masks, "probs": Probs, "keypoints": Keypoints, "obb": OBB}


class Results:
    """Predictions for `orig_img` (BGR uint8 HxWx3) read from `path`; views are None when a task has no such output.

    `speed` holds preprocess/inference/postprocess milliseconds per image; `names` maps class index -> name.
    """

    def __init__(self, orig_img: np.ndarray, path: str, names: dict[int, str], boxes: torch.Tensor | None = None,
                 masks: torch.Tensor | None = None, probs: torch.Tensor | None = None,
                 keypoints: torch.Tensor | None = None, obb: torch.Tensor | None = None,
                 speed: dict[str, float] | None = None, semantic_mask: Any = None, depth: Any = None) -> None:  # fmt: skip
        if semantic_mask is not None or depth is not None:  # Ultralytics' semantic and depth tasks
            from ultralytics_clone.out_of_scope import not_in_scope

            raise not_in_scope(__name__, "SemanticMask" if semantic_mask is not None else "DepthMap")
        self.orig_img = orig_img
        self.orig_shape = tuple(orig_img.shape[:2])
        self.path = str(path)
        self.names = dict(names)
        self.boxes = self.masks = self.probs = self.keypoints = self.obb = None
        self.update(boxes=boxes, masks=masks, probs=probs, keypoints=keypoints, obb=obb)
        self.speed = speed or {"preprocess": None, "inference": None, "postprocess": None}
        self.save_dir: str | None = None
        self._keys = ("boxes", "masks", "probs", "keypoints", "obb")

    def update(self, boxes=None, masks=None, probs=None, obb=None, keypoints=None, semantic_mask=None, depth=None) -> None:
        """Replace the given views (raw tensors; boxes are clipped to the image). `semantic_mask` and `depth` belong
        to tasks not in this release and raise NotInScopeError when given."""
        if semantic_mask is not None or depth is not None:
            from ultralytics_clone.out_of_scope import not_in_scope

            raise not_in_scope(__name__, "SemanticMask" if semantic_mask is not None else "DepthMap")
        if boxes is not None:
            boxes = clip_boxes(boxes.clone() if isinstance(boxes, torch.Tensor) else np.copy(boxes), self.orig_shape)
        for key, value in (("boxes", boxes), ("masks", masks), ("probs", probs), ("keypoints", keypoints), ("obb", obb)):
            if value is not None:
                setattr(self, key, _VIEWS[key](value, self.orig_shape))

    def _apply(self, fn: str, *args: Any, **kwargs: Any) -> Results:
        """A new Results whose views are `view.fn(*args)`."""
        r = self.new()
        for k in self._keys:
            v = getattr(self, k)
            if v is not None:
                setattr(r, k, getattr(v, fn)(*args, **kwargs))
        return r

    def cpu(self) -> Results:
        return self._apply("cpu")

    def numpy(self) -> Results:
        return self._apply("numpy")

    def cuda(self) -> Results:
        return self._apply("cuda")

    def to(self, *args: Any, **kwargs: Any) -> Results:
        return self._apply("to", *args, **kwargs)

    def new(self) -> Results:
        """An empty Results for the same image, path, names and speed."""
        return Results(orig_img=self.orig_img, path=self.path, names=self.names, speed=self.speed)

    def __getitem__(self, idx: Any) -> Results:
        return self._apply("__getitem__", idx)

    def __len__(self) -> int:
        for k in self._keys:
            v = getattr(self, k)
            if v is not None:
                return len(v)
        return 0

    def __repr__(self) -> str:
        parts = [f"{k}={type(getattr(self, k)).__name__}" for k in self._keys if getattr(self, k) is not None]
        return f"Results(path='{self.path}', orig_shape={self.orig_shape}, {', '.join(parts) or 'empty'})"

    # ------------------------------------------------------------------------------------------------- rendering
    def plot(self, conf: bool = True, line_width: int | None = None, font_size: float | None = None,
             font: str = "Arial.ttf", pil: bool = False, img: np.ndarray | None = None, kpt_radius: int = 5,
             kpt_line: bool = True, labels: bool = True, boxes: bool = True, masks: bool = True, probs: bool = True,
             show: bool = False, save: bool = False, filename: str | None = None, color_mode: str = "class",
             txt_color: tuple = (255, 255, 255), im_gpu: Any = None) -> np.ndarray:  # fmt: skip
        """The image with predictions drawn (BGR uint8 HxWx3; orig_img is left untouched, `img` is drawn on).

        color_mode 'class' colours by class, 'instance' by detection index (or track id); `im_gpu` is accepted for
        compatibility (masks are always drawn at the original resolution).
        """
        if color_mode not in {"class", "instance"}:
            raise ValueError(f"color_mode='{color_mode}' is not valid; accepted: 'class', 'instance'.")
        names = self.names
        ann = Annotator(self.orig_img.copy() if img is None else img, line_width=line_width, font_size=font_size,
                        font=font, pil=pil or (probs and self.probs is not None), example=str(names))  # fmt: skip
        pred = self.obb if self.obb is not None else self.boxes
        ids = _np(pred.id).astype(int) if pred is not None and pred.id is not None else None
        cls = _np(pred.cls).astype(int) if pred is not None and len(pred) else np.zeros(0, int)

        def color(j: int) -> tuple:
            return colors(j if color_mode == "instance" and ids is None else ids[j] if color_mode == "instance"
                          else cls[j], True)  # fmt: skip

        if masks and self.masks is not None and len(self.masks):
            n = len(self.masks)
            ann.masks(self.masks.data, [color(j) if j < len(cls) else colors(j, True) for j in range(n)])
        if boxes and pred is not None and len(pred):
            coords = _np(pred.xyxyxyxy if isinstance(pred, OBB) else pred.xyxy)
            confs = _np(pred.conf)
            for j in reversed(range(len(pred))):  # highest confidence drawn last, on top
                name = ("" if ids is None else f"id:{int(ids[j])} ") + names.get(int(cls[j]), str(cls[j]))
                label = (f"{name} {confs[j]:.2f}" if conf else name) if labels else ""
                ann.box_label(coords[j], label, color=color(j), rotated=isinstance(pred, OBB))
        if probs and self.probs is not None:
            text = ",\n".join(f"{names.get(j, j)} {float(self.probs.data[j]):.2f}" for j in self.probs.top5)
            x = round(self.orig_shape[0] * 0.03)
            for k, line in enumerate(text.split("\n")):
                ann.text((x, x + k * int(ann.sf * 30 + 8)), line, txt_color=txt_color, box_color=(64, 64, 64))
        if self.keypoints is not None:
            for j, k in enumerate(reversed(_np(self.keypoints.data))):
                ann.kpts(k, self.orig_shape, radius=kpt_radius, kpt_line=kpt_line,
                         kpt_color=color(len(cls) - 1 - j) if color_mode == "instance" and len(cls) else None)
        out = ann.result()
        if show:
            self.show(im=out)
        if save:
            self.save(filename, im=out)
        return out

    def show(self, *args: Any, im: np.ndarray | None = None, **kwargs: Any) -> None:
        """Display the annotated image (plot()'s arguments apply): inline in a notebook, else in an OpenCV window."""
        from ultralytics_clone.utils.environment import is_jupyter
        from ultralytics_clone.utils.plotting import can_show

        if is_jupyter():
            from IPython.display import display
            from PIL import Image

            display(Image.fromarray((self.plot(*args, **kwargs) if im is None else im)[..., ::-1]))  # BGR -> RGB
            return
        if not can_show():
            from ultralytics_clone.utils.log import warn_once

            warn_once("Results.show(): no display is available here; use save() or plot() instead.")
            return
        import cv2

        cv2.imshow(self.path, self.plot(*args, **kwargs) if im is None else im)
        cv2.waitKey(1)

    def save(self, filename: str | None = None, *args: Any, im: np.ndarray | None = None, **kwargs: Any) -> str:
        """Write the annotated image (plot()'s arguments apply; default name results_<image name>); returns the path."""
        import cv2

        filename = str(filename or f"results_{Path(self.path).name}")
        if Path(filename).suffix[1:].lower() not in {"jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp"}:
            filename = str(Path(filename).with_suffix(".jpg"))
        Path(filename).parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(filename, self.plot(*args, **kwargs) if im is None else im)
        return filename

    # ------------------------------------------------------------------------------------------------ text export
    def verbose(self) -> str:
        """Counts per class, e.g. '2 circles, 1 square, ' (or top-5 probabilities); '(no detections), ' when empty."""
        if self.probs is not None:
            return f"{', '.join(f'{self.names[j]} {float(self.probs.data[j]):.2f}' for j in self.probs.top5)}, "
        pred = self.obb if self.obb is not None else self.boxes
        if pred is None or not len(pred):
            return "(no detections), "
        counts = np.bincount(_np(pred.cls).astype(int))
        return "".join(f"{n} {self.names.get(c, c)}{'s' * int(n > 1)}, " for c, n in enumerate(counts) if n)

    def save_txt(self, txt_file: str | Path, save_conf: bool = False) -> str:
        """Append YOLO-format rows (class, normalised xywh or polygon/corners/keypoints, [conf]) to txt_file."""
        rows = []
        if self.probs is not None:
            rows = [f"{float(self.probs.data[j]):.2f} {self.names[j]}" for j in self.probs.top5]
        elif self.boxes is not None or self.obb is not None:
            pred = self.obb if self.obb is not None else self.boxes
            coords = _np(pred.xyxyxyxyn).reshape(len(pred), -1) if self.obb is not None else _np(pred.xywhn)
            for j, (c, s) in enumerate(zip(_np(pred.cls).astype(int), _np(pred.conf))):
                line = coords[j]
                if self.masks is not None:
                    line = self.masks.xyn[j].reshape(-1)
                if self.keypoints is not None:
                    kp = _np(self.keypoints.xyn)[j]
                    kc = _np(self.keypoints.conf)[j][:, None] if self.keypoints.has_visible else None
                    line = np.concatenate((line, (np.concatenate((kp, kc), 1) if kc is not None else kp).reshape(-1)))
                vals = [int(c), *[float(v) for v in line], *([float(s)] if save_conf else [])]
                rows.append(" ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in vals))
        if rows:
            Path(txt_file).parent.mkdir(parents=True, exist_ok=True)
            with open(txt_file, "a", encoding="utf-8") as f:
                f.writelines(r + "\n" for r in rows)
        return str(txt_file)

    def save_crop(self, save_dir: str | Path, file_name: str | Path = Path("im.jpg")) -> None:
        """Save each detected box region as <save_dir>/<class name>/<file_name stem>.jpg (numbered when taken)."""
        from ultralytics_clone.utils.plotting import save_one_box

        if self.probs is not None or self.obb is not None or self.boxes is None:
            from ultralytics_clone.utils.log import warn_once

            warn_once("save_crop applies to axis-aligned boxes; classification and OBB results are not cropped.")
            return
        for box, c in zip(_np(self.boxes.xyxy), _np(self.boxes.cls).astype(int)):
            save_one_box(box, self.orig_img.copy(), file=Path(save_dir) / self.names.get(int(c), str(c)) /
                         f"{Path(file_name).stem}.jpg", BGR=True)  # fmt: skip

    def summary(self, normalize: bool = False, decimals: int = 5) -> list[dict[str, Any]]:
        """One dict per prediction: name, class, confidence, box (x1, y1, x2, y2) [+ keypoints / segments]."""
        if self.probs is not None:
            j = self.probs.top1
            return [{"name": self.names[j], "class": j, "confidence": round(float(self.probs.data[j]), decimals)}]
        pred = self.obb if self.obb is not None else self.boxes
        if pred is None:
            return []
        h, w = self.orig_shape if normalize else (1, 1)
        rows = []
        for j, (c, s) in enumerate(zip(_np(pred.cls).astype(int), _np(pred.conf))):
            row = {"name": self.names.get(c, str(c)), "class": int(c), "confidence": round(float(s), decimals)}
            if self.obb is not None:
                pts = _np(pred.xyxyxyxy)[j] / np.array([w, h])
                row["box"] = {f"{a}{k + 1}": round(float(pts[k, i]), decimals) for k in range(4) for i, a in enumerate("xy")}
            else:
                x1, y1, x2, y2 = (_np(pred.xyxy)[j] / np.array([w, h, w, h])).tolist()
                row["box"] = {"x1": round(x1, decimals), "y1": round(y1, decimals), "x2": round(x2, decimals),
                              "y2": round(y2, decimals)}  # fmt: skip
            if pred.id is not None:
                row["track_id"] = int(_np(pred.id)[j])
            if self.keypoints is not None:
                kp = _np(self.keypoints.data)[j]
                row["keypoints"] = {"x": (kp[:, 0] / w).round(decimals).tolist(), "y": (kp[:, 1] / h).round(decimals).tolist()}
                if self.keypoints.has_visible:
                    row["keypoints"]["visible"] = kp[:, 2].round(decimals).tolist()
            rows.append(row)
        return rows

    def to_json(self, normalize: bool = False, decimals: int = 5) -> str:
        """summary() as a JSON array."""
        return json.dumps(self.summary(normalize=normalize, decimals=decimals), indent=2)

    def _flat_rows(self, normalize: bool, decimals: int) -> list[dict[str, Any]]:
        """summary() rows with nested dicts flattened (box_x1, keypoints_x...), for tables."""
        rows = []
        for row in self.summary(normalize=normalize, decimals=decimals):
            flat: dict[str, Any] = {}
            for k, v in row.items():
                if isinstance(v, dict):
                    flat.update({f"{k}_{kk}" if k != "box" else kk: vv for kk, vv in v.items()})
                else:
                    flat[k] = v
            rows.append(flat)
        return rows

    def to_csv(self, normalize: bool = False, decimals: int = 5) -> str:
        """summary() as CSV text with a header row (nested values flattened)."""
        import csv
        import io

        rows = self._flat_rows(normalize, decimals)
        buf = io.StringIO()
        if rows:
            keys = list(dict.fromkeys(k for r in rows for k in r))
            w = csv.DictWriter(buf, fieldnames=keys)
            w.writeheader()
            w.writerows(rows)
        return buf.getvalue()

    def to_df(self, normalize: bool = False, decimals: int = 5) -> Any:
        """summary() as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("Results.to_df() needs the 'pandas' package: pip install pandas "
                              "(to_csv() and to_json() work without it).") from e  # fmt: skip
        return pd.DataFrame(self._flat_rows(normalize, decimals))


def _np(x: Any) -> np.ndarray:
    """A Tensor or array as a numpy array on the CPU."""
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


__all__ = ["Results", "BaseTensor", "Boxes", "Masks", "Keypoints", "Probs", "OBB"]

from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
