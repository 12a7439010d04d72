"""Validation cost: images/s and ms per image in preprocess, inference, NMS and metric update, beside naive loops.

Run: python benchmarks/val.py [--weights yolo11n.pt] [--images 200] [--imgsz 640] [--batch 16] [--threads N]
On a machine whose cores are shared with other busy processes, use --threads 1: multi-threaded torch ops then
stall waiting for descheduled threads, which inflates every batch-level op and hides what the code costs.
Data: a drawn set (the built-in shapes-det images upscaled to 640x512 JPEGs in a temp folder), validated at
conf=0.001 on CPU with DetectionValidator; NMS and metric update are timed inside that run. The same raw outputs
and batches are then replayed through naive per-image loops kept here for contrast: per-image torchvision NMS with
class offsets (as the reference library does it) and a per-image metric update with several host copies each.
A second part times both on an 80-class output with about 300 predictions per image after NMS.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = next((p for p in (ROOT.parent / "shared/fixtures/ultralytics/yolo11n.pt",
                            ROOT / "shared/fixtures/ultralytics/yolo11n.pt") if p.exists()), ROOT / "yolo11n.pt")  # fmt: skip


def make_data(root: Path, n: int) -> Path:
    """A data-set yaml over n 640x512 JPEGs (+ labels) made from shapes-det; returns the yaml path."""
    from dataloader import make_data as make_images  # benchmarks/dataloader.py: the same drawn images

    make_images(root, n, split="val")
    yaml = root / "data.yaml"
    yaml.write_text(f"path: {root}\ntrain: images/val\nval: images/val\nnames:\n  0: circle\n  1: square\n  2: triangle\n")
    return yaml


def naive_nms(pred: torch.Tensor, conf: float = 0.001, iou: float = 0.7, max_det: int = 300) -> list[torch.Tensor]:
    """Per-image loop: candidates, class offsets, one torchvision NMS per image (the reference's way)."""
    import torchvision

    out = []
    for x in pred:
        x = x.T
        x = x[x[:, 4:].amax(1) > conf]
        box = torch.cat((x[:, :2] - x[:, 2:4] / 2, x[:, :2] + x[:, 2:4] / 2), 1)
        i, j = (x[:, 4:] > conf).nonzero(as_tuple=True)
        x = torch.cat((box[i], x[i, 4 + j, None], j[:, None].float()), 1)
        x = x[x[:, 4].argsort(descending=True)[:30000]]
        keep = torchvision.ops.nms(x[:, :4] + x[:, 5:6] * 7680, x[:, 4], iou)[:max_det]
        out.append(x[keep])
    return out


def naive_update(preds: list[torch.Tensor], batch: dict, stats: list) -> None:
    """Per-image loop with host copies per image: scale labels, IoU, match, append numpy arrays."""
    from ultralytics_clone.utils.metrics import box_iou, match_predictions
    from ultralytics_clone.utils.ops import scale_boxes, xywh2xyxy

    imgsz = batch["img"].shape[2:]
    for si, pred in enumerate(preds):
        idx = batch["batch_idx"] == si
        cls, bbox = batch["cls"][idx].squeeze(-1), batch["bboxes"][idx]
        bbox = xywh2xyxy(bbox) * torch.tensor(imgsz)[[1, 0, 1, 0]]
        bbox = scale_boxes(imgsz, bbox, batch["ori_shape"][si], ratio_pad=batch["ratio_pad"][si])
        predn = pred.clone()
        predn[:, :4] = scale_boxes(imgsz, predn[:, :4], batch["ori_shape"][si], ratio_pad=batch["ratio_pad"][si])
        tp = match_predictions(predn[:, 5], cls, box_iou(bbox, predn[:, :4]))
        stats.append((tp.cpu().numpy(), predn[:, 4].cpu().numpy(), predn[:, 5].cpu().numpy(), cls.cpu().numpy(),
                      np.unique(cls.cpu().numpy())))  # fmt: skip


def timed(fn, *args, repeat: int = 1):
    """(seconds per call, result)."""
    t = time.perf_counter()
    for _ in range(repeat):
        r = fn(*args)
    return (time.perf_counter() - t) / repeat, r


def run_validation(weights: str, yaml: Path, imgsz: int, batch: int) -> tuple[dict, list]:
    """Validate once with timers around NMS and metric update; returns (figures, captured (raw, batch) pairs)."""
    from ultralytics_clone.models.yolo.detect import DetectionValidator

    class Timed(DetectionValidator):
        def postprocess(self, preds):
            self.captured.append([preds[0] if isinstance(preds, (list, tuple)) else preds, None])
            t = time.perf_counter()
            out = super().postprocess(self.captured[-1][0].clone())
            self.t_nms += time.perf_counter() - t
            return out

        def update_metrics(self, preds, batch):
            self.captured[-1][1] = {k: batch[k] for k in ("img", "batch_idx", "cls", "bboxes", "ori_shape", "ratio_pad")}
            t = time.perf_counter()
            super().update_metrics(preds, batch)
            self.t_update += time.perf_counter() - t

    v = Timed(args={"model": weights, "data": str(yaml), "imgsz": imgsz, "batch": batch, "workers": 0, "plots": False,
                    "conf": 0.001, "iou": 0.7, "device": "cpu", "verbose": False, "rect": False,
                    "project": str(yaml.parent), "name": "val"})  # fmt: skip
    v.captured, v.t_nms, v.t_update = [], 0.0, 0.0
    t = time.perf_counter()
    stats = v()
    wall = time.perf_counter() - t
    n = v.seen
    n_pred = sum(len(s) for s in v.metrics.stats["conf"]) / max(n, 1)
    figures = {"images": n, "images/s": n / wall, "preprocess": v.speed["preprocess"], "inference": v.speed["inference"],
               "nms": v.t_nms / n * 1e3, "update": v.t_update / n * 1e3, "wall ms/img": wall / n * 1e3,
               "preds/img": n_pred, "mAP50-95": stats["metrics/mAP50-95(B)"]}  # fmt: skip
    return figures, v.captured


def contrast(captured: list) -> dict:
    """Replay the captured outputs through our NMS/update and the naive loops; ms per image each."""
    from ultralytics_clone.models.yolo.detect import DetectionValidator
    from ultralytics_clone.utils.nms import non_max_suppression

    v = DetectionValidator(args={"plots": False})
    v.device = torch.device("cpu")

    class _M:
        names = {0: "circle", 1: "square", 2: "triangle"}

    v.init_metrics(_M())
    n = sum(len(raw) for raw, _ in captured)
    t_ours = t_naive = u_ours = u_naive = 0.0
    stats: list = []
    for raw, batch in captured:
        dt, preds = timed(lambda r: non_max_suppression(r, 0.001, 0.7, multi_label=True, in_place=False), raw)
        t_ours += dt
        t_naive += timed(naive_nms, raw.clone())[0]
        u_ours += timed(v.update_metrics, preds, batch)[0]
        u_naive += timed(naive_update, preds, batch, stats)[0]
    return {"nms ours": t_ours / n * 1e3, "nms naive": t_naive / n * 1e3, "update ours": u_ours / n * 1e3,
            "update naive": u_naive / n * 1e3}  # fmt: skip


def stress_80(bs: int = 16, n_batches: int = 3) -> dict:
    """80 classes, 8,400 anchors, scores shaped like a trained head's (about 300 kept per image at conf 0.001)."""
    from ultralytics_clone.utils.nms import non_max_suppression

    g = torch.Generator().manual_seed(0)
    t_ours = t_naive = u_ours = u_naive = 0.0
    kept = 0
    from ultralytics_clone.models.yolo.detect import DetectionValidator

    v = DetectionValidator(args={"plots": False})
    v.device = torch.device("cpu")

    class _M:
        names = {i: str(i) for i in range(80)}

    v.init_metrics(_M())
    stats: list = []
    for _ in range(n_batches):
        x = torch.rand(bs, 84, 8400, generator=g)
        x[:, :2] *= 640
        x[:, 2:4] = x[:, 2:4] * 120 + 8
        x[:, 4:] = torch.sigmoid(torch.randn(bs, 80, 8400, generator=g) * 1.5 - 10)
        dt, preds = timed(lambda r: non_max_suppression(r, 0.001, 0.7, multi_label=True, in_place=False), x)
        t_ours += dt
        t_naive += timed(naive_nms, x.clone())[0]
        kept += sum(len(p) for p in preds)
        n_lb = 7 * bs  # about 7 labels per image
        lb_img = torch.randint(0, bs, (n_lb,), generator=g).sort().values
        batch = {"img": torch.zeros(bs, 3, 640, 640), "batch_idx": lb_img.float(),
                 "cls": torch.randint(0, 80, (n_lb, 1), generator=g).float(), "bboxes": torch.rand(n_lb, 4, generator=g) * 0.5 + 0.1,
                 "ori_shape": [(640, 640)] * bs, "ratio_pad": [((1.0, 1.0), (0, 0))] * bs}  # fmt: skip
        for p in preds:  # make some predictions land on labels
            p[:20, :4] = torch.cat((batch["bboxes"][:20, :2] * 640, (batch["bboxes"][:20, :2] + 0.1) * 640), 1)[: len(p[:20])]
        u_ours += timed(v.update_metrics, preds, batch)[0]
        u_naive += timed(naive_update, preds, batch, stats)[0]
    n = bs * n_batches
    return {"preds/img": kept / n, "nms ours": t_ours / n * 1e3, "nms naive": t_naive / n * 1e3,
            "update ours": u_ours / n * 1e3, "update naive": u_naive / n * 1e3}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", default=str(FIXTURE) if FIXTURE.exists() else "yolo11n.pt")
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    with tempfile.TemporaryDirectory() as tmp:
        yaml = make_data(Path(tmp), a.images)
        figures, captured = run_validation(a.weights, yaml, a.imgsz, a.batch)
        other = figures["wall ms/img"] - figures["inference"]  # loading, preprocess, NMS, matching, AP
        print(f"validation of {figures['images']} images at {a.imgsz}: {figures['images/s']:.1f} images/s, "
              f"{figures['preds/img']:.0f} predictions/image, mAP50-95 {figures['mAP50-95']:.3f}")
        print("ms/image   preprocess {preprocess:.2f}  inference {inference:.2f}  NMS {nms:.2f}  metric update "
              "{update:.3f}  (wall {wall ms/img:.1f})".format(**figures))
        print(f"share of validation time outside the forward pass: {other / figures['wall ms/img'] * 100:.1f}%")
        c = contrast(captured)
        print("replayed, ms/image:   NMS ours {nms ours:.2f} vs naive {nms naive:.2f};   metric update ours "
              "{update ours:.3f} vs naive {update naive:.3f}".format(**c))
    s = stress_80()
    print("80 classes, {preds/img:.0f} predictions/image, ms/image:   NMS ours {nms ours:.2f} vs naive "
          "{nms naive:.2f};   metric update ours {update ours:.3f} vs naive {update naive:.3f}".format(**s))


if __name__ == "__main__":
    main()
