"""DetectionValidator: NMS, matching predictions to labels at IoU 0.50:0.95, DetMetrics (mAP50, mAP50-95)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ultralytics_clone.engine.validator import BaseValidator
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.metrics.ap import IOU_THRESHOLDS, match_predictions
from ultralytics_clone.utils.metrics.confusion import ConfusionMatrix
from ultralytics_clone.utils.metrics.iou import box_iou
from ultralytics_clone.utils.metrics.task import DetMetrics
from ultralytics_clone.utils.ops import scale_boxes, xywh2xyxy


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
        return batch

    def init_metrics(self, model: torch.nn.Module) -> None:
        """Reset stats; names and nc from the model (or data)."""
        names = getattr(model, "names", None) or (self.data or {}).get("names") or {}
        self.names = dict(names) if not isinstance(names, list) else dict(enumerate(names))
        self.nc = len(self.names)
        self.end2end = bool(getattr(model, "end2end", False))
        self.metrics = DetMetrics(names=self.names)
        self.confusion_matrix = ConfusionMatrix(names=self.names)
        self.seen = 0

    def get_desc(self) -> str:
        return ("%22s" + "%11s" * 6) % ("Class", "Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)")

    def postprocess(self, preds: Any) -> list[torch.Tensor]:
        """Per-image Tensor[n, 6] (x1, y1, x2, y2, conf, cls) after NMS (thresholding only for NMS-free heads)."""
        from ultralytics_clone.utils.nms import non_max_suppression

        return non_max_suppression(preds, self.args.conf, self.args.iou, multi_label=True,
                                   agnostic=self.args.single_cls or self.args.agnostic_nms, max_det=self.args.max_det,
                                   end2end=self.end2end)  # fmt: skip

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

    def update_metrics(self, preds: list[torch.Tensor], batch: dict) -> None:
        """Match each image's predictions to its labels and append tp/conf/cls stats."""
        for si, pred in enumerate(preds):
            self.seen += 1
            pbatch = self._prepare_batch(si, batch)
            predn = self._prepare_pred(pred, pbatch)
            cls = pbatch["cls"]
            tp = self._process_batch(predn, pbatch["bboxes"], cls)
            if self.args.plots:
                self.confusion_matrix.process_batch({"bboxes": predn[:, :4], "conf": predn[:, 4], "cls": predn[:, 5]},
                                                    {"bboxes": pbatch["bboxes"], "cls": cls})  # fmt: skip
            self.metrics.update_stats({
                "tp": tp.cpu().numpy(), "conf": predn[:, 4].float().cpu().numpy(),
                "pred_cls": predn[:, 5].float().cpu().numpy(), "target_cls": cls.float().cpu().numpy(),
                "target_img": np.unique(cls.cpu().numpy()),
            })  # fmt: skip
            if self.args.save_json:
                self._pred_to_json(predn, batch["im_file"][si])

    def _process_batch(self, detections: torch.Tensor, gt_bboxes: torch.Tensor, gt_cls: torch.Tensor) -> torch.Tensor:
        """Bool Tensor[n, 10]: detection is a true positive at each IoU threshold."""
        if len(detections) == 0 or len(gt_cls) == 0:
            return torch.zeros((len(detections), self.niou), dtype=torch.bool)
        iou = box_iou(gt_bboxes.float(), detections[:, :4].float())
        return match_predictions(detections[:, 5], gt_cls, iou, self.iouv)

    def _pred_to_json(self, predn: torch.Tensor, filename: str) -> None:
        """COCO-style rows: image_id, category_id, bbox (x, y, w, h), score."""
        stem = Path(filename).stem
        image_id = int(stem) if stem.isnumeric() else stem
        box = predn[:, :4].clone()
        box[:, 2:] -= box[:, :2]
        for b, s, c in zip(box.tolist(), predn[:, 4].tolist(), predn[:, 5].tolist()):
            self.jdict.append({"image_id": image_id, "category_id": int(c), "bbox": [round(x, 3) for x in b],
                               "score": round(s, 5)})  # fmt: skip

    def get_stats(self) -> dict[str, float]:
        """Compute AP over everything seen; returns results_dict."""
        self.metrics.process(save_dir=self.save_dir, plot=self.args.plots, on_plot=self.on_plot)
        self.metrics.speed = self.speed
        return self.metrics.results_dict

    def finalize_metrics(self) -> None:
        """Speed onto the metrics; confusion-matrix plots when args.plots."""
        self.metrics.speed = self.speed
        self.metrics.confusion_matrix = self.confusion_matrix
        if self.args.plots:
            for normalize in (True, False):
                self.confusion_matrix.plot(normalize=normalize, save_dir=self.save_dir, on_plot=self.on_plot)

    def print_results(self) -> None:
        """One 'all' row, plus one per class when verbose (or not training with several classes)."""
        target_cls = np.concatenate(self.metrics.stats["target_cls"]) if self.metrics.stats["target_cls"] else []
        nt = np.bincount(np.asarray(target_cls, dtype=int), minlength=self.nc) if len(target_cls) else np.zeros(self.nc, int)
        fmt = "%22s" + "%11i" * 2 + "%11.3g" * len(self.metrics.keys)  # 4 per family (box, mask, pose)
        LOGGER.info(fmt % ("all", self.seen, int(nt.sum()), *self.metrics.mean_results()))
        if nt.sum() == 0:
            LOGGER.warning(f"no labels found in {self.args.task} set, can not compute metrics without labels")
        if self.args.verbose and not self.training and self.nc > 1:
            for i, c in enumerate(self.metrics.ap_class_index):
                images = sum(int(c in s) for s in self.metrics.stats["target_img"])
                LOGGER.info(fmt % (self.names.get(int(c), c), images, nt[c], *self.metrics.class_result(i)))

    @property
    def metric_keys(self) -> list[str]:
        return self.metrics.keys


__all__ = ["DetectionValidator"]
