"""SAM: MobileSAM fixture reproduced layer group by layer group, SAM.predict masks, ViT layout, bad inputs."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from ultralytics_clone.models.sam import SAM
from ultralytics_clone.models.sam.build import build_mobile_sam, build_sam, build_sam_vit_b
from ultralytics_clone.models.sam.modules import ImageEncoderViT
from ultralytics_clone.utils.errors import CheckpointError, ConfigError

# located as conftest locates shared/ (importing tests.conftest would run it a second time: a new session folder)
_SHARED = Path(__file__).resolve().parents[2] / "shared"
if not _SHARED.is_dir():  # a checkout with shared/ inside it
    _SHARED = Path(__file__).resolve().parents[1] / "shared"
SAM_FIX = _SHARED / "fixtures" / "sam"
CKPT = SAM_FIX / "random_mobile_sam.pt"
BOXES = [[151, 92, 210, 151], [30, 160, 94, 224]]


def ref(name: str) -> np.ndarray:
    return np.load(SAM_FIX / f"{name}.npy")


@pytest.fixture(scope="module")
def mobile_sam():
    return build_sam(CKPT)


@pytest.fixture(scope="module")
def sam_model():
    return SAM(str(CKPT))


def test_checkpoint_layout_matches_the_fixture_keys():
    model = build_mobile_sam()
    ours = {k: list(v.shape) for k, v in model.state_dict().items()}
    theirs = {}
    for line in (SAM_FIX / "mobile_sam.keys.txt").read_text().splitlines():
        key, shape, _ = line.split()
        theirs[key] = [int(s) for s in shape.strip("[]").split(",") if s]
    assert ours == theirs


def test_image_encoder_reproduces_the_reference_embeddings(mobile_sam):
    with torch.inference_mode():
        emb = mobile_sam.embed_image(torch.from_numpy(ref("input"))).numpy()
    expected = ref("image_embeddings")
    assert emb.shape == (1, 256, 64, 64)
    assert np.abs(emb - expected).max() < 1e-4 * max(1.0, np.abs(expected).max())


@pytest.mark.parametrize("kind", ["boxes", "point"])
def test_prompt_encoder_and_decoder_reproduce_the_reference(mobile_sam, kind):
    emb = torch.from_numpy(ref("image_embeddings"))
    if kind == "boxes":
        prompts = {"boxes": torch.tensor([[604, 368, 840, 604], [120, 640, 376, 896]], dtype=torch.float32)}
    else:
        prompts = {"points": (torch.tensor([[[356.0, 320.0]]]), torch.tensor([[1]]))}
    with torch.inference_mode():
        sparse, dense = mobile_sam.prompt_encoder(**prompts)
        logits, iou = mobile_sam.decode(emb, **prompts)
        _, iou3 = mobile_sam.decode(emb, multimask_output=True, **prompts)
    assert np.abs(sparse.numpy() - ref(f"{kind}.sparse_embeddings")).max() < 1e-5
    assert torch.equal(dense[0, :, 0, 0], mobile_sam.prompt_encoder.no_mask_embed.weight[0])
    assert np.abs(logits.numpy() - ref(f"{kind}.lowres_logits")).max() < 1e-5
    assert np.abs(iou.numpy() - ref(f"{kind}.iou_predictions")).max() < 1e-5
    assert np.abs(iou3.numpy() - ref(f"{kind}.multimask_iou_predictions")).max() < 1e-5


def _masks_agree(masks: np.ndarray, kind: str) -> None:
    expected, logits = ref(f"{kind}.masks").astype(bool), ref(f"{kind}.lowres_logits")[:, 0]
    assert masks.shape == expected.shape
    differ = masks != expected
    assert not differ.any() or np.abs(logits[differ]).max() < 1e-4  # only pixels whose logit is ~0 may flip


def test_sam_predict_with_boxes_and_points(sam_model):
    info = __import__("json").loads((SAM_FIX / "reference.json").read_text())
    assert info["imgsz"] == sam_model.model.imgsz
    r = sam_model.predict(str(SAM_FIX / "image.jpg"), bboxes=BOXES)[0]
    _masks_agree(r.masks.data.numpy(), "boxes")
    np.testing.assert_allclose(r.boxes.conf.numpy(), [0.826879, 0.869554], atol=1e-5)
    assert r.boxes.cls.tolist() == [0, 1]
    assert r.boxes.xyxy.tolist() == [[0, 0, 255, 255]] * 2
    assert r.masks.data.sum(dim=(1, 2)).tolist() == [52068, 50211]
    r = sam_model(str(SAM_FIX / "image.jpg"), points=[[89, 80]], labels=[1])[0]
    _masks_agree(r.masks.data.numpy(), "point")
    np.testing.assert_allclose(r.boxes.conf.numpy(), [0.809608], atol=1e-5)


def test_sam_predict_on_a_non_square_array_keeps_its_size(sam_model):
    im = np.full((200, 320, 3), 90, np.uint8)
    r = sam_model.predict(im, bboxes=[10, 10, 100, 120], conf=0.0)[0]
    assert r.masks.data.shape == (1, 200, 320)
    assert r.orig_img.shape == (200, 320, 3)


def test_sam_bad_inputs_are_one_sentence(sam_model, tmp_path):
    with pytest.raises(ConfigError, match="needs a prompt"):
        sam_model.predict(str(SAM_FIX / "image.jpg"))
    with pytest.raises(ConfigError, match="labels must give one value"):
        sam_model.predict(str(SAM_FIX / "image.jpg"), points=[[1, 2], [3, 4]], labels=[1, 1, 1])
    with pytest.raises(ConfigError, match="bboxes must be"):
        sam_model.predict(str(SAM_FIX / "image.jpg"), bboxes=[1, 2, 3])
    with pytest.raises(CheckpointError, match="must end with one of"):
        build_sam(tmp_path / "mobile_sam_random.pt")
    with pytest.raises(CheckpointError, match=r"\.pt or \.pth"):
        SAM("model.onnx")


class _Payload:
    def __reduce__(self):
        import os

        return (os.system, (f"touch {_Payload.marker}",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_sam_checkpoint_with_code_is_refused_without_running(tmp_path):
    _Payload.marker = tmp_path / "pwned"
    for name, write in {
        "zip_mobile_sam.pt": lambda p: torch.save({"model": _Payload()}, p),
        "raw_mobile_sam.pt": lambda p: p.write_bytes(pickle.dumps({"x": _Payload()})),
    }.items():
        path = tmp_path / name
        write(path)
        with pytest.raises(CheckpointError, match=name):
            build_sam(path)
        assert not _Payload.marker.exists()
    bad = tmp_path / "wrong_mobile_sam.pt"
    torch.save({"image_encoder.nothing": torch.zeros(1)}, bad)
    with pytest.raises(CheckpointError, match="does not fit"):
        build_sam(bad)


def test_official_vit_b_layout():
    with torch.device("meta"):
        model = build_sam_vit_b()
    sd = model.state_dict()
    expected = {
        "image_encoder.patch_embed.proj.weight": (768, 3, 16, 16),
        "image_encoder.pos_embed": (1, 64, 64, 768),
        "image_encoder.blocks.0.attn.rel_pos_h": (27, 64),
        "image_encoder.blocks.2.attn.rel_pos_w": (127, 64),
        "image_encoder.blocks.11.mlp.lin2.weight": (768, 3072),
        "image_encoder.neck.0.weight": (256, 768, 1, 1),
        "image_encoder.neck.3.bias": (256,),
        "mask_decoder.iou_prediction_head.layers.2.weight": (4, 256),
    }
    assert {k: tuple(sd[k].shape) for k in expected} == expected
    assert len([k for k in sd if k.startswith("image_encoder.blocks.")]) == 12 * 14  # norm1, attn (qkv, proj, rel_pos_h/w), norm2, mlp: 14 tensors a block
    decoder_keys = {k for k in sd if not k.startswith("image_encoder.")}
    fixture_keys = {line.split()[0] for line in (SAM_FIX / "mobile_sam.keys.txt").read_text().splitlines()}
    assert decoder_keys == {k for k in fixture_keys if not k.startswith("image_encoder.")}


def test_vit_encoder_window_and_global_attention_run_on_a_small_input():
    torch.manual_seed(0)
    enc = ImageEncoderViT(img_size=64, patch_size=16, embed_dim=32, depth=2, num_heads=2, window_size=3,
                          global_attn_indexes=(1,), out_chans=16).eval()
    for p in enc.parameters():
        torch.nn.init.normal_(p, std=0.1)
    with torch.no_grad():
        out = enc(torch.randn(2, 3, 64, 64))
        single = enc(torch.randn(2, 3, 64, 64)[:1])
    assert out.shape == (2, 16, 4, 4) and single.shape == (1, 16, 4, 4)
    assert torch.isfinite(out).all()


def test_sam_importable_from_the_package_root():
    import ultralytics_clone

    assert ultralytics_clone.SAM is SAM
    assert Path(ultralytics_clone.models.sam.__file__).parent.name == "sam"
