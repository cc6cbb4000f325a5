"""Reads for reports, each a GROUP BY over plain columns: never a sealed field, never a key."""
