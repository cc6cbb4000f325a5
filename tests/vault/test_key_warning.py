"""Staff pages carry a red warning while the demo key provider keeps the KEK on disk."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.accounts.helpers import log_in
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
WARNING = "Demo key on disk"


def test_every_staff_page_warns_while_the_key_is_on_disk(settings):
    """The login page and the dashboard both show the red warning, apart from the demo banner."""
    settings.CORRIDOR_DEMO_BANNER = False
    client = Client()
    login_page = client.get("/").content.decode()
    assert WARNING in login_page
    assert login_page.count('class="banner banner--demo"') == 1  # the demo banner is off
    log_in(client, StaffFactory())
    dashboard = client.get("/").content.decode()
    assert "Logged in as" in dashboard
    assert WARNING in dashboard


def test_the_portal_never_shows_it():
    """Requesters are not told about the organisation's key handling."""
    assert WARNING not in Client().get("/help/").content.decode()


@pytest.mark.parametrize(("provider", "mode"), [("keyd", "development"), ("file", "production")])
def test_no_warning_without_a_key_on_disk(settings, provider, mode):
    """keyd holds the KEK in its own process; production refuses the file provider outright."""
    settings.CORRIDOR_KEY_PROVIDER = provider
    settings.CORRIDOR_ENV = mode
    assert WARNING not in Client().get("/").content.decode()
