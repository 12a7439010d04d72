"""Engines: the Model facade (model.py), checkpoints (checkpoint.py), and the trainer, validator, predictor and
exporter added by later releases. Importing this package loads nothing; import the submodule you need.
"""
