"""PoseValidator: box mAP plus keypoint mAP by object keypoint similarity (COCO sigmas for 17 keypoints)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ultralytics_clone.models.yolo.detect.val import DetectionValidator
from ultralytics_clone.utils.metrics.ap import match_predictions
from ultralytics_clone.utils.metrics.iou import OKS_SIGMA, kpt_iou
from ultralytics_clone.utils.metrics.multitask import PoseMetrics
from ultralytics_clone.utils.ops import scale_coords

OKS_AREA_SCALE = 0.53  # COCO-style object area from a box: its pixel area times this factor


def oks_sigmas(kpt_shape: list[int] | tuple[int, ...]) -> np.ndarray:
    """COCO's per-keypoint sigmas for the 17-keypoint person layout, else a uniform 1 / K."""
    nkpt = int(kpt_shape[0])
    return OKS_SIGMA if list(kpt_shape) == [17, 3] else np.ones(nkpt) / nkpt


class PoseValidator(DetectionValidator):
    """`PoseValidator(args=dict(model="yolo11n-pose.pt", data="shapes-pose.yaml"))()` -> results_dict with '(B)'
    and '(P)' keys."""

    def __init__(self, dataloader: Any = None, save_dir: Path | None = None, args: Any = None,
                 _callbacks: dict | None = None) -> None:  # fmt: skip
        super().__init__(dataloader, save_dir, args, _callbacks)
        self.args.task = "pose"
        self.metrics = PoseMetrics()
        self.kpt_shape: list[int] | None = None
        self.sigma: np.ndarray | None = None

    def preprocess(self, batch: dict) -> dict:
        """DetectionValidator's preprocessing plus the keypoints to the device."""
        batch = super().preprocess(batch)
        batch["keypoints"] = batch["keypoints"].to(self.device).float()
        return batch

    def init_metrics(self, model: torch.nn.Module) -> None:
        super().init_metrics(model)
        shape = getattr(model, "kpt_shape", None) or (self.data or {}).get("kpt_shape") or [17, 3]
        self.kpt_shape = [int(k) for k in shape]
        self.sigma = oks_sigmas(self.kpt_shape)
        self.metrics = PoseMetrics(names=self.names)

    def get_desc(self) -> str:
        return ("%22s" + "%11s" * 10) % ("Class", "Images", "Instances", "Box(P", "R", "mAP50", "mAP50-95)", "Pose(P",
                                         "R", "mAP50", "mAP50-95)")  # fmt: skip

    def postprocess(self, preds: Any) -> list[torch.Tensor]:
        """Per-image Tensor[n, 6 + K * ndim] after NMS: box, conf, cls, then the keypoints flattened."""
        from ultralytics_clone.utils.nms import non_max_suppression

        return non_max_suppression(preds, self.args.conf, self.args.iou, multi_label=True,
                                   agnostic=self.args.single_cls or self.args.agnostic_nms, max_det=self.args.max_det,
                                   nc=self.nc, end2end=self.end2end)  # fmt: skip

    def _prepare_batch(self, si: int, batch: dict) -> dict:
        """DetectionValidator's labels plus keypoints (G, K, ndim) in original-image pixels."""
        pbatch = super()._prepare_batch(si, batch)
        kpts = batch["keypoints"][batch["batch_idx"] == si].clone()
        h, w = pbatch["imgsz"]
        kpts[..., 0] *= w
        kpts[..., 1] *= h
        pbatch["keypoints"] = scale_coords(pbatch["imgsz"], kpts, pbatch["ori_shape"], ratio_pad=pbatch["ratio_pad"])
        return pbatch

    def _pred_keypoints(self, pred: torch.Tensor, pbatch: dict) -> torch.Tensor:
        """Predicted keypoints (n, K, ndim) in original-image pixels."""
        kpts = pred[:, 6:].reshape(len(pred), *self.kpt_shape).clone()
        return scale_coords(pbatch["imgsz"], kpts, pbatch["ori_shape"], ratio_pad=pbatch["ratio_pad"])

    def _oks_tp(self, pred_kpts, predn, pbatch) -> torch.Tensor:
        """Bool Tensor[n, 10]: OKS matches at 0.50:0.95 (object area = box area x 0.53)."""
        gt_cls = pbatch["cls"]
        if len(predn) == 0 or len(gt_cls) == 0:
            return torch.zeros((len(predn), self.niou), dtype=torch.bool)
        box = pbatch["bboxes"]
        area = (box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1]) * OKS_AREA_SCALE
        gt = pbatch["keypoints"]
        if gt.shape[-1] == 2:  # no visibility column: every keypoint counts
            gt = torch.cat((gt, torch.ones_like(gt[..., :1])), -1)
        oks = kpt_iou(gt, pred_kpts[..., :2], area=area, sigma=self.sigma)
        return match_predictions(predn[:, 5], gt_cls, oks, self.iouv)

    def update_metrics(self, preds: list[torch.Tensor], batch: dict) -> None:
        """Box and keypoint true positives per image, appended to the metric stats."""
        for si, pred in enumerate(preds):
            self.seen += 1
            pbatch = self._prepare_batch(si, batch)
            cls = pbatch["cls"]
            predn = self._prepare_pred(pred, pbatch)
            pred_kpts = self._pred_keypoints(pred, pbatch)
            tp = self._process_batch(predn, pbatch["bboxes"], cls)
            tp_p = self._oks_tp(pred_kpts, predn, pbatch)
            if self.args.plots:
                self.confusion_matrix.process_batch({"bboxes": predn[:, :4], "conf": predn[:, 4], "cls": predn[:, 5]},
                                                    {"bboxes": pbatch["bboxes"], "cls": cls})  # fmt: skip
            self.metrics.update_stats({
                "tp": tp.cpu().numpy(), "tp_p": tp_p.cpu().numpy(), "conf": predn[:, 4].float().cpu().numpy(),
                "pred_cls": predn[:, 5].float().cpu().numpy(), "target_cls": cls.float().cpu().numpy(),
                "target_img": np.unique(cls.cpu().numpy()),
            })  # fmt: skip
            if self.args.save_json:
                kpts = [[round(x, 3) for x in k] for k in pred_kpts.flatten(1).tolist()]
                self._pred_to_json_with(predn, batch["im_file"][si], "keypoints", kpts)

    @property
    def metric_keys(self) -> list[str]:
        return self.metrics.keys


__all__ = ["PoseValidator"]
