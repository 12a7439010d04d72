"""Average precision: matching predictions to ground truth per IoU threshold, per-class AP, P/R/F1 curves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

IOU_THRESHOLDS = torch.linspace(0.5, 0.95, 10)  # COCO's mAP50-95 thresholds


def match_pairs(det, gt, iou, n_pred: int, n_true: int, iouv=IOU_THRESHOLDS):
    """Bool Array[n_pred, T]: prediction is a true positive at IoU threshold t, matched as COCO does.

    Candidate pairs (Array[E] each, numpy or torch): prediction index `det`, ground-truth index `gt` (same image and
    class) and their `iou`. Within an image, a lower prediction index ranks higher (predictions come best first).
    COCO's rule: in rank order, each prediction takes the highest-IoU ground truth above t not taken by a
    higher-ranked one (IoU ties go to the later ground truth). It is solved for all thresholds at once by iterating
    "take the best pair not claimed by a higher-ranked prediction's current pick" to its fixed point, which is that
    greedy result. The pairs are few, so this runs on the host (numpy); tensors in give a tensor on their device.
    """
    if isinstance(iou, torch.Tensor):
        out = match_pairs(*(x.cpu().numpy() for x in (det, gt, iou)), n_pred, n_true, iouv)
        return torch.from_numpy(out).to(iou.device)
    iouv = iouv.cpu().numpy() if isinstance(iouv, torch.Tensor) else np.asarray(iouv)
    correct = np.zeros((n_pred, len(iouv)), dtype=bool)
    if not len(iou):
        return correct
    order = np.lexsort((-gt, -iou, det))  # by prediction, then IoU descending, then later ground truth first
    det, g, iou = det[order], gt[order], iou[order]
    new_pred = np.ones(len(det), dtype=bool)
    new_pred[1:] = det[1:] != det[:-1]
    preds, d = det[new_pred], np.cumsum(new_pred) - 1  # compact ids of the predictions involved, rank kept
    n_d, n_t = len(preds), len(iouv)
    t, e = np.nonzero(iou[None] >= iouv[:, None].astype(iou.dtype))  # threshold-major, order kept inside
    d, g = d[e], g[e]
    key_d, key_g = t * n_d + d, t * n_true + g  # key_d never decreases along the pairs
    avail = np.ones(len(d), dtype=bool)
    while True:  # converges in at most (longest chain of contested picks) rounds
        idx = np.flatnonzero(avail)
        first = np.ones(len(idx), dtype=bool)
        first[1:] = key_d[idx[1:]] != key_d[idx[:-1]]
        chosen = idx[first]  # each (threshold, prediction): its best pair still available, in key_d order
        claimer = np.full(n_t * n_true, n_d)
        np.minimum.at(claimer, key_g[chosen], d[chosen])
        now = claimer[key_g] >= d  # not taken by a higher-ranked prediction
        if np.array_equal(now, avail):  # the same picks again: the fixed point
            break
        avail = now
    has = np.zeros(n_t * n_d, dtype=bool)
    has[key_d[chosen]] = True
    correct[preds] = has.reshape(n_t, n_d).T
    return correct


def match_predictions(pred_classes: torch.Tensor, true_classes: torch.Tensor, iou: torch.Tensor,
                      iouv: torch.Tensor = IOU_THRESHOLDS) -> torch.Tensor:  # fmt: skip
    """Bool Tensor[P, T]: prediction p is a true positive at IoU threshold t (COCO matching, see match_pairs).

    iou (Tensor[G, P]): IoU of every ground truth with every prediction of one image; predictions best first.
    """
    same = true_classes.view(-1, 1) == pred_classes.view(1, -1)
    g, d = ((iou >= iouv.min().to(iou.device)) & same).nonzero(as_tuple=True)
    return match_pairs(d, g, iou[g, d], iou.shape[1], iou.shape[0], iouv)


def smooth(y: np.ndarray, f: float = 0.05) -> np.ndarray:
    """Box-filter `y` over a window of about 2*f of its length (odd), edges padded with the end values."""
    nf = round(len(y) * f * 2) // 2 + 1
    pad = np.ones(nf // 2)
    padded = np.concatenate((pad * y[0], y, pad * y[-1]))
    return np.convolve(padded, np.ones(nf) / nf, mode="valid")


def compute_ap(recall: np.ndarray, precision: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(AP, envelope precision, recall) of one PR curve, as COCO computes it: precision made monotone (each point
    takes the best precision at any higher recall), read at the 101 recall levels 0, 0.01, ..., 1 at the first
    point reaching that recall (0 where recall never reaches it), averaged. Perfect predictions give 1.0.

    The envelope and recall returned are padded with (0, 1) and (1, 0) for plotting the PR curve.
    """
    recall, precision = np.asarray(recall, dtype=np.float64), np.asarray(precision, dtype=np.float64)
    env = np.flip(np.maximum.accumulate(np.flip(precision))) if len(precision) else precision
    idx = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
    ap = float(np.where(idx < len(env), env[np.minimum(idx, len(env) - 1)], 0.0).mean()) if len(env) else 0.0
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.flip(np.maximum.accumulate(np.flip(np.concatenate(([1.0], precision, [0.0])))))
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


__all__ = ["IOU_THRESHOLDS", "match_pairs", "match_predictions", "smooth", "compute_ap", "ap_per_class"]
