"""Instance-mask helpers for the segment head's outputs; re-exported by `utils.ops` (Ultralytics' path)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F


def crop_mask(masks: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
    """Zero masks (Tensor[N, H, W]) outside their boxes (Tensor[N, 4]): xyxy, mask pixels."""
    _, h, w = masks.shape
    x1, y1, x2, y2 = torch.chunk(boxes[:, :, None], 4, 1)  # each (N, 1, 1)
    cols = torch.arange(w, device=masks.device, dtype=boxes.dtype)[None, None, :]
    rows = torch.arange(h, device=masks.device, dtype=boxes.dtype)[None, :, None]
    return masks * ((cols >= x1) & (cols < x2) & (rows >= y1) & (rows < y2))


def _proto_masks(protos: torch.Tensor, masks_in: torch.Tensor) -> torch.Tensor:
    """Mask logits (Tensor[N, mh, mw]) from prototypes (Tensor[C, mh, mw]) and coefficients (Tensor[N, C])."""
    c, mh, mw = protos.shape
    return (masks_in @ protos.float().view(c, -1)).view(-1, mh, mw)


def process_mask(protos: torch.Tensor, masks_in: torch.Tensor, bboxes: torch.Tensor, shape: tuple,
                 upsample: bool = False) -> torch.Tensor:  # fmt: skip
    """Binary masks cropped to bboxes (xyxy, pixels of `shape` (h, w)); at prototype size, or `shape` when upsample."""
    _, mh, mw = protos.shape
    ih, iw = shape[:2]
    masks = _proto_masks(protos, masks_in.float())
    gain = torch.tensor([mw / iw, mh / ih, mw / iw, mh / ih], device=bboxes.device, dtype=torch.float32)
    masks = crop_mask(masks, bboxes[:, :4].float() * gain)
    if upsample:
        masks = _resize(masks, shape[:2])
    return masks.gt_(0.0)


def _resize(masks: torch.Tensor, shape: tuple) -> torch.Tensor:
    """Bilinear resize of Tensor[N, h, w] to `shape` (h, w); N may be 0."""
    if not len(masks):
        return masks.new_zeros((0, *shape[:2]))
    return F.interpolate(masks[None].float(), shape[:2], mode="bilinear", align_corners=False)[0]


def process_mask_upsample(protos: torch.Tensor, masks_in: torch.Tensor, bboxes: torch.Tensor,
                          shape: tuple) -> torch.Tensor:  # fmt: skip
    """Binary masks (Tensor[N, h, w]) upsampled to `shape` before cropping to bboxes (xyxy, pixels of shape)."""
    masks = _resize(_proto_masks(protos, masks_in.float()), shape)
    return crop_mask(masks, bboxes[:, :4].float()).gt_(0.0)


def process_mask_native(protos: torch.Tensor, masks_in: torch.Tensor, bboxes: torch.Tensor,
                        shape: tuple) -> torch.Tensor:  # fmt: skip
    """Binary masks (Tensor[N, h, w]) with the letterbox padding removed, resized to `shape`, cropped to bboxes."""
    masks = _proto_masks(protos, masks_in.float())
    masks = scale_masks(masks[None], shape)[0]
    return crop_mask(masks, bboxes[:, :4].float()).gt_(0.0)


def scale_masks(
    masks: torch.Tensor, shape: tuple, ratio_pad: tuple | None = None, padding: bool = True, mode: str = "bilinear"
) -> torch.Tensor:
    """Masks (Tensor[B, C, h, w]) of a letterboxed image: padding cropped, resized to shape (h0, w0) with
    F.interpolate `mode` ('bilinear', 'nearest'...).

    ratio_pad (gain or (gain_h, gain_w), (pad_w, pad_h)) is the letterbox that was applied (the loader's order);
    computed for a centred letterbox when None.
    """
    mh, mw = masks.shape[2:]
    if ratio_pad is None:
        gain = min(mh / shape[0], mw / shape[1])
        pad_w, pad_h = mw - shape[1] * gain, mh - shape[0] * gain
        if padding:
            pad_w, pad_h = pad_w / 2, pad_h / 2
    else:
        pad_w, pad_h = ratio_pad[1]
    top, left = (int(round(pad_h - 0.1)), int(round(pad_w - 0.1))) if padding else (0, 0)
    if ratio_pad is None:
        bottom, right = mh - int(round(pad_h + 0.1)), mw - int(round(pad_w + 0.1))
    else:
        gw, gh = _gains(ratio_pad[0])
        bottom, right = top + int(round(shape[0] * gh)), left + int(round(shape[1] * gw))
    masks = masks[..., top:bottom, left:right]
    if masks.shape[0] * masks.shape[1] == 0:
        return masks.new_zeros((*masks.shape[:2], *shape[:2])).float()
    align = False if mode in {"linear", "bilinear", "bicubic", "trilinear"} else None
    return F.interpolate(masks.float(), shape[:2], mode=mode, align_corners=align)


def _gains(gain: Any) -> tuple[float, float]:
    """(gain_w, gain_h) from a scalar gain or a (gain_h, gain_w) pair."""
    if isinstance(gain, (tuple, list)):
        return (float(gain[1] if len(gain) > 1 else gain[0]), float(gain[0]))
    return float(gain), float(gain)


def scale_image(masks: np.ndarray, im0_shape: tuple, ratio_pad=None) -> np.ndarray:
    """Masks (ndarray[h, w, N]) of a letterboxed image: padding cropped, resized to im0_shape -> [h0, w0, N]."""
    im1_shape = masks.shape
    if im1_shape[:2] == tuple(im0_shape[:2]):
        return masks
    if ratio_pad is None:
        gain = min(im1_shape[0] / im0_shape[0], im1_shape[1] / im0_shape[1])
        pad = (im1_shape[1] - im0_shape[1] * gain) / 2, (im1_shape[0] - im0_shape[0] * gain) / 2
    else:
        pad = ratio_pad[1]
    top, left = int(round(pad[1] - 0.1)), int(round(pad[0] - 0.1))
    bottom, right = im1_shape[0] - int(round(pad[1] + 0.1)), im1_shape[1] - int(round(pad[0] + 0.1))
    if masks.ndim < 2:
        raise ValueError(f"scale_image expects masks of 2 or 3 dimensions (h, w[, n]), got shape {masks.shape}")
    masks = cv2.resize(masks[top:bottom, left:right], (im0_shape[1], im0_shape[0]))
    return masks[:, :, None] if masks.ndim == 2 else masks


def masks2segments(masks: torch.Tensor, strategy: str = "all") -> list[np.ndarray]:
    """Outline polygons (float32[k, 2], pixels) of binary masks (Tensor[N, h, w]); strategy 'all'|'concat'|'largest'."""
    if strategy not in {"all", "concat", "largest"}:
        raise ValueError(f"masks2segments strategy must be 'all', 'concat' or 'largest', got '{strategy}'")
    out = []
    for m in masks.int().cpu().numpy().astype(np.uint8):  # cv2 finds contours one mask at a time
        contours = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
        if not contours:
            out.append(np.zeros((0, 2), dtype=np.float32))
        elif strategy == "largest":
            out.append(max(contours, key=len).reshape(-1, 2).astype(np.float32))
        else:
            out.append(np.concatenate([c.reshape(-1, 2) for c in contours]).astype(np.float32))
    return out
