"""ultralytics_clone: the Ultralytics YOLO interface, written clean-room, offline by default."""

__version__ = "0.1.0"
