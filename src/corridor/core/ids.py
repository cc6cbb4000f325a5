"""Human-readable random references such as CR-7K3M-Q9TZ.

Crockford base32 (no I, L, O, U) so a reference read over a bad phone line
can be typed back; 40 random bits so references cannot be guessed or counted.
"""

import re
import secrets

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {c: c for c in CROCKFORD} | {"O": "0", "I": "1", "L": "1"}


def new_reference(prefix: str) -> str:
    """A fresh reference `PREFIX-XXXX-XXXX` with 40 random bits."""
    value = secrets.randbits(40)
    chars = "".join(CROCKFORD[(value >> shift) & 31] for shift in range(35, -1, -5))
    return f"{prefix}-{chars[:4]}-{chars[4:]}"


def normalise_reference(prefix: str, raw: str) -> str | None:
    """The canonical form of a typed reference, or None if it cannot be one.

    Accepts lower case, missing dashes and the look-alikes O/I/L.
    """
    compact = re.sub(r"[\s-]", "", raw.upper())
    if compact.startswith(prefix):
        compact = compact[len(prefix) :]
    if len(compact) != 8:
        return None
    try:
        chars = "".join(_DECODE[c] for c in compact)
    except KeyError:
        return None
    return f"{prefix}-{chars[:4]}-{chars[4:]}"
