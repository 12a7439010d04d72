"""The networks of Segment Anything: encoders (ViT, TinyViT), prompt encoder, two-way transformer, mask decoder."""

from .decoders import MaskDecoder
from .encoders import ImageEncoderViT, PositionEmbeddingRandom, PromptEncoder
from .sam import SAMModel
from .tiny_encoder import TinyViT
from .transformer import TwoWayTransformer

__all__ = [
    "ImageEncoderViT",
    "MaskDecoder",
    "PositionEmbeddingRandom",
    "PromptEncoder",
    "SAMModel",
    "TinyViT",
    "TwoWayTransformer",
]
