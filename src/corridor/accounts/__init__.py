"""Staff accounts: roles, authentication factors, sessions, throttling and approvals."""
