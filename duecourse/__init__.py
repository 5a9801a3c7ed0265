"""Duecourse: the shell (CLI, settings, wiring of adapters)."""

__version__ = "0.1.0"
