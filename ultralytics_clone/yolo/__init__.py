"""Deprecated package path kept for code written against the first YOLOv8 releases (`ultralytics.yolo.v8...`)."""
