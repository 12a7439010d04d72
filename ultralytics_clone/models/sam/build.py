"""Build SAM networks by checkpoint name (ViT-B/L/H or MobileSAM) and load their state_dicts safely."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ultralytics_clone.utils.errors import CheckpointError

from .modules import ImageEncoderViT, MaskDecoder, PromptEncoder, SAMModel, TinyViT, TwoWayTransformer

PROMPT_DIM = 256
IMG_SIZE = 1024
PATCH = 16


def _sam(image_encoder: nn.Module) -> SAMModel:
    grid = IMG_SIZE // PATCH
    return SAMModel(
        image_encoder=image_encoder,
        prompt_encoder=PromptEncoder(PROMPT_DIM, (grid, grid), (IMG_SIZE, IMG_SIZE), mask_in_chans=16),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(depth=2, embedding_dim=PROMPT_DIM, mlp_dim=2048, num_heads=8),
            transformer_dim=PROMPT_DIM,
            iou_head_depth=3,
            iou_head_hidden_dim=256,
        ),
    )


def _vit(embed_dim: int, depth: int, num_heads: int, global_attn_indexes: tuple[int, ...]) -> ImageEncoderViT:
    return ImageEncoderViT(
        img_size=IMG_SIZE, patch_size=PATCH, embed_dim=embed_dim, depth=depth, num_heads=num_heads,
        global_attn_indexes=global_attn_indexes, window_size=14, out_chans=PROMPT_DIM,
    )


def build_sam_vit_b(checkpoint: str | Path | None = None) -> SAMModel:
    """SAM ViT-B (`sam_b.pt`)."""
    return _load(_sam(_vit(768, 12, 12, (2, 5, 8, 11))), checkpoint)


def build_sam_vit_l(checkpoint: str | Path | None = None) -> SAMModel:
    """SAM ViT-L (`sam_l.pt`)."""
    return _load(_sam(_vit(1024, 24, 16, (5, 11, 17, 23))), checkpoint)


def build_sam_vit_h(checkpoint: str | Path | None = None) -> SAMModel:
    """SAM ViT-H (`sam_h.pt`)."""
    return _load(_sam(_vit(1280, 32, 16, (7, 15, 23, 31))), checkpoint)


def build_mobile_sam(checkpoint: str | Path | None = None) -> SAMModel:
    """MobileSAM (`mobile_sam.pt`): TinyViT image encoder, SAM's prompt encoder and decoder."""
    return _load(_sam(TinyViT(img_size=IMG_SIZE)), checkpoint)


SAM_MODEL_MAP = {
    "sam_h.pt": build_sam_vit_h,
    "sam_l.pt": build_sam_vit_l,
    "sam_b.pt": build_sam_vit_b,
    "mobile_sam.pt": build_mobile_sam,
}


def build_sam(ckpt: str | Path = "sam_b.pt") -> SAMModel:
    """The SAM network whose architecture the file name says (it must end with one of SAM_MODEL_MAP's names)."""
    name = Path(str(ckpt)).name
    for suffix, builder in SAM_MODEL_MAP.items():
        if name.endswith(suffix):
            return builder(ckpt)
    raise CheckpointError(
        f"'{ckpt}' is not a supported SAM checkpoint name: the file name must end with one of "
        f"{', '.join(SAM_MODEL_MAP)} (the name selects the architecture)."
    )


def _load(model: SAMModel, checkpoint: str | Path | None) -> SAMModel:
    """Copy a SAM state_dict (raw, or under a 'model' key) into `model`; tensors only, nothing is executed."""
    if checkpoint is not None:
        state = _read_state_dict(Path(checkpoint))
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise CheckpointError(
                f"'{checkpoint}' does not fit the {type(model.image_encoder).__name__} SAM layout: "
                f"{len(missing)} missing keys (e.g. {missing[:3]}), {len(unexpected)} unexpected (e.g. {unexpected[:3]})."
            )
    return model.eval()


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise CheckpointError(f"SAM checkpoint '{path}' does not exist.")
    from ultralytics_clone.nn.weights import restricted_load

    obj = restricted_load(path)  # the package's one unpickler: refuses (and names) any foreign global
    if isinstance(obj, dict) and isinstance(obj.get("model"), dict):
        obj = obj["model"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"'{path}' does not hold a SAM state_dict (a mapping of names to tensors).")
    return obj
