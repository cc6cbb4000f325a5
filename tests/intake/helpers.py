"""Building intake state through the real services, as the portal does (the builders live
in tests/factories.py; these names stay for the tests that import them from here)."""

from tests.factories import REQUESTER, Written, new_digest, new_token, receive_request, write

__all__ = ["REQUESTER", "Written", "new_digest", "new_token", "receive_request", "write"]
