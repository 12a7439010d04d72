"""Multi-object trackers for track mode: ByteTrack and BoT-SORT, and the predictor hook that runs them."""

from ultralytics_clone.trackers.bot_sort import BOTSORT
from ultralytics_clone.trackers.byte_tracker import BYTETracker
from ultralytics_clone.trackers.track import register_tracker

__all__ = ["BOTSORT", "BYTETracker", "register_tracker"]

from ultralytics_clone.out_of_scope import module_getattr  # noqa: E402  (reference names left out: clear error)

__getattr__ = module_getattr(__name__)
