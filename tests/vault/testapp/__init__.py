"""Test-only models with encrypted fields, installed by the test settings only."""
