"""What the documentation refuses is refused on every portal form: bytes that are not
UTF-8, control characters and overlong text each bring the form back with a sentence and
the text kept (a codename is never echoed), and nothing is stored or derived."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from corridor.intake.models import Message, Request, RequesterSession, Stage
from corridor.portal import forms as portal_forms
from corridor.vault import requester as vault_requester
from tests.portal_helpers import Requester, ru, token_of

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def derivations(monkeypatch, fast_kdf):
    calls: list[bytes] = []
    real = vault_requester.hash_secret_raw

    def counting(**kwargs):
        calls.append(kwargs["salt"])
        return real(**kwargs)

    monkeypatch.setattr(vault_requester, "hash_secret_raw", counting)
    return calls


def raw_post(person: Requester, page: str, body: bytes):
    """A POST whose body is sent byte for byte, as a hostile or broken client might."""
    token = token_of(person.get(page).content.decode())
    prefix = f"form_token={quote(token)}&".encode()
    return person.client.generic("POST", person.root + page, prefix + body, content_type=FORM)


@pytest.mark.parametrize(
    "typed",
    [b"codename=%D0%BE%D0%B1%D0%BB%D0%B0%D0%BA%D0%BE%FF%FE+1234", b"codename=abc%07def+1234"],
    ids=["invalid-utf-8", "control-character"],
)
def test_an_unreadable_codename_is_refused_with_a_sentence_before_any_derivation(
    person, derivations, typed
):
    response = raw_post(person, "enter/", typed)
    assert response.status_code == 400
    body = response.content.decode()
    assert ru(portal_forms.CODENAME_UNREADABLE) in body
    assert "abc" not in body  # a codename is never echoed
    assert derivations == []


def test_raw_invalid_utf8_in_a_request_is_refused_and_the_rest_kept(person):
    body = b"story=" + quote("Меня ищут").encode() + b"+%FF%FE+" + quote("дома").encode()
    response = raw_post(person, "", body)
    assert response.status_code == 400
    page = response.content.decode()
    assert ru(portal_forms.UNREADABLE_REMOVED) in page
    assert "Меня ищут  дома" in page
    assert "\ufffd" not in page
    assert not Request.objects.exists()


def test_a_kept_message_that_cannot_be_sent_comes_back_before_the_sign_in(
    person, fast_kdf, settings
):
    """Before, an overlong or unreadable message kept on the sign-in page was dropped
    silently after signing in; now the page comes back with it and a sentence."""
    codename = person.write_and_get_codename()
    settings.CORRIDOR_PORTAL_MESSAGE_LIMIT = 20
    returning = Requester()
    long_text = "Очень длинное сообщение для команды"
    response = returning.post("enter/", {"codename": codename, "message": long_text})
    assert response.status_code == 400
    page = response.content.decode()
    assert long_text in page
    assert "20" in page
    response = returning.post("enter/", {"codename": codename, "message": "Привет\x07 всем"})
    assert response.status_code == 400
    page = response.content.decode()
    assert ru(portal_forms.UNREADABLE_REMOVED) in page
    assert "Привет всем" in page
    assert not RequesterSession.objects.filter(stage=Stage.SIGNED_IN).exists()
    assert not Message.objects.exists()
    # Corrected, it is sent with the sign-in.
    response = returning.post("enter/", {"codename": codename, "message": "Привет всем"})
    assert response.status_code == 303
    assert Message.objects.count() == 1
