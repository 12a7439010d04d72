"""DetectionValidator: NMS, whole-batch matching at IoU 0.50:0.95, DetMetrics, COCO JSON and official evaluation.

Per batch, predictions and labels stay on the device through NMS and reach the host in one copy; there all boxes are
mapped to original-image pixels at once, only same-image, same-class pairs get an IoU, and `match_pairs` applies
COCO's matching at every threshold. No Python loop runs per image or per box on this path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ultralytics_clone.engine.validator import BaseValidator
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.metrics.ap import IOU_THRESHOLDS, match_pairs, match_predictions
from ultralytics_clone.utils.metrics.confusion import ConfusionMatrix
from ultralytics_clone.utils.metrics.iou import box_iou
from ultralytics_clone.utils.metrics.task import DetMetrics
from ultralytics_clone.utils.ops import _gain_pad, scale_boxes, xywh2xyxy, xyxy2xywh


class DetectionValidator(BaseValidator):
    """`DetectionValidator(args=dict(model="yolo11n.pt", data="shapes-det.yaml"))()` -> results_dict."""

    def __init__(self, dataloader: Any = None, save_dir: Path | None = None, args: Any = None,
                 _callbacks: dict | None = None) -> None:  # fmt: skip
        super().__init__(dataloader, save_dir, args, _callbacks)
        self.args.task = "detect"
        self.iouv = IOU_THRESHOLDS.clone()
        self.niou = self.iouv.numel()
        self.metrics = DetMetrics()
        self.end2end = False
        self.is_coco = False
        self.is_lvis = False
        self.class_map: list[int] = []
        self.anno_json: Path | None = None
        self.image_ids: dict[str, int] = {}
        self._seen_ids: set = set()
        self._batch: dict | None = None

    def build_dataset(self, img_path: str, mode: str = "val", batch: int | None = None) -> Any:
        """YOLODataset without augmentation for `img_path`."""
        from ultralytics_clone.data.build import build_yolo_dataset

        stride = max(int(torch.as_tensor(getattr(self.model, "stride", 32)).max()), 32) if self.model is not None else 32
        return build_yolo_dataset(self.args, img_path, batch, self.data, mode=mode, stride=stride)

    def get_dataloader(self, dataset_path: str, batch_size: int) -> Any:
        """Unshuffled loader over `dataset_path`."""
        from ultralytics_clone.data.build import build_dataloader

        dataset = self.build_dataset(dataset_path, batch=batch_size, mode="val")
        return build_dataloader(dataset, batch_size, self.args.workers, shuffle=False, rank=-1)

    def preprocess(self, batch: dict) -> dict:
        """Images to the device as float 0-1 (half under args.half); labels to the device."""
        batch["img"] = batch["img"].to(self.device, non_blocking=True)
        batch["img"] = (batch["img"].half() if self.args.half else batch["img"].float()) / 255
        for k in ("batch_idx", "cls", "bboxes"):
            batch[k] = batch[k].to(self.device)
        self._batch = batch if self.args.save_hybrid else None
        return batch

    def init_metrics(self, model: torch.nn.Module) -> None:
        """Reset stats; names and nc from the model (or data); COCO annotations and class map for save_json."""
        from ultralytics_clone.utils import nms

        nms._backend()  # probe (and import) torchvision now, not inside the first batch's timing
        names = getattr(model, "names", None) or (self.data or {}).get("names") or {}
        self.names = dict(names) if not isinstance(names, list) else dict(enumerate(names))
        self.nc = len(self.names)
        self.end2end = bool(getattr(model, "end2end", False))
        self.metrics = DetMetrics(names=self.names)
        self.confusion_matrix = ConfusionMatrix(names=self.names)
        self.seen = 0
        if self.args.save_json and not self.training:
            self._init_coco()

    def _init_coco(self) -> None:
        """Find COCO annotations beside the data set and map class indices to its category ids."""
        from ultralytics_clone.data.converter import coco80_to_coco91_class

        root = Path((self.data or {}).get("path") or ".")
        split = str(self.args.split)
        found = sorted((root / "annotations").glob(f"instances_{split}*.json")) if (root / "annotations").is_dir() else []
        self.anno_json = found[0] if found else None
        val = str((self.data or {}).get(split) or "")
        self.is_coco = "coco" in val.lower() and self.nc == 80
        self.is_lvis = "lvis" in val.lower()
        self.class_map = coco80_to_coco91_class() if self.is_coco else list(range(1, self.nc + 1))
        self.image_ids, self._seen_ids = {}, set()
        if self.anno_json is not None:
            import json

            anno = json.loads(self.anno_json.read_text(encoding="utf-8"))
            cats = sorted(c["id"] for c in anno.get("categories", []))
            if len(cats) == self.nc:  # class i is the data set's i-th category, as data.converter numbers them
                self.class_map = cats
            self.image_ids = {Path(im["file_name"]).name: im["id"] for im in anno.get("images", [])}

    def get_desc(self) -> str:
        return ("%22s" + "%11s" * 6) % ("Class", "Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)")

    def postprocess(self, preds: Any) -> list[torch.Tensor]:
        """Per-image Tensor[n, 6] (x1, y1, x2, y2, conf, cls) after NMS (thresholding only for NMS-free heads)."""
        from ultralytics_clone.utils.nms import non_max_suppression

        return non_max_suppression(preds, self.args.conf, self.args.iou, classes=self.args.classes, multi_label=True,
                                   agnostic=self.args.single_cls or self.args.agnostic_nms, max_det=self.args.max_det,
                                   end2end=self.end2end, labels=self._hybrid_labels(), in_place=False)  # fmt: skip

    def _hybrid_labels(self) -> list:
        """save_hybrid: the current batch's labels (cls, cx, cy, w, h in input pixels) joined to the predictions."""
        batch = getattr(self, "_batch", None)
        if not self.args.save_hybrid or batch is None:
            return []
        h, w = batch["img"].shape[2:]
        lb = torch.cat((batch["cls"].view(-1, 1), batch["bboxes"] * torch.tensor([w, h, w, h], device=self.device)), 1)
        return [lb[batch["batch_idx"] == i] for i in range(len(batch["img"]))]

    def _geometry(self, batch: dict) -> np.ndarray:
        """Array[6, B] float32, a column per image: pad (left, top), gains (x, y), original size (w, h).

        The loader's ratio_pad holds (h/h0, w/w0): resizing rounds each side, so the two gains differ slightly and
        both are used (one gain for both axes would shift saved boxes by up to a pixel)."""
        imgsz = tuple(batch["img"].shape[2:])
        cols = []
        for ori, rp in zip(batch["ori_shape"], batch["ratio_pad"]):  # metadata only (B small tuples)
            gain, pad = _gain_pad(imgsz, ori, rp)
            gy, gx = rp[0] if rp is not None and isinstance(rp[0], (tuple, list)) else (gain, gain)
            cols.append((pad[0], pad[1], gx, gy, ori[1], ori[0]))
        return np.array(cols, dtype=np.float32).reshape(-1, 6).T

    @staticmethod
    def _to_original(boxes: np.ndarray, g: np.ndarray) -> np.ndarray:
        """Boxes as coordinate rows (Array[4, M] float32: x1, y1, x2, y2) in letterboxed pixels -> original-image
        pixels, clipped, in place; g: each box's `_geometry` column. The same float32 operations, in the same order,
        as `scale_boxes` and `clip_boxes`."""
        corners = boxes.reshape(2, 2, -1)  # (x1, y1), (x2, y2)
        corners -= g[None, :2]
        corners /= g[None, 2:4]
        np.maximum(corners, 0, out=corners)
        np.minimum(corners, g[None, 4:], out=corners)
        return boxes

    def update_metrics(self, preds: list[torch.Tensor], batch: dict) -> None:
        """Match the whole batch's predictions to its labels at once and store the stats.

        Predictions and labels reach the host in one copy per batch, as rows (x1 of every box, then y1, ...), and the
        matching runs there in numpy: it works on a few thousand boxes, where a numpy call on contiguous rows costs a
        fraction of a torch op (or of a kernel launch)."""
        if type(self)._process_batch is not DetectionValidator._process_batch:  # e.g. rotated boxes: its own IoU
            return self._update_per_image(preds, batch)
        bs = len(preds)
        self.seen += bs
        counts = [p.shape[0] for p in preds]
        n, nl = sum(counts), batch["cls"].shape[0]
        rows = [x if x.shape[1] == 6 else x[:, :6] for x in preds]  # x1, y1, x2, y2, conf, cls
        rows.append(torch.cat((batch["batch_idx"].view(-1, 1), batch["cls"].view(-1, 1), batch["bboxes"]), 1))
        host = np.ascontiguousarray(torch.cat(rows).float().cpu().numpy().T)  # one host copy; rows: x1 of each box, ...
        p, (gimg, gcls), xywh = host[:, :n], host[:2, n:], host[2:, n:]  # labels: image, cls, cx, cy, w, h
        gimg = gimg.astype(np.intp)
        conf, pcls = p[4], np.zeros(n, np.float32) if self.args.single_cls else p[5]
        pimg = np.repeat(np.arange(bs), counts)  # image index of each prediction
        h, w = batch["img"].shape[2:]
        gxyxy = xywh2xyxy(xywh.T).T * np.array([[w], [h], [w], [h]], np.float32)  # labels in letterboxed pixels
        geom = self._geometry(batch)
        geom = np.concatenate((np.repeat(geom, counts, 1), np.take(geom, gimg, axis=1)), 1)  # each box's column
        boxes = self._to_original(np.concatenate((p[:4], gxyxy), 1), geom)  # predictions, then labels
        pbox, gbox = boxes[:, :n], boxes[:, n:]
        iouv = self.iouv.cpu().numpy()
        d, g, iou = self._pairs(pbox, pcls, pimg, gbox, gcls, gimg, iouv[0])
        tp = match_pairs(d, g, iou, n, nl, iouv)
        m = int(gcls.max()) + 1 if nl else 1
        present = np.flatnonzero(np.bincount(gimg * m + gcls.astype(np.intp))) % m  # classes present per image
        self.metrics.update_stats({"tp": tp, "conf": conf, "pred_cls": pcls, "target_cls": gcls,
                                   "target_img": present})  # fmt: skip
        if self.do_plots:
            t = torch.from_numpy
            self.confusion_matrix.process_batch({"bboxes": t(pbox.T), "conf": t(conf), "cls": t(pcls),
                                                 "batch_idx": t(pimg)},
                                                {"bboxes": t(gbox.T), "cls": t(gcls), "batch_idx": t(gimg)},
                                                conf=0.25 if self.args.conf < 0.25 else self.args.conf)  # fmt: skip
        if self.args.save_json or self.args.save_txt:
            self._save_batch(np.concatenate((pbox, conf[None], pcls[None])).T, counts, batch)

    # ---- per-image helpers: task validators (segment, pose, obb) build their own matching on these
    def _prepare_batch(self, si: int, batch: dict) -> dict:
        """Image si's labels: cls (G,), bboxes (G, 4) xyxy in original-image pixels, shapes."""
        idx = batch["batch_idx"] == si
        cls, bbox = batch["cls"][idx].squeeze(-1), batch["bboxes"][idx]
        ori_shape, imgsz, ratio_pad = batch["ori_shape"][si], batch["img"].shape[2:], batch["ratio_pad"][si]
        if len(cls):
            bbox = xywh2xyxy(bbox) * torch.tensor(imgsz, device=self.device)[[1, 0, 1, 0]]
            bbox = scale_boxes(imgsz, bbox, ori_shape, ratio_pad=ratio_pad)
        return {"cls": cls, "bboxes": bbox, "ori_shape": ori_shape, "imgsz": imgsz, "ratio_pad": ratio_pad}

    def _prepare_pred(self, pred: torch.Tensor, pbatch: dict) -> torch.Tensor:
        """Predictions scaled to original-image pixels (a copy); single_cls sets every class to 0."""
        predn = pred.clone()
        if self.args.single_cls:
            predn[:, 5] = 0
        predn[:, :4] = scale_boxes(pbatch["imgsz"], predn[:, :4], pbatch["ori_shape"], ratio_pad=pbatch["ratio_pad"])
        return predn

    def _process_batch(self, detections: torch.Tensor, gt_bboxes: torch.Tensor, gt_cls: torch.Tensor) -> torch.Tensor:
        """Bool Tensor[n, 10] for one image: detection is a true positive at each IoU threshold (COCO matching)."""
        if len(detections) == 0 or len(gt_cls) == 0:
            return torch.zeros((len(detections), self.niou), dtype=torch.bool, device=detections.device)
        iou = box_iou(gt_bboxes.float(), detections[:, :4].float())
        return match_predictions(detections[:, 5], gt_cls, iou, self.iouv)

    def _update_per_image(self, preds: list[torch.Tensor], batch: dict) -> None:
        """Per-image matching through _prepare_batch/_prepare_pred/_process_batch (for overriding task validators)."""
        for si, pred in enumerate(preds):
            self.seen += 1
            pbatch = self._prepare_batch(si, batch)
            predn = self._prepare_pred(pred, pbatch)
            cls = pbatch["cls"]
            tp = self._process_batch(predn, pbatch["bboxes"], cls)
            if self.do_plots:
                self.confusion_matrix.process_batch({"bboxes": predn[:, :4], "conf": predn[:, 4], "cls": predn[:, 5]},
                                                    {"bboxes": pbatch["bboxes"], "cls": cls})  # fmt: skip
            self.metrics.update_stats({"tp": tp.cpu().numpy(), "conf": predn[:, 4].float().cpu().numpy(),
                                       "pred_cls": predn[:, 5].float().cpu().numpy(),
                                       "target_cls": cls.float().cpu().numpy(), "target_img": np.unique(cls.cpu().numpy())})  # fmt: skip
            if self.args.save_json:
                self.pred_to_json(predn[:, :6], batch["im_file"][si])

    @staticmethod
    def _pairs(pbox: np.ndarray, pcls: np.ndarray, pimg: np.ndarray, gbox: np.ndarray, gcls: np.ndarray,
               gimg: np.ndarray, min_iou: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
        """(prediction index, label index, IoU) of every same-image, same-class pair with IoU >= min_iou; boxes as
        coordinate rows (Array[4, N] float32 xyxy) in original-image pixels, `pimg` / `gimg` each box's image.

        Pairs are enumerated prediction-major through the labels grouped by (image, class), so only same-class pairs
        are ever built (a third of all same-image pairs with three classes, far fewer with eighty)."""
        pc, gc = pcls.astype(np.intp), gcls.astype(np.intp)
        k = max(pc.max(initial=0), gc.max(initial=0)) + 1  # a key (image, class) for every class present
        gkey, pkey = gimg * k + gc, pimg * k + pc
        order = np.argsort(gkey, kind="stable")  # labels grouped by key
        per_key = np.bincount(gkey, minlength=(pimg.max(initial=0) + 1) * k)
        rep = per_key[pkey]  # same-key labels of each prediction
        d = np.repeat(np.arange(len(pkey)), rep)  # prediction of each pair
        first = np.repeat((np.cumsum(per_key) - per_key)[pkey] - (np.cumsum(rep) - rep), rep)
        g = order[first + np.arange(len(d))]
        a, b = np.take(gbox, g, axis=1), np.take(pbox, d, axis=1)  # (3x faster than gbox[:, g])
        iw = np.minimum(a[2], b[2]) - np.maximum(a[0], b[0])
        ih = np.minimum(a[3], b[3]) - np.maximum(a[1], b[1])
        inter = np.maximum(iw, 0, out=iw) * np.maximum(ih, 0, out=ih)
        iou = inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + np.float32(1e-7))
        keep = iou >= min_iou
        return d[keep], g[keep], iou[keep]

    def _save_batch(self, predn: np.ndarray, counts: list[int], batch: dict) -> None:
        """save_json rows and save_txt files for the batch (Array[n, 6] in original-image pixels)."""
        per_image = np.split(predn, np.cumsum(counts)[:-1])
        for rows_i, file, ori in zip(per_image, batch["im_file"], batch["ori_shape"]):  # one file per image
            if self.args.save_json:
                self.pred_to_json(rows_i, file)
            if self.args.save_txt:
                self.save_one_txt(rows_i, self.args.save_conf, ori, self.save_dir / "labels" / f"{Path(file).stem}.txt")

    def pred_to_json(self, predn: np.ndarray | torch.Tensor, filename: str) -> None:
        """COCO-style rows: image_id (from the annotations, else the numeric file stem), category_id, bbox (x, y, w,
        h) and score, for one image's predictions (Array[n, 6] in original pixels)."""
        predn = predn.cpu().numpy() if isinstance(predn, torch.Tensor) else predn
        name, stem = Path(filename).name, Path(filename).stem
        image_id = self.image_ids.get(name, int(stem) if stem.isnumeric() else stem)
        self._seen_ids.add(image_id)
        box = xyxy2xywh(predn[:, :4].astype(np.float64))
        box[:, :2] -= box[:, 2:] / 2
        cmap = self.class_map or list(range(1, self.nc + 1))
        cats = [cmap[int(c)] if int(c) < len(cmap) else int(c) + 1 for c in predn[:, 5]]
        self.jdict += [{"image_id": image_id, "category_id": c, "bbox": [round(float(x), 3) for x in b],
                        "score": round(float(s), 5)} for c, b, s in zip(cats, box, predn[:, 4])]  # fmt: skip

    _pred_to_json = pred_to_json  # the name task validators call

    def _pred_to_json_with(self, predn: np.ndarray | torch.Tensor, filename: str, key: str, values: list) -> None:
        """pred_to_json's rows for one image, each also given `key` from `values` (a task's keypoints or masks)."""
        start = len(self.jdict)
        self.pred_to_json(predn, filename)
        for row, value in zip(self.jdict[start:], values):
            row[key] = value

    def save_one_txt(self, predn: np.ndarray | torch.Tensor, save_conf: bool, shape: tuple, file: Path) -> None:
        """YOLO-format lines (cls cx cy w h [conf], normalised) for one image, written atomically."""
        from ultralytics_clone.utils.files import atomic_write

        predn = predn.cpu().numpy() if isinstance(predn, torch.Tensor) else predn
        xywh = xyxy2xywh(predn[:, :4].astype(np.float64)) / np.array([shape[1], shape[0], shape[1], shape[0]])
        lines = [("%g " * (6 if save_conf else 5)).rstrip() % (int(c), *b, *((s,) if save_conf else ()))
                 for b, s, c in zip(xywh, predn[:, 4], predn[:, 5])]  # fmt: skip
        file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(file, "".join(line + "\n" for line in lines))

    def plot_val_samples(self, batch: dict, ni: int) -> None:
        """val_batch{ni}_labels.jpg, drawn in a background thread."""
        from ultralytics_clone.engine.val_plots import batch_mosaic

        if batch["bboxes"].shape[-1] != 4:  # rotated boxes: not drawn here
            return
        h, w = batch["img"].shape[2:]
        images = (batch["img"].float() * 255).byte().cpu().numpy()
        boxes = (xywh2xyxy(batch["bboxes"].float()) * torch.tensor([w, h, w, h], device=self.device)).cpu().numpy()
        self.plot_queue.submit(batch_mosaic, images, boxes, batch["cls"].view(-1).cpu().numpy(),
                               batch["batch_idx"].view(-1).cpu().numpy(), self.save_dir / f"val_batch{ni}_labels.jpg",
                               self.names)  # fmt: skip
        self.on_plot(self.save_dir / f"val_batch{ni}_labels.jpg")

    def plot_predictions(self, batch: dict, preds: list[torch.Tensor], ni: int, max_det: int | None = None) -> None:
        """val_batch{ni}_pred.jpg (predictions above conf 0.25, at most max_det per image), in a background thread."""
        from ultralytics_clone.engine.val_plots import batch_mosaic

        if self.args.task == "obb":  # rotated rows: not drawn here
            return
        images = (batch["img"].float() * 255).byte().cpu().numpy()
        preds = [(p["rows"] if isinstance(p, dict) else p)[: max_det or self.args.max_det] for p in preds]
        rows = torch.cat(preds).float().cpu().numpy() if preds else np.zeros((0, 6), np.float32)
        img = np.repeat(np.arange(len(preds)), [len(p) for p in preds])
        self.plot_queue.submit(batch_mosaic, images, rows[:, :4], rows[:, 5], img,
                               self.save_dir / f"val_batch{ni}_pred.jpg", self.names, conf=rows[:, 4])  # fmt: skip
        self.on_plot(self.save_dir / f"val_batch{ni}_pred.jpg")

    def get_stats(self) -> dict[str, float]:
        """Compute AP over everything seen; returns results_dict."""
        self.metrics.process(save_dir=self.save_dir, plot=self.do_plots, on_plot=self.on_plot)
        self.metrics.speed = self.speed
        return self.metrics.results_dict

    def finalize_metrics(self) -> None:
        """Speed onto the metrics; confusion-matrix plots (counts and normalised) when plotting."""
        self.metrics.speed = self.speed
        self.metrics.confusion_matrix = self.confusion_matrix
        if self.do_plots:
            for normalize in (True, False):
                self.plot_queue.submit(self.confusion_matrix.plot, normalize=normalize, save_dir=self.save_dir,
                                       on_plot=self.on_plot)  # fmt: skip

    def print_results(self) -> None:
        """One 'all' row, plus one per class when verbose (or not training with several classes)."""
        nt = self.metrics.nt_per_class
        fmt = "%22s" + "%11i" * 2 + "%11.3g" * len(self.metrics.keys)  # 4 per family (box, mask, pose)
        LOGGER.info(fmt % ("all", self.seen, int(nt.sum()), *self.metrics.mean_results()))
        if nt.sum() == 0:
            LOGGER.warning(f"no labels found in {self.args.task} set, can not compute metrics without labels")
        if self.args.verbose and not self.training and self.nc > 1:
            for i, c in enumerate(self.metrics.ap_class_index):
                LOGGER.info(fmt % (self.names.get(int(c), c), self.metrics.nt_per_image[c], nt[c],
                                   *self.metrics.class_result(i)))  # fmt: skip

    def eval_json(self, stats: dict) -> dict:
        """With COCO annotations found, evaluate predictions.json with faster-coco-eval or pycocotools (whichever
        is installed) and report its mAP50-95 / mAP50 beside ours as coco/mAP50-95(B) and coco/mAP50(B)."""
        if self.anno_json is None or not self.jdict:
            return stats
        return self.coco_evaluate(stats, self.save_dir / "predictions.json", self.anno_json)

    def coco_evaluate(self, stats: dict, pred_json: str | Path, anno_json: str | Path, iou_types: str = "bbox",
                      suffix: str = "Box") -> dict:  # fmt: skip
        """The official COCO evaluator's mAP50-95 and mAP50 for pred_json against anno_json into stats."""
        try:
            from faster_coco_eval import COCO
            from faster_coco_eval import COCOeval_faster as COCOeval
        except ImportError:
            try:
                from pycocotools.coco import COCO
                from pycocotools.cocoeval import COCOeval
            except ImportError:
                LOGGER.warning("save_json: install pycocotools or faster-coco-eval for the official COCO mAP.")
                return stats
        LOGGER.info(f"Evaluating {pred_json} against {anno_json} with {COCOeval.__module__.split('.')[0]}...")
        anno = COCO(str(anno_json))
        pred = anno.loadRes(str(pred_json))
        ev = COCOeval(anno, pred, iou_types)
        ev.params.imgIds = sorted(self._seen_ids & set(anno.getImgIds()))  # every validated image, empty ones too
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
        official = {f"coco/mAP50-95({suffix[0]})": float(ev.stats[0]), f"coco/mAP50({suffix[0]})": float(ev.stats[1])}
        self.metrics.extra.update(official)
        return {**stats, **official}

    @property
    def metric_keys(self) -> list[str]:
        return self.metrics.keys


__all__ = ["DetectionValidator"]
