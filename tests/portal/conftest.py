import pytest

from tests.keys import vault_keys  # noqa: F401
from tests.portal_helpers import Requester, fast_kdf  # noqa: F401


@pytest.fixture
def person(vault_keys, fast_kdf) -> Requester:  # noqa: F811
    """Someone using the portal, with the vault's keys ready and cheap derivations."""
    return Requester()
