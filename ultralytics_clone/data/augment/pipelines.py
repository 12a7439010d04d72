"""The detect/segment/pose/obb training pipeline built from the hyperparameters."""

from __future__ import annotations

from ultralytics_clone.data.augment.base import Compose
from ultralytics_clone.data.augment.color import RandomHSV
from ultralytics_clone.data.augment.geometric import LetterBox, RandomFlip, RandomPerspective
from ultralytics_clone.data.augment.mix import CopyPaste, CutMix, MixUp, Mosaic
from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.errors import DatasetError


def _flip_idx(dataset, hyp) -> list[int]:
    """The dataset's flip_idx, checked against kpt_shape; fliplr is switched off for keypoints without one."""
    data = getattr(dataset, "data", None) or {}
    flip_idx = list(data.get("flip_idx") or [])
    if getattr(dataset, "use_keypoints", False):
        kpt_shape = data.get("kpt_shape")
        if not flip_idx and hyp.fliplr > 0.0:
            hyp.fliplr = 0.0
            LOGGER.warning("No 'flip_idx' in the data YAML for keypoints, so left-right flips are off (fliplr=0.0).")
        elif flip_idx and kpt_shape and len(flip_idx) != kpt_shape[0]:
            raise DatasetError(
                f"data YAML 'flip_idx' has {len(flip_idx)} entries but kpt_shape {kpt_shape} has {kpt_shape[0]} "
                "keypoints; give one index per keypoint (the index of its mirror partner)."
            )
    return flip_idx


def v8_transforms(dataset, imgsz: int, hyp, stretch: bool = False) -> Compose:
    """Mosaic -> (CopyPaste) -> RandomPerspective -> MixUp -> CutMix -> HSV -> flips; labels stay in xyxy pixels."""
    mosaic = Mosaic(dataset, imgsz=imgsz, p=hyp.mosaic)
    affine = RandomPerspective(
        degrees=hyp.degrees,
        translate=hyp.translate,
        scale=hyp.scale,
        shear=hyp.shear,
        perspective=hyp.perspective,
        pre_transform=None if stretch else LetterBox(new_shape=(imgsz, imgsz)),
    )
    pre_transform = Compose([mosaic, affine])
    copy_paste = getattr(hyp, "copy_paste", 0.0)
    mode = getattr(hyp, "copy_paste_mode", "flip")
    flip_idx = _flip_idx(dataset, hyp)
    if mode == "flip":
        pre_transform.insert(1, CopyPaste(p=copy_paste, mode=mode, flip_idx=flip_idx))
    else:
        source = Compose([Mosaic(dataset, imgsz=imgsz, p=hyp.mosaic), affine])
        pre_transform.append(CopyPaste(dataset, pre_transform=source, p=copy_paste, mode=mode))
    return Compose(
        [
            pre_transform,
            MixUp(dataset, pre_transform=pre_transform, p=hyp.mixup),
            CutMix(dataset, pre_transform=pre_transform, p=getattr(hyp, "cutmix", 0.0)),
            RandomHSV(hgain=hyp.hsv_h, sgain=hyp.hsv_s, vgain=hyp.hsv_v),
            RandomFlip(direction="vertical", p=hyp.flipud),
            RandomFlip(direction="horizontal", p=hyp.fliplr, flip_idx=flip_idx),
        ]
    )
