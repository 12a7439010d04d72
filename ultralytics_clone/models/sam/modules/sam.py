"""SAMModel: image encoder + prompt encoder + mask decoder, with the pixel statistics used to normalise input."""

from __future__ import annotations

import torch
from torch import nn


class SAMModel(nn.Module):
    """The Segment Anything network. Inputs are RGB images resized so the long side is `image_encoder.img_size`."""

    mask_threshold: float = 0.0

    def __init__(
        self,
        image_encoder: nn.Module,
        prompt_encoder: nn.Module,
        mask_decoder: nn.Module,
        pixel_mean: tuple[float, float, float] = (123.675, 116.28, 103.53),
        pixel_std: tuple[float, float, float] = (58.395, 57.12, 57.375),
    ) -> None:
        super().__init__()
        self.image_encoder = image_encoder
        self.prompt_encoder = prompt_encoder
        self.mask_decoder = mask_decoder
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean).view(-1, 1, 1), persistent=False)
        self.register_buffer("pixel_std", torch.tensor(pixel_std).view(-1, 1, 1), persistent=False)
        self.task = "segment"
        self.names = {0: "object"}
        self.stride = torch.tensor([16.0])

    @property
    def imgsz(self) -> int:
        """The square input size the image encoder expects."""
        return int(self.image_encoder.img_size)

    def embed_image(self, im: torch.Tensor) -> torch.Tensor:
        """(B, 3, S, S) normalised RGB -> (B, 256, S/16, S/16) image embeddings."""
        return self.image_encoder(im)

    def decode(
        self,
        image_embeddings: torch.Tensor,
        points: tuple[torch.Tensor, torch.Tensor] | None = None,
        boxes: torch.Tensor | None = None,
        masks: torch.Tensor | None = None,
        multimask_output: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Prompts in input-frame pixels -> (low-res mask logits (N, M, S/4, S/4), IoU predictions (N, M))."""
        sparse, dense = self.prompt_encoder(points=points, boxes=boxes, masks=masks)
        return self.mask_decoder(
            image_embeddings=image_embeddings,
            image_pe=self.prompt_encoder.get_dense_pe(),
            sparse_prompt_embeddings=sparse,
            dense_prompt_embeddings=dense,
            multimask_output=multimask_output,
        )
