"""A custom trainer: the detection head learns 10x faster than the backbone (per-layer learning rates), and a callback
keeps the backbone frozen for the first epoch, then unfreezes it.

    python examples/custom_trainer.py                  # 3 epochs at imgsz 96 on the built-in shapes set
    python examples/custom_trainer.py --epochs 1 --imgsz 64
"""

from __future__ import annotations

import argparse

import torch

from ultralytics_clone import YOLO
from ultralytics_clone.models.yolo.detect import DetectionTrainer

BACKBONE = [f"model.{i}." for i in range(10)]  # yolo11n.yaml: layers 0-9 are the backbone


class HeadFastTrainer(DetectionTrainer):
    """DetectionTrainer whose optimizer gives every parameter of the head (layers >= 10) ten times the base LR."""

    def build_optimizer(self, model, name="auto", lr=0.001, momentum=0.9, decay=1e-5, iterations=1e5):
        opt = super().build_optimizer(model, name, lr, momentum, decay, iterations)
        head = {id(p) for n, p in model.named_parameters() if not any(n.startswith(b) for b in BACKBONE)}
        split = []
        for group in opt.param_groups:  # split each of the three groups (biases, decayed, norm) into backbone / head
            fast = [p for p in group["params"] if id(p) in head]
            group["params"] = [p for p in group["params"] if id(p) not in head]
            if fast:
                split.append({**group, "params": fast, "lr": group["lr"] * 10, "initial_lr": group["lr"] * 10})
        for g in split:
            opt.add_param_group(g)
        return opt


def freeze_backbone_first_epoch(trainer) -> None:
    """on_train_epoch_start: the backbone is frozen during epoch 0 and trains from epoch 1 on."""
    if trainer.epoch == 0:
        trainer.freeze_layer_names += BACKBONE
    elif trainer.epoch == 1:
        trainer.freeze_layer_names = [n for n in trainer.freeze_layer_names if n not in BACKBONE]
        for n, p in trainer.model.named_parameters():
            if any(n.startswith(b) for b in BACKBONE) and p.dtype.is_floating_point:
                p.requires_grad_(True)


def main(epochs: int = 3, imgsz: int = 96, batch: int = 8) -> dict:
    model = YOLO("yolo11n.yaml")
    model.add_callback("on_train_epoch_start", freeze_backbone_first_epoch)
    before = {n: p.detach().clone() for n, p in model.model.named_parameters()}
    model.train(trainer=HeadFastTrainer, data="shapes-det.yaml", epochs=epochs, imgsz=imgsz, batch=batch,
                workers=0, nbs=batch, mosaic=0.0, plots=False)  # fmt: skip
    opt = model.trainer.optimizer
    print(f"{len(opt.param_groups)} parameter groups, learning rates {[round(g['lr'], 6) for g in opt.param_groups]}")
    after = dict(model.trainer.model.named_parameters())
    moved = {n for n in before if n in after and not torch.equal(before[n], after[n].detach().cpu())}
    print(f"{len(moved)} of {len(before)} parameter tensors changed")
    return {"model": model, "optimizer": opt, "moved": moved}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--imgsz", type=int, default=96)
    a = p.parse_args()
    main(a.epochs, a.imgsz)
