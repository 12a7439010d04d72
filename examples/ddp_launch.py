"""DDP launch on CPU: a custom trainer and a callback defined in this script train in two processes (gloo).

`device="cpu,cpu"` starts two CPU processes; on a machine with GPUs, `device=[0, 1]` starts one per GPU (NCCL) with
the same code. The trainer is sent to each process by value, so the subclass and the callback below run on both ranks
as written; rank 0 alone validates and writes the run folder. `batch` is the total over both ranks.

    python examples/ddp_launch.py                      # 2 epochs at imgsz 64
    python examples/ddp_launch.py --epochs 1 --imgsz 32
Also possible: `torchrun --nproc_per_node 2 examples/ddp_launch.py` (torchrun starts the ranks; they train directly).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from ultralytics_clone.models.yolo.detect import DetectionTrainer


class HeadOnlyFirstEpochTrainer(DetectionTrainer):
    """Freezes the backbone (layers 0-9) for the first epoch through `freeze=10`; the callback below unfreezes it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_callback("on_train_epoch_start", unfreeze_after_first_epoch)
        self.add_callback("on_train_epoch_end", report_rank)


def unfreeze_after_first_epoch(trainer) -> None:
    """on_train_epoch_start, on every rank: from epoch 1 on, the backbone trains too."""
    if trainer.epoch == 1:
        trainer.freeze_layer_names = [".dfl"]
        for name, p in trainer.model.named_parameters():
            if ".dfl" not in name and p.dtype.is_floating_point:
                p.requires_grad_(True)


def report_rank(trainer) -> None:
    """on_train_epoch_end, on every rank: note which rank ran which epoch with how many trainable tensors."""
    rank, world = os.environ.get("RANK", "-1"), os.environ.get("WORLD_SIZE", "1")
    trainable = sum(p.requires_grad for p in trainer.model.parameters())
    notes = Path(trainer.args.project) / "ranks"
    notes.mkdir(parents=True, exist_ok=True)
    with open(notes / f"rank{rank}.jsonl", "a") as f:
        f.write(json.dumps({"rank": int(rank), "world": int(world), "epoch": trainer.epoch, "trainable": trainable}))
        f.write("\n")


def main(epochs: int = 2, imgsz: int = 64, batch: int = 8, fraction: float = 1.0, project: str = "runs/ddp") -> dict:
    trainer = HeadOnlyFirstEpochTrainer(overrides=dict(
        model="yolo11n.yaml", data="shapes-det.yaml", device="cpu,cpu", epochs=epochs, imgsz=imgsz, batch=batch,
        nbs=batch, workers=0, fraction=fraction, freeze=10, mosaic=0.0, plots=False, project=project, name="train"))
    trainer.train()
    notes = {p.stem: [json.loads(line) for line in p.read_text().splitlines()]
             for p in sorted((Path(project) / "ranks").glob("rank*.jsonl"))}  # fmt: skip
    for name, rows in notes.items():
        print(f"{name}: " + ", ".join(f"epoch {r['epoch']} ({r['trainable']} trainable tensors)" for r in rows))
    print(f"best weights: {trainer.best}")
    return {"trainer": trainer, "ranks": notes}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--imgsz", type=int, default=64)
    a = p.parse_args()
    main(a.epochs, a.imgsz)
