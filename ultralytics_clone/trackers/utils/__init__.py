"""Tracker building blocks: Kalman filters, association costs and assignment, camera-motion compensation."""
