"""Track lifecycle shared by all trackers: states, a process-wide id counter, frame bookkeeping."""

from __future__ import annotations

from typing import Any

import numpy as np


class TrackState:
    """A track's state: New (unconfirmed), Tracked, Lost (kept for re-identification), Removed."""

    New = 0
    Tracked = 1
    Lost = 2
    Removed = 3


class BaseTrack:
    """Id, state and frame bookkeeping of one track; subclasses add the motion model."""

    _count = 0

    def __init__(self) -> None:
        self.track_id = 0
        self.is_activated = False
        self.state = TrackState.New
        self.score = 0.0
        self.start_frame = 0
        self.frame_id = 0

    @property
    def end_frame(self) -> int:
        """The last frame this track was updated on."""
        return self.frame_id

    @staticmethod
    def next_id() -> int:
        """A new id, unique until reset_id()."""
        BaseTrack._count += 1
        return BaseTrack._count

    @staticmethod
    def _next_ids(n: int) -> np.ndarray:
        """n new ids at once: what n calls of next_id() return."""
        ids = np.arange(BaseTrack._count + 1, BaseTrack._count + n + 1, dtype=np.int64)
        BaseTrack._count += n
        return ids

    def activate(self, *args: Any) -> None:
        """Start the track (motion-model subclasses define it)."""
        raise NotImplementedError(f"{type(self).__name__} must define activate()")

    def predict(self) -> None:
        """Advance the motion model one frame (motion-model subclasses define it)."""
        raise NotImplementedError(f"{type(self).__name__} must define predict()")

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Correct the track with a matched detection (motion-model subclasses define it)."""
        raise NotImplementedError(f"{type(self).__name__} must define update()")

    def mark_lost(self) -> None:
        self.state = TrackState.Lost

    def mark_removed(self) -> None:
        self.state = TrackState.Removed

    @staticmethod
    def reset_id() -> None:
        """Restart ids at 1."""
        BaseTrack._count = 0


__all__ = ["BaseTrack", "TrackState"]
