"""SAM Predictor: prompts (boxes, points, masks) in original-image pixels -> masks as Results."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ultralytics_clone.data.utils import hwc_to_chw
from ultralytics_clone.engine.predictor import BasePredictor
from ultralytics_clone.engine.results import Results
from ultralytics_clone.utils.errors import ConfigError


class Predictor(BasePredictor):
    """Promptable segmentation. Prompts come from `set_prompts()` (SAM.predict calls it) or `inference(...)`.

    The image embedding of the last image is kept (`features`), so several prompt sets on one image (set_image,
    then inference_features) run the encoder once.
    """

    def __init__(self, cfg: Any = None, overrides: dict | None = None, _callbacks: dict | None = None) -> None:
        overrides = {"task": "segment", "mode": "predict", "imgsz": 1024, "batch": 1, "rect": False, **(overrides or {})}
        super().__init__(cfg, overrides, _callbacks)
        self.prompts: dict[str, Any] = {}
        self.features: torch.Tensor | None = None
        self.im: torch.Tensor | None = None
        self.segment_all = False

    # ----------------------------------------------------------------------------------------------------- model
    def setup_model(self, model: Any = None, verbose: bool = True) -> None:
        """A SAMModel, or a SAM checkpoint path (the file name selects the architecture)."""
        from ultralytics_clone.models.sam.build import build_sam
        from ultralytics_clone.utils.torch_utils import select_device

        model = self.args.model if model is None else model
        if not isinstance(model, torch.nn.Module):
            model = build_sam(model)
        self.device = select_device(self.args.device, verbose=verbose)
        self.args.half &= self.device.type == "cuda"
        model = model.to(self.device)
        self.model = (model.half() if self.args.half else model.float()).eval()
        self.args.imgsz = self.model.imgsz

    def get_model(self) -> torch.nn.Module:
        """The SAM network built from `args.model`."""
        from ultralytics_clone.models.sam.build import build_sam

        return build_sam(self.args.model)

    def setup_source(self, source: Any) -> None:
        """Open the source; the input size is always the encoder's square size."""
        super().setup_source(source)
        self.imgsz = (self.model.imgsz, self.model.imgsz)

    # ------------------------------------------------------------------------------------------------ pipeline
    def pre_transform(self, im: list[np.ndarray]) -> list[np.ndarray]:
        """Resize so the long side is the encoder size, padded at the bottom/right with grey (114)."""
        from ultralytics_clone.data.augment import LetterBox

        size = self.model.imgsz
        letterbox = LetterBox((size, size), auto=False, center=False)
        return [letterbox(image=x) for x in im]

    def preprocess(self, im: list[np.ndarray] | torch.Tensor) -> torch.Tensor:
        """BGR uint8 images -> normalised RGB (B, 3, S, S) on the device; a prepared tensor passes through."""
        if self.im is not None and isinstance(im, torch.Tensor) and im is self.im:
            return im
        if isinstance(im, torch.Tensor):  # BCHW RGB 0-1
            x = im.to(self.device).float() * 255
        else:
            x = torch.from_numpy(hwc_to_chw(self.pre_transform(im))).to(self.device).float()
        x = (x - self.model.pixel_mean) / self.model.pixel_std
        return x.half() if self.args.half else x

    def inference(self, im: torch.Tensor, bboxes=None, points=None, labels=None, masks=None, multimask_output=False,
                  *args: Any, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """Masks for the given prompts (or those of set_prompts()); (low-res logits (N, M, s, s), scores (N, M))."""
        bboxes = self.prompts.get("bboxes", bboxes)
        points = self.prompts.get("points", points)
        labels = self.prompts.get("labels", labels)
        masks = self.prompts.get("masks", masks)
        if all(p is None for p in (bboxes, points, masks)):
            raise ConfigError(
                "SAM predict needs a prompt: bboxes=[x1, y1, x2, y2] (or a list of them), points=[[x, y]] with "
                "labels=[1], or masks=; prompt-free 'segment everything' is not part of this release."
            )
        self._prepare_prompts(bboxes, points, labels, masks, 1.0)  # bad prompts fail before the encoder runs
        return self.prompt_inference(im, bboxes, points, labels, masks, multimask_output)

    def prompt_inference(self, im, bboxes=None, points=None, labels=None, masks=None, multimask_output=False):
        """Encode the image (once per image) and decode the prompts."""
        if self.features is None or self.im is not im:
            self.features = self.get_im_features(im)
            self.im = im
        h0, w0 = self.batch[1][0].shape[:2] if self.batch else im.shape[2:]
        return self.inference_features(self.features, (h0, w0), None, bboxes, points, labels, masks, multimask_output)

    def get_im_features(self, im: torch.Tensor) -> torch.Tensor:
        """Image embeddings (B, 256, S/16, S/16)."""
        return self.model.embed_image(im)

    def inference_features(self, features, src_shape, dst_shape=None, bboxes=None, points=None, labels=None,
                           masks=None, multimask_output=False):
        """Decode prompts given in `src_shape` (h, w) pixels against precomputed image `features`."""
        size = dst_shape or (self.model.imgsz, self.model.imgsz)
        r = min(size[0] / src_shape[0], size[1] / src_shape[1])
        bboxes, points, labels, masks = self._prepare_prompts(bboxes, points, labels, masks, r)
        return self.model.decode(
            features, points=(points, labels) if points is not None else None, boxes=bboxes, masks=masks,
            multimask_output=multimask_output,
        )

    def _prepare_prompts(self, bboxes, points, labels, masks, r: float):
        """Prompts as float tensors on the device, scaled from original pixels to the model input."""
        dev = self.device
        if bboxes is not None:
            bboxes = torch.as_tensor(np.asarray(bboxes, dtype=np.float32), device=dev)
            if bboxes.ndim == 1:
                bboxes = bboxes[None]
            if bboxes.ndim != 2 or bboxes.shape[-1] != 4:
                raise ConfigError(f"bboxes must be [x1, y1, x2, y2] or a list of them; got shape {tuple(bboxes.shape)}.")
            bboxes = bboxes * r
        if points is not None:
            points = torch.as_tensor(np.asarray(points, dtype=np.float32), device=dev)
            points = points[None, None] if points.ndim == 1 else points[:, None] if points.ndim == 2 else points
            if points.ndim != 3 or points.shape[-1] != 2:
                raise ConfigError(f"points must be [x, y], [[x, y], ...] or [[[x, y], ...], ...]; got {tuple(points.shape)}.")
            labels = np.ones(points.shape[:-1], dtype=np.int64) if labels is None else np.asarray(labels, dtype=np.int64)
            if labels.size != points.shape[0] * points.shape[1]:
                raise ConfigError(
                    f"labels must give one value (1 foreground, 0 background) per point: {labels.size} labels for "
                    f"{points.shape[0] * points.shape[1]} points."
                )
            labels = torch.as_tensor(labels, device=dev).reshape(points.shape[:-1])
            points = points * r
        if masks is not None:
            masks = torch.as_tensor(np.asarray(masks, dtype=np.float32), device=dev)
            masks = masks[:, None] if masks.ndim == 3 else masks
        return bboxes, points, labels, masks

    def postprocess(self, preds, img: torch.Tensor, orig_imgs: list[np.ndarray]) -> list[Results]:
        """Low-res logits -> masks at the original size (> 0), boxes from mask extents, kept when score > conf."""
        from ultralytics_clone.utils.mask_ops import scale_masks

        pred_masks, pred_scores = preds
        orig = orig_imgs[0]
        h0, w0 = orig.shape[:2]
        keep = pred_scores > self.args.conf
        masks = pred_masks[keep] if pred_masks.ndim == 4 else pred_masks
        scores = pred_scores[keep]
        cls = torch.arange(pred_masks.shape[0], device=pred_masks.device)[:, None].expand_as(pred_scores)[keep]
        if len(masks):
            # the letterbox pads bottom/right, so scale_masks without centring crops exactly the image's part
            masks = scale_masks(masks[None].float(), (h0, w0), padding=False)[0] > self.model.mask_threshold
        else:
            masks = torch.zeros((0, h0, w0), dtype=torch.bool, device=pred_masks.device)
        boxes = _mask_extents(masks)
        names = {i: str(i) for i in range(pred_masks.shape[0])}
        rows = torch.cat([boxes, scores[:, None].float(), cls[:, None].float()], dim=1)
        path = self.batch[0][0] if self.batch else ""
        return [Results(orig, path=path, names=names, masks=masks, boxes=rows)]

    # ---------------------------------------------------------------------------------------------- prompts API
    def set_image(self, image: Any) -> None:
        """Encode one image now (path or BGR array); later inference calls reuse its features."""
        if self.model is None:
            self.setup_model()
        self.setup_source(image)
        for batch in self.dataset:
            self.batch = batch
            self.im = self.preprocess(batch[1])
            self.features = self.get_im_features(self.im)
            break

    def set_prompts(self, prompts: dict[str, Any]) -> None:
        """Prompts (bboxes, points, labels, masks) used by the next inference calls."""
        self.prompts = dict(prompts)

    def reset_image(self) -> None:
        """Forget the cached image and its features."""
        self.im, self.features = None, None

    @property
    def src_shape(self) -> tuple[int, int] | None:
        """(h, w) of the image being segmented."""
        return self.batch[1][0].shape[:2] if self.batch else None


def _mask_extents(masks: torch.Tensor) -> torch.Tensor:
    """(N, H, W) boolean masks -> (N, 4) xyxy of their set pixels (last pixel index; zeros for empty masks)."""
    if not len(masks):
        return torch.zeros((0, 4), device=masks.device)
    rows, cols = masks.any(dim=2), masks.any(dim=1)
    h, w = masks.shape[1:]
    ys, xs = torch.arange(h, device=masks.device), torch.arange(w, device=masks.device)
    big = torch.tensor(max(h, w), device=masks.device)
    x1 = torch.where(cols, xs, big).amin(1)
    x2 = torch.where(cols, xs, -1).amax(1)
    y1 = torch.where(rows, ys, big).amin(1)
    y2 = torch.where(rows, ys, -1).amax(1)
    boxes = torch.stack([x1, y1, x2, y2], dim=1).float()
    return torch.where(masks.flatten(1).any(1, keepdim=True), boxes, torch.zeros_like(boxes))
