"""RealNVP normalising flow over 2-D keypoint residuals (the density model behind YOLO26 pose's RLE loss)."""

from __future__ import annotations

import torch
from torch import nn


def _mlp(tanh: bool) -> nn.Sequential:
    layers = [nn.Linear(2, 64), nn.LeakyReLU(), nn.Linear(64, 64), nn.LeakyReLU(), nn.Linear(64, 2)]
    return nn.Sequential(*layers, nn.Tanh()) if tanh else nn.Sequential(*layers)


class RealNVP(nn.Module):
    """Six affine coupling layers with alternating masks and a standard 2-D Gaussian prior (loc, cov buffers)."""

    def __init__(self, n_layers: int = 6):
        super().__init__()
        self.register_buffer("loc", torch.zeros(2))
        self.register_buffer("cov", torch.eye(2))
        self.register_buffer("mask", torch.tensor([[0.0, 1.0], [1.0, 0.0]] * (n_layers // 2)))
        self.s = nn.ModuleList(_mlp(tanh=True) for _ in range(n_layers))
        self.t = nn.ModuleList(_mlp(tanh=False) for _ in range(n_layers))

    def backward_p(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (Tensor[N, 2]) -> latent z (Tensor[N, 2]) and log|det J| (Tensor[N])."""
        log_det, z = x.new_zeros(x.shape[0]), x
        for i in reversed(range(len(self.t))):
            keep = self.mask[i]
            z_ = keep * z
            s = self.s[i](z_) * (1 - keep)
            t = self.t[i](z_) * (1 - keep)
            z = (1 - keep) * (z - t) * torch.exp(-s) + z_
            log_det = log_det - s.sum(dim=1)
        return z, log_det

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Log-density of Tensor[N, 2] under the flow."""
        z, log_det = self.backward_p(x)
        prior = torch.distributions.MultivariateNormal(self.loc, self.cov)
        return prior.log_prob(z) + log_det


__all__ = ["RealNVP"]
