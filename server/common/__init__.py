"""Shared helpers of every layer: errors, paths and the trust boundary, files, locks, JSON, progress, settings, logging."""
