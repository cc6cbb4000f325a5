from tests.keys import vault_keys  # noqa: F401
from tests.portal_helpers import fast_kdf  # noqa: F401
