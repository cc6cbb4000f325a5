"""An OpenPGP key pasted on an e-mail channel is checked with gpg before it is kept:
a paste that is not a key, a key that has expired and a key that can only
sign are each refused with a sentence that says what to fix, in English and Russian,
so that no channel is saved whose messages could never be encrypted."""

from __future__ import annotations

import pytest
from django.utils import translation

from corridor.accounts import notifications
from corridor.accounts.models import ChannelKind
from corridor.config.env import SmtpEnv
from corridor.core.exceptions import InvalidInput
from tests.accounts.receivers import Recipient, recipient  # noqa: F401

pytestmark = pytest.mark.process  # spawns gpg


@pytest.fixture
def smtp(settings):
    settings.CORRIDOR_SMTP = SmtpEnv(host="127.0.0.1", port=25, sender="c@example.org")
    return settings


def check(key: str, language: str = "en") -> str:
    with translation.override(language):
        try:
            notifications.clean_target(ChannelKind.EMAIL, address="me@example.org", openpgp_key=key)
        except InvalidInput as problem:
            return str(problem)
    return ""


def test_a_current_key_is_kept_and_pastes_that_cannot_encrypt_are_refused(
    smtp,
    recipient: Recipient,  # noqa: F811
):
    good = recipient.new_key("me@example.org")
    target = notifications.clean_target(
        ChannelKind.EMAIL, address="me@example.org", openpgp_key="\n" + good + "\n\n"
    )
    assert target == {"address": "me@example.org", "openpgp_key": good.strip() + "\n"}

    assert check("my key is on keys.openpgp.org").startswith("This is not an OpenPGP public key")
    assert check("my key is on keys.openpgp.org", "ru").startswith("Это не открытый ключ OpenPGP")
    broken = good.replace(good.splitlines()[3], "AAAA" * 16)
    assert check(broken).startswith("This is not an OpenPGP public key")

    expired = recipient.new_key("old@example.org", expire="1d", made_at="20200101T000000")
    assert check(expired).startswith("This key cannot be used for encryption")
    sign_only = recipient.new_key("sign@example.org", algo="ed25519", usage="sign")
    assert check(sign_only).startswith("This key cannot be used for encryption")
    assert check(sign_only, "ru").startswith("Этим ключом нельзя зашифровать")

    # Without a key the channel is the plain e-mail one, as before.
    assert notifications.clean_target(ChannelKind.EMAIL, address="me@example.org") == {
        "address": "me@example.org"
    }
