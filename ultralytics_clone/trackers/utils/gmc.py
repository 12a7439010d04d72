"""Global motion compensation: the camera's frame-to-frame motion as a 2x3 affine matrix, estimated on background.

Methods: 'sparseOptFlow' (corners followed by pyramidal Lucas-Kanade flow), 'orb' / 'sift' (feature matching),
'ecc' (intensity alignment) and 'none'. Detected boxes are masked out so moving objects do not bias the estimate.
"""

from __future__ import annotations

import cv2
import numpy as np

METHODS = ("sparseOptFlow", "orb", "sift", "ecc", "none")
# Sparse flow follows at most this many corners, at least this far apart (pixels of the downscaled frame): a few
# hundred spread-out corners pin down a 4-parameter camera motion as well as 1,000 clustered ones, at a fraction of
# the optical-flow cost.
MAX_CORNERS, MIN_DISTANCE = 200, 8


class GMC:
    """`apply(frame, boxes)` -> 2x3 warp mapping the previous frame's coordinates onto this frame's."""

    def __init__(self, method: str | None = "sparseOptFlow", downscale: int = 2) -> None:
        method = "none" if method in (None, "None") else str(method)
        lowered = {m.lower(): m for m in METHODS}
        if method.lower() not in lowered:
            raise ValueError(f"gmc_method='{method}' is not valid; accepted: {', '.join(METHODS)}.")
        self.method = lowered[method.lower()]
        self.downscale = max(1, int(downscale))
        if self.method == "orb":
            self.detector, self.matcher = cv2.ORB_create(), cv2.BFMatcher(cv2.NORM_HAMMING)
        elif self.method == "sift":
            self.detector, self.matcher = cv2.SIFT_create(), cv2.BFMatcher(cv2.NORM_L2)
        self.reset_params()

    def reset_params(self) -> None:
        """Forget the previous frame (the next apply() returns the identity)."""
        self.prev_frame: np.ndarray | None = None
        self.prev_mask: np.ndarray | None = None

    def apply(self, raw_frame: np.ndarray, detections: np.ndarray | None = None) -> np.ndarray:
        """The warp (2, 3) from the previous frame to `raw_frame` (BGR or gray); `detections` are xyxy boxes to ignore."""
        eye = np.eye(2, 3)
        if self.method == "none":
            return eye
        frame, mask = self._prepare(raw_frame, detections)
        prev, prev_mask = self.prev_frame, self.prev_mask
        self.prev_frame, self.prev_mask = frame, mask
        if prev is None or prev.shape != frame.shape:
            return eye
        if self.method == "sparseOptFlow":
            warp = self._sparse_flow(prev, prev_mask, frame)
        elif self.method == "ecc":
            warp = self._ecc(prev, frame)
        else:
            warp = self._features(prev, prev_mask, frame, mask)
        if warp is None:
            return eye
        warp = warp.astype(np.float64)
        warp[:, 2] *= self.downscale
        return warp

    def _prepare(self, raw_frame: np.ndarray, detections: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Gray, downscaled frame and a mask of its background (detections and a thin border excluded)."""
        frame = cv2.cvtColor(raw_frame, cv2.COLOR_BGR2GRAY) if raw_frame.ndim == 3 else raw_frame
        h, w = frame.shape[:2]
        if self.downscale > 1:
            frame = cv2.resize(frame, (w // self.downscale, h // self.downscale), interpolation=cv2.INTER_AREA)
        h, w = frame.shape[:2]
        mask = np.zeros((h, w), np.uint8)
        mask[int(0.02 * h) : int(0.98 * h), int(0.02 * w) : int(0.98 * w)] = 255
        if detections is not None and len(detections):
            mask[_covered(np.asarray(detections, dtype=np.float64)[:, :4] / self.downscale, h, w)] = 0
        return frame, mask

    @staticmethod
    def _sparse_flow(prev: np.ndarray, prev_mask: np.ndarray, frame: np.ndarray) -> np.ndarray | None:
        pts = cv2.goodFeaturesToTrack(prev, maxCorners=MAX_CORNERS, qualityLevel=0.01, minDistance=MIN_DISTANCE,
                                      blockSize=3, mask=prev_mask)  # fmt: skip
        if pts is None or len(pts) < 5:
            return None
        nxt, status, _ = cv2.calcOpticalFlowPyrLK(prev, frame, pts, None)
        ok = status.reshape(-1).astype(bool)
        if ok.sum() < 5:
            return None
        warp, _ = cv2.estimateAffinePartial2D(pts[ok], nxt[ok], method=cv2.RANSAC)
        return warp

    def _features(self, prev: np.ndarray, prev_mask: np.ndarray, frame: np.ndarray, mask: np.ndarray):
        kp1, d1 = self.detector.detectAndCompute(prev, prev_mask)
        kp2, d2 = self.detector.detectAndCompute(frame, mask)
        if d1 is None or d2 is None or len(kp1) < 5 or len(kp2) < 5:
            return None
        pairs = [m for m in self.matcher.knnMatch(d1, d2, k=2) if len(m) == 2 and m[0].distance < 0.75 * m[1].distance]
        if len(pairs) < 5:
            return None
        src = np.float32([kp1[m[0].queryIdx].pt for m in pairs])
        dst = np.float32([kp2[m[0].trainIdx].pt for m in pairs])
        warp, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC)
        return warp

    @staticmethod
    def _ecc(prev: np.ndarray, frame: np.ndarray) -> np.ndarray | None:
        warp = np.eye(2, 3, dtype=np.float32)
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-5)
        try:
            _, warp = cv2.findTransformECC(prev, frame, warp, cv2.MOTION_EUCLIDEAN, criteria, None, 1)
        except cv2.error:
            return None
        return warp


def _covered(boxes: np.ndarray, h: int, w: int) -> np.ndarray:
    """(h, w) bool: pixels inside any of the xyxy boxes (N, 4), without a loop over boxes: +1 / -1 at each box's
    corners of a difference image, summed along both axes, counts the boxes covering every pixel."""
    x1, x2 = np.clip(boxes[:, 0].astype(int), 0, w), np.clip(boxes[:, 2].astype(int), 0, w)
    y1, y2 = np.clip(boxes[:, 1].astype(int), 0, h), np.clip(boxes[:, 3].astype(int), 0, h)
    real = (x2 > x1) & (y2 > y1)
    x1, x2, y1, y2 = x1[real], x2[real], y1[real], y2[real]
    diff = np.zeros((h + 1, w + 1), np.int32)
    for ys, xs, sign in ((y1, x1, 1), (y1, x2, -1), (y2, x1, -1), (y2, x2, 1)):
        np.add.at(diff, (ys, xs), sign)
    return diff.cumsum(0).cumsum(1)[:h, :w] > 0


__all__ = ["GMC"]
