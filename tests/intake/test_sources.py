"""Network sources and their in-memory limits: what a source is, whom the client address
is taken from, that every worker counts in one table, and that the table names nobody."""

from __future__ import annotations

import multiprocessing

import pytest
from django.test import RequestFactory

from corridor.intake import sources
from corridor.intake.sources import Verdict, client_source, source_of, take_source_token


@pytest.mark.parametrize(
    ("address", "source"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("::ffff:203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:abcd:12:1::9", "2001:db8:abcd::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("not an address", "unknown"),
        ("", "unknown"),
    ],
)
def test_a_source_is_the_address_network(address, source):
    assert source_of(address) == source


def test_a_forwarded_address_is_believed_only_from_the_configured_proxy(settings):
    """X-Forwarded-For as a client sends it never changes the source; the proxy's own
    header counts only when configured and only on connections from the proxy."""
    factory = RequestFactory()
    spoofed = factory.get("/help/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert client_source(spoofed) == "198.51.100.0/24"
    settings.CORRIDOR_CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    proxied = factory.get("/help/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.4")
    assert client_source(proxied) == "198.51.100.0/24"
    direct = factory.get("/help/", REMOTE_ADDR="192.0.2.8", HTTP_X_REAL_IP="198.51.100.4")
    assert client_source(direct) == "192.0.2.0/24"


def test_a_source_is_refused_after_its_share_and_others_are_not(settings):
    settings.CORRIDOR_PORTAL_RATES = {
        **settings.CORRIDOR_PORTAL_RATES,
        "codename_source": (2, 60),
        "codename_global": (100, 60),
    }
    verdicts = [take_source_token("198.51.100.0/24", "codename", now=1000.0) for _ in range(3)]
    assert [v.verdict for v in verdicts] == [Verdict.TAKEN, Verdict.TAKEN, Verdict.REFUSED]
    assert verdicts[-1].retry_after == 30
    assert sources.flooded("198.51.100.0/24", now=1000.0)
    assert not sources.flooded("192.0.2.0/24", now=1000.0)
    assert take_source_token("192.0.2.0/24", "codename", now=1000.0).verdict is Verdict.TAKEN
    # The bucket fills again with time, and the flood mark ends.
    assert take_source_token("198.51.100.0/24", "codename", now=1061.0).verdict is Verdict.TAKEN
    assert not sources.flooded("198.51.100.0/24", now=1061.0)


def _take_in_child(count: int) -> None:
    for _ in range(count):
        take_source_token("198.51.100.0/24", "submit", now=5000.0)


@pytest.mark.process
def test_every_worker_counts_in_the_same_table(settings):
    """A forked worker's takes are seen by the others (gunicorn forks after prepare())."""
    settings.CORRIDOR_PORTAL_RATES = {
        **settings.CORRIDOR_PORTAL_RATES,
        "submit_source": (3, 3600),
        "submit_global": (100, 3600),
    }
    sources.prepare()
    child = multiprocessing.get_context("fork").Process(target=_take_in_child, args=(3,))
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 0
    refused = take_source_token("198.51.100.0/24", "submit", now=5000.0)
    assert refused.verdict is Verdict.REFUSED


def test_the_table_holds_no_address():
    """A copy of the shared memory names neither an address nor a network."""
    take_source_token(source_of("198.51.100.44"), "message")
    table = sources._table
    assert table is not None
    memory = bytes(table.slots) + bytes(table.shared)
    for needle in (b"198.51.100", b"198.51.100.0/24", bytes([198, 51, 100])):
        assert needle not in memory
