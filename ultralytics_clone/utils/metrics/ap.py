"""Average precision: matching predictions to ground truth per IoU threshold, per-class AP, P/R/F1 curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

IOU_THRESHOLDS = torch.linspace(0.5, 0.95, 10)  # COCO's mAP50-95 thresholds


def match_predictions(pred_classes: torch.Tensor, true_classes: torch.Tensor, iou: torch.Tensor,
                      iouv: torch.Tensor = IOU_THRESHOLDS) -> torch.Tensor:  # fmt: skip
    """Bool Tensor[P, T]: prediction p is a true positive at IoU threshold t.

    iou (Tensor[G, P]): IoU of every ground truth with every prediction; predictions ordered best first. Each
    prediction claims its highest-IoU ground truth of the same class above t; a ground truth claimed several times
    keeps only its highest-ranked prediction. All thresholds are matched at once.
    """
    n_pred, n_true = iou.shape[1], iou.shape[0]
    correct = torch.zeros((n_pred, len(iouv)), dtype=torch.bool, device=iou.device)
    if n_pred == 0 or n_true == 0:
        return correct
    iouv = iouv.to(iou.device)
    same = true_classes.view(-1, 1) == pred_classes.view(1, -1)  # (G, P)
    score = (iou * same).T  # (P, G)
    valid = score[None] >= iouv.view(-1, 1, 1)  # (T, P, G)
    best = torch.where(valid, score[None], torch.full_like(score[None], -1.0)).argmax(-1)  # (T, P)
    has = valid.any(-1)  # (T, P)
    pred_idx = torch.arange(n_pred, device=iou.device).expand_as(best)
    key = torch.where(has, best, torch.full_like(best, n_true))  # unmatched -> overflow slot
    first = torch.full((len(iouv), n_true + 1), n_pred, dtype=torch.long, device=iou.device)
    first.scatter_reduce_(1, key, pred_idx, reduce="amin")  # highest-ranked prediction per ground truth
    winner = first.gather(1, key) == pred_idx
    return (has & winner).T.contiguous()


def smooth(y: np.ndarray, f: float = 0.05) -> np.ndarray:
    """Box-filter `y` over a window of about 2*f of its length (odd), edges padded with the end values."""
    nf = round(len(y) * f * 2) // 2 + 1
    pad = np.ones(nf // 2)
    padded = np.concatenate((pad * y[0], y, pad * y[-1]))
    return np.convolve(padded, np.ones(nf) / nf, mode="valid")


def compute_ap(recall: np.ndarray, precision: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(AP, envelope precision, recall) of one PR curve: precision made monotone, integrated at 101 recall points."""
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.concatenate(([1.0], precision, [0.0]))
    mpre = np.flip(np.maximum.accumulate(np.flip(mpre)))
    x = np.linspace(0, 1, 101)
    ap = float(np.trapezoid(np.interp(x, mrec, mpre), x)) if hasattr(np, "trapezoid") else float(
        np.trapz(np.interp(x, mrec, mpre), x))  # fmt: skip
    return ap, mpre, mrec


