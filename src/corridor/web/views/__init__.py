"""Staff pages, one module per area: login, own account, staff administration, approvals."""
