"""C7: every response carries the security headers, anonymous and logged in (a crawler)."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from corridor.accounts.roles import Role
from tests.accounts.helpers import log_in
from tests.factories import staff_with
from tests.security.headers import header_problems
from tests.url_policy import ROUTES


def named_patterns(resolver: URLResolver | None = None, namespace: str = "") -> list[str]:
    """Every pattern's qualified name, walking the resolver; unnamed ones appear as '?route'."""
    names: list[str] = []
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names.extend(named_patterns(entry, inner))
        elif isinstance(entry, URLPattern):
            names.append(f"{namespace}{entry.name}" if entry.name else f"?{entry.pattern}")
    return names


def test_every_url_pattern_has_a_decision():
    """A URL pattern added without an entry in tests/url_policy.py fails this test."""
    undecided = sorted(set(named_patterns()) - set(ROUTES))
    assert undecided == [], f"add these to tests/url_policy.py: {undecided}"


def test_no_decision_names_a_pattern_that_is_gone():
    """The policy table lists no route that no longer exists."""
    assert sorted(set(ROUTES) - set(named_patterns())) == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ROUTES))
@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_headers_on_every_route(client, name, who):
    """Each route answers with its decided status and the full header set."""
    route = ROUTES[name]
    if who == "staff":
        log_in(client, staff_with(Role.CASEWORKER))
    response = client.get(route.path)
    assert response.status_code == getattr(route, who)
    assert header_problems(response, portal=route.audience == "portal") == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "portal"), [("/no-such-page/", False), ("/help/no-such-page/", True)]
)
def test_error_pages_carry_the_headers_too(client, path, portal):
    """A 404 page, staff or portal, has the same headers as any other page."""
    response = client.get(path)
    assert response.status_code == 404
    assert header_problems(response, portal=portal) == []


@pytest.mark.django_db
def test_staff_pages_use_a_nonce_only_when_a_template_asks(client):
    """The staff CSP allows scripts from the site itself and never inline ones."""
    response = client.get("/")
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
