"""Settings per mode: base (shared), development, demo, production, test."""
