"""Case tests use the case fixtures of tests/plugins/cases.py (registered at the root)."""

from tests.plugins.cases import CASE_DB, person_input

__all__ = ["CASE_DB", "person_input"]