def ap_per_class(tp: np.ndarray, conf: np.ndarray, pred_cls: np.ndarray, target_cls: np.ndarray, plot: bool = False,
                 on_plot=None, save_dir: Path = Path(), names: dict | None = None, eps: float = 1e-16,
                 prefix: str = "") -> tuple:  # fmt: skip
    """Per-class precision, recall, F1 and AP at every IoU threshold.

    tp (bool[P, T]), conf (P,), pred_cls (P,), target_cls (G,). Returns (tp, fp, p, r, f1, ap, unique_classes,
    p_curve, r_curve, f1_curve, x, prec_values): tp/fp/p/r/f1 at the confidence maximising mean F1, each (C,);
    ap (C, T); curves (C, 1000) over confidence x; prec_values (C, 1000) precision over recall at IoU 0.5.
    """
    tp = np.asarray(tp, dtype=bool).reshape(len(conf), -1)
    order = np.argsort(-np.asarray(conf), kind="stable")
    tp, conf, pred_cls = tp[order], np.asarray(conf)[order], np.asarray(pred_cls)[order]
    unique_classes, n_targets = np.unique(np.asarray(target_cls), return_counts=True)
    nc, nt = len(unique_classes), tp.shape[1]
    x, prec_values = np.linspace(0, 1, 1000), np.zeros((nc, 1000))
    ap, p_curve, r_curve = np.zeros((nc, nt)), np.zeros((nc, 1000)), np.zeros((nc, 1000))
    for ci, c in enumerate(unique_classes):  # one pass per class, vectorised inside
        mask = pred_cls == c
        if not mask.any() or n_targets[ci] == 0:
            continue
        tpc = tp[mask].cumsum(0)
        fpc = (1 - tp[mask]).cumsum(0)
        recall = tpc / (n_targets[ci] + eps)
        precision = tpc / (tpc + fpc)
        r_curve[ci] = np.interp(-x, -conf[mask], recall[:, 0], left=0)
        p_curve[ci] = np.interp(-x, -conf[mask], precision[:, 0], left=1)
        for j in range(nt):
            ap[ci, j], mpre, mrec = compute_ap(recall[:, j], precision[:, j])
            if j == 0:
                prec_values[ci] = np.interp(x, mrec, mpre)
    f1_curve = 2 * p_curve * r_curve / (p_curve + r_curve + eps)
    if plot:
        _plot_curves(x, prec_values, p_curve, r_curve, f1_curve, ap, unique_classes, names or {}, save_dir, prefix,
                     on_plot)  # fmt: skip
    i = int(smooth(f1_curve.mean(0), 0.1).argmax()) if nc else 0
    p, r, f1 = p_curve[:, i], r_curve[:, i], f1_curve[:, i]
    tp_out = (r * n_targets).round()
    fp_out = (tp_out / (p + eps) - tp_out).round()
    return tp_out, fp_out, p, r, f1, ap, unique_classes.astype(int), p_curve, r_curve, f1_curve, x, prec_values


def _plot_curves(x, prec_values, p_curve, r_curve, f1_curve, ap, classes, names, save_dir, prefix, on_plot) -> None:
    """PR, F1, P and R curves as PNGs in save_dir (matplotlib Agg; skipped with a warning when unavailable)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # optional at runtime: plots are a convenience
        from ultralytics_clone.utils import LOGGER

        LOGGER.warning("matplotlib is not installed; skipping metric curve plots.")
        return
    save_dir = Path(save_dir)
    save_dir.mkdir(parents=True, exist_ok=True)
    panels = ((f"{prefix}PR_curve.png", x, prec_values, "Recall", "Precision"),
              (f"{prefix}F1_curve.png", x, f1_curve, "Confidence", "F1"),
              (f"{prefix}P_curve.png", x, p_curve, "Confidence", "Precision"),
              (f"{prefix}R_curve.png", x, r_curve, "Confidence", "Recall"))  # fmt: skip
    for fname, xs, ys, xlabel, ylabel in panels:
        fig, ax = plt.subplots(1, 1, figsize=(6, 4.5), tight_layout=True)
        for k, c in enumerate(classes):
            ax.plot(xs, ys[k], linewidth=1, label=f"{names.get(int(c), c)}")
        if len(ys):
            ax.plot(xs, ys.mean(0), linewidth=3, color="blue", label="all classes")
        ax.set(xlabel=xlabel, ylabel=ylabel, xlim=(0, 1), ylim=(0, 1.01))
        if len(classes) < 21:
            ax.legend(loc="lower left", fontsize=7)
        fig.savefig(save_dir / fname, dpi=150)
        plt.close(fig)
        if on_plot:
            on_plot(save_dir / fname)


__all__ = ["IOU_THRESHOLDS", "match_predictions", "smooth", "compute_ap", "ap_per_class"]
