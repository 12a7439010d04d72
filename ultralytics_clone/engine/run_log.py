"""Training bookkeeping the trainer holds: RunLog (results.csv), EarlyStopping (patience), TimeBudget (`time=`)."""

from __future__ import annotations

import csv
import io
import math
import time
from pathlib import Path
from typing import Any

from ultralytics_clone.utils import LOGGER
from ultralytics_clone.utils.files import atomic_write


class RunLog:
    """Rows of results.csv (epoch, time, losses, metrics, lr/pg*, user extras), rewritten atomically each epoch."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.rows: list[dict[str, Any]] = []
        self.extras: dict[str, Any] = {}

    def load(self, upto_epoch: int | None = None) -> RunLog:
        """Read existing rows (e.g. when resuming), keeping epochs <= upto_epoch."""
        if self.path.is_file():
            with open(self.path, newline="", encoding="utf-8") as f:
                self.rows = [{k: _num(v) for k, v in r.items()} for r in csv.DictReader(f)]
            if upto_epoch is not None:
                self.rows = [r for r in self.rows if r.get("epoch", 0) <= upto_epoch]
        return self

    def log(self, metrics: dict[str, Any]) -> None:
        """Add user values to the next row (trainer.log)."""
        self.extras.update(metrics)

    def add(self, epoch: int, elapsed: float, values: dict[str, Any]) -> None:
        """Append the row of `epoch` (1-based) and rewrite the file with the union of all columns."""
        row = {"epoch": epoch, "time": round(elapsed, 3), **{k: _plain(v) for k, v in values.items()}, **self.extras}
        self.extras = {}
        self.rows.append(row)
        keys: list[str] = []
        for r in self.rows:
            keys += [k for k in r if k not in keys]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write(self.path, buf.getvalue())

    def read(self) -> dict[str, list]:
        """Columns as lists: {'epoch': [1, 2], 'train/box_loss': [...], ...}."""
        keys: list[str] = []
        for r in self.rows:
            keys += [k for k in r if k not in keys]
        return {k: [r.get(k) for r in self.rows] for k in keys}


def _plain(v: Any) -> Any:
    """Tensors/numpy scalars as rounded Python floats."""
    try:
        return round(float(v), 5)
    except (TypeError, ValueError):
        return v


def _num(v: str) -> Any:
    try:
        f = float(v)
        return int(f) if f.is_integer() and "." not in v else f
    except (TypeError, ValueError):
        return v


class EarlyStopping:
    """Stop when fitness has not improved for `patience` epochs (0 disables)."""

    def __init__(self, patience: int = 50) -> None:
        self.best_fitness = 0.0
        self.best_epoch = 0
        self.patience = patience or float("inf")
        self.possible_stop = False

    def __call__(self, epoch: int, fitness: float | None) -> bool:
        """True when training should stop after `epoch`."""
        if fitness is None:
            return False
        if fitness >= self.best_fitness:  # ties count as improvement, as in the reference library
            self.best_epoch, self.best_fitness = epoch, float(fitness)
        delta = epoch - self.best_epoch
        self.possible_stop = delta >= self.patience - 1
        stop = delta >= self.patience
        if stop:
            LOGGER.info(f"Stopping training early: no improvement in the last {self.patience} epochs "
                        f"(best epoch {self.best_epoch}). Set patience=0 to disable, or raise it.")  # fmt: skip
        return stop

    def state_dict(self) -> dict[str, Any]:
        return {"best_fitness": self.best_fitness, "best_epoch": self.best_epoch, "possible_stop": self.possible_stop}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best_fitness, self.best_epoch = state["best_fitness"], state["best_epoch"]
        self.possible_stop = state.get("possible_stop", False)


class TimeBudget:
    """`time=` hours: re-plans the epoch count from the mean epoch time and says when the budget is spent."""

    def __init__(self, hours: float | None) -> None:
        self.seconds = float(hours) * 3600 if hours else None
        self.start = time.time()

    @property
    def enabled(self) -> bool:
        return self.seconds is not None

    def exceeded(self) -> bool:
        return self.enabled and time.time() - self.start > self.seconds

    def plan_epochs(self, epochs_done: int) -> int:
        """Total epochs that fit the budget at the mean speed so far (at least epochs_done)."""
        mean = (time.time() - self.start) / max(epochs_done, 1)
        return max(math.ceil(self.seconds / max(mean, 1e-9)), epochs_done)


__all__ = ["RunLog", "EarlyStopping", "TimeBudget"]
