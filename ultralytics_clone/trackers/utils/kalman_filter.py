"""Constant-velocity Kalman filters for boxes: state (x, y, a, h) or (x, y, w, h) plus their velocities.

Every method takes one track (mean (8,), covariance (8, 8)) or a batch (mean (N, 8), covariance (N, 8, 8)) and
returns the same layout, so trackers can update all matched tracks in one call. Noise scales with the box size.
"""

from __future__ import annotations

import numpy as np

# Squared Mahalanobis distance below which a measurement is plausible, chi-square 95% quantile by degrees of freedom.
chi2inv95 = {1: 3.8415, 2: 5.9915, 3: 7.8147, 4: 9.4877, 5: 11.070, 6: 12.592, 7: 14.067, 8: 15.507, 9: 16.919}


def _batched(mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """(mean (N, 8), covariance (N, 8, 8), whether the input was a single track)."""
    mean = np.asarray(mean, dtype=np.float64)
    single = mean.ndim == 1
    return np.atleast_2d(mean), np.asarray(covariance, dtype=np.float64).reshape(-1, 8, 8), single


def _diag(std: np.ndarray) -> np.ndarray:
    """(N, D) standard deviations -> (N, D, D) diagonal covariances."""
    n, d = std.shape
    out = np.zeros((n, d, d))
    out.reshape(n, d * d)[:, :: d + 1] = std**2  # the diagonal, as a strided view
    return out


def _add_diag(a: np.ndarray, values: np.ndarray) -> None:
    """a[:, i, i] += values[:, i] for (N, D, D) a, in place."""
    n, d = values.shape
    if a.flags.c_contiguous:
        a.reshape(n, d * d)[:, :: d + 1] += values  # the diagonals, as a strided view
    else:
        i = np.arange(d)
        a[:, i, i] += values


def _solve_spd(s: np.ndarray, b: np.ndarray) -> np.ndarray:
    """S^-1 B for innovation covariances S (N, 4, 4) and B (N, 4, K). Position (x, y) and size never mix in these
    filters (camera motion rotates x with y and the size pair together), so S is block-diagonal and closed-form 2x2
    inverses do, far cheaper than LAPACK's per-matrix calls; anything else goes to np.linalg.solve."""
    if s[:, :2, 2:].any() or s[:, 2:, :2].any():
        return np.linalg.solve(s, b)
    n = len(s)
    flat = s.reshape(n, 16)
    a, c, d = flat[:, 0:11:10], flat[:, 1:12:10], flat[:, 5:16:10]  # (N, 2 blocks): each block is [[a, c], [c, d]]
    inv = np.empty((n, 2, 4))
    inv[..., 0], inv[..., 1], inv[..., 3] = d, -c, a
    inv[..., 2] = inv[..., 1]
    inv /= (a * d - c * c)[..., None]
    inv = inv.reshape(n, 2, 2, 2)
    return (inv @ b.reshape(n, 2, 2, -1)).reshape(b.shape)


class KalmanFilterXYAH:
    """Box state (centre x, centre y, aspect w/h, height, and the four velocities); the aspect is nearly constant."""

    ndim = 4

    def __init__(self) -> None:
        self._motion_mat = np.eye(8)
        self._motion_mat[:4, 4:] = np.eye(4)  # x += vx, one frame at a time
        self._update_mat = np.eye(4, 8)
        self._std_weight_position = 1.0 / 20
        self._std_weight_velocity = 1.0 / 160

        self._noise = self._noise_model()

    def _noise_model(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Standard deviations as std = state[:, 2:4] @ W + c for 'init' (8), 'motion' (8) and 'measure' (4):
        position noise scales with the height (and the aspect ratio gets a small constant)."""
        p, v = self._std_weight_position, self._std_weight_velocity
        rows = {"init": [2 * p, 2 * p, 0, 2 * p, 10 * v, 10 * v, 0, 10 * v], "motion": [p, p, 0, p, v, v, 0, v],
                "measure": [p, p, 0, p]}  # fmt: skip
        const = {"init": [0, 0, 1e-2, 0, 0, 0, 1e-5, 0], "motion": [0, 0, 1e-2, 0, 0, 0, 1e-5, 0], "measure": [0, 0, 1e-1, 0]}
        return {k: (np.array([np.zeros(len(r)), r]), np.array(const[k], dtype=np.float64)) for k, r in rows.items()}

    def _std(self, kind: str, m: np.ndarray) -> np.ndarray:
        """(N, D) standard deviations of `kind` noise for states / measurements m (N, >=4)."""
        w, c = self._noise[kind]
        return m[:, 2:4] @ w + c

    def initiate(self, measurement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A new track from one measurement (4,) or a batch (N, 4): zero velocity, size-scaled uncertainty."""
        z = np.asarray(measurement, dtype=np.float64)
        single = z.ndim == 1
        z = np.atleast_2d(z)
        mean = np.concatenate([z, np.zeros_like(z)], 1)
        cov = _diag(self._std("init", z))
        return (mean[0], cov[0]) if single else (mean, cov)

    def predict(self, mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One step of constant-velocity motion."""
        m, p, single = _batched(mean, covariance)
        var = self._std("motion", m) ** 2
        m = m @ self._motion_mat.T
        p = self._motion_mat @ p @ self._motion_mat.T
        _add_diag(p, var)
        return (m[0], p[0]) if single else (m, p)

    def multi_predict(self, mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """predict() for (N, 8) means and (N, 8, 8) covariances."""
        return self.predict(np.atleast_2d(mean), covariance)

    def project(self, mean: np.ndarray, covariance: np.ndarray, confidence: float | np.ndarray | None = None):
        """The state in measurement space: (mean (.., 4), covariance (.., 4, 4)); confidence shrinks the noise."""
        m, p, single = _batched(mean, covariance)
        pm, pc = self._project(m, p, confidence)
        return (pm[0], pc[0]) if single else (pm, pc)

    def _project(self, m: np.ndarray, p: np.ndarray, confidence: float | np.ndarray | None) -> tuple:
        """project() for batches (N, 8), (N, 8, 8)."""
        std = self._std("measure", m)
        if confidence is not None:
            std = std * (1 - np.asarray(confidence, dtype=np.float64).reshape(-1, 1))
        s = p[:, :4, :4].copy()
        _add_diag(s, std**2)
        return m[:, :4], s

    def update(self, mean: np.ndarray, covariance: np.ndarray, measurement: np.ndarray,
               confidence: float | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Correct the state with a measurement (4,) (or a batch (N, 4), one per track)."""
        m, p, single = _batched(mean, covariance)
        z = np.atleast_2d(np.asarray(measurement, dtype=np.float64))
        pm, s = self._project(m, p, confidence)
        # Kalman gain K = P H^T S^-1; with H selecting the first four states, H P = P[:, :4, :].
        hp = p[:, :4, :]
        gain = _solve_spd(s, hp).transpose(0, 2, 1)  # (N, 8, 4)
        m = m + (gain @ (z - pm)[..., None])[..., 0]
        p = p - gain @ hp  # K S K^T = K H P
        return (m[0], p[0]) if single else (m, p)

    def gating_distance(self, mean: np.ndarray, covariance: np.ndarray, measurements: np.ndarray,
                        only_position: bool = False, metric: str = "maha") -> np.ndarray:  # fmt: skip
        """Squared distance (M,) from one track to M measurements: 'maha' (Mahalanobis) or 'gaussian' (Euclidean)."""
        pm, pc = self.project(mean, covariance)
        z = np.atleast_2d(np.asarray(measurements, dtype=np.float64))
        if only_position:
            pm, pc, z = pm[:2], pc[:2, :2], z[:, :2]
        d = z - pm
        if metric == "gaussian":
            return np.sum(d * d, axis=1)
        if metric == "maha":
            chol = np.linalg.cholesky(pc)
            w = np.linalg.solve(chol, d.T)
            return np.sum(w * w, axis=0)
        raise ValueError(f"gating_distance metric='{metric}' is not valid; accepted: 'maha', 'gaussian'.")


class KalmanFilterXYWH(KalmanFilterXYAH):
    """Box state (centre x, centre y, width, height, and velocities); noise scales with width and height separately."""

    def _noise_model(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """std = state[:, 2:4] @ W + c: x and w noise scale with the width, y and h noise with the height."""
        p, v = self._std_weight_position, self._std_weight_velocity
        out = {}
        for kind, (pos, vel) in {"init": (2 * p, 10 * v), "motion": (p, v), "measure": (p, None)}.items():
            per_axis = [pos, pos] if vel is None else [pos, pos, vel, vel]
            w = np.zeros((2, len(per_axis) * 2))
            w[0, 0::2], w[1, 1::2] = per_axis, per_axis  # x, y, w, h, vx, vy, vw, vh alternate width / height
            out[kind] = (w, np.zeros(w.shape[1]))
        return out


__all__ = ["KalmanFilterXYAH", "KalmanFilterXYWH", "chi2inv95"]
