"""Corridor: confidential case management for getting people out of danger."""

__version__ = "0.1.0"
