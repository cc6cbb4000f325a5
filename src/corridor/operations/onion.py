"""The tor configuration of the portal's onion service, with its flood defences on.

    print(onion_config(portal_port=8001))                  # the portal alone
    print(onion_config(portal_port=8001, staff_port=8000)) # and the staff site's service

Over Tor every client arrives from the local tor daemon, so the portal's per-network
limits cannot tell one client from another there (intake/sources.py pools loopback).
The onion service defends itself instead, before a request reaches Corridor:

- proof of work (tor 0.4.8 and later): when introductions queue up, clients must solve
  a puzzle whose effort rises with the queue, so a flood costs the flooder CPU while a
  person's Tor Browser solves it in seconds; the queue is served at a rate the portal
  can take;
- the introduction points' rate limit, and a cap on streams per circuit (a circuit
  that opens more is closed).

The staff site is a different onion service with client authorisation: only devices
whose public key is in its `authorized_clients/` can even reach it, so it needs no
proof of work and is never shown to requesters.
"""

from __future__ import annotations

PORTAL_DIR = "/var/lib/tor/corridor-portal/"
STAFF_DIR = "/var/lib/tor/corridor-staff/"
# Introductions served per second, and how many may wait, while proof of work is active:
# a sign-in or a submission costs the portal one Argon2id run (decision 0011), so about
# as many per second as two cores can derive, with room for the pages around them.
POW_QUEUE_RATE = 40
POW_QUEUE_BURST = 400
# Introduction requests per second (and burst) each introduction point lets through.
INTRO_RATE = 25
INTRO_BURST = 200
# Streams (HTTP connections) per rendezvous circuit; one browser needs a handful.
MAX_STREAMS = 20


def onion_config(
    *,
    portal_port: int,
    portal_dir: str = PORTAL_DIR,
    staff_port: int | None = None,
    staff_dir: str = STAFF_DIR,
) -> str:
    """torrc lines for the portal's onion service (and the staff site's, if given)."""
    lines = [
        "# Corridor: the requester portal's onion service (corridor onion-config).",
        "# Proof of work and the introduction limits answer a flood before it reaches",
        "# Corridor; every client arrives from this tor daemon, so Corridor's per-network",
        "# limits cannot. Needs tor 0.4.8 or later (proof of work).",
        f"HiddenServiceDir {portal_dir}",
        f"HiddenServicePort 80 127.0.0.1:{portal_port}",
        "HiddenServicePoWDefensesEnabled 1",
        f"HiddenServicePoWQueueRate {POW_QUEUE_RATE}",
        f"HiddenServicePoWQueueBurst {POW_QUEUE_BURST}",
        "HiddenServiceEnableIntroDoSDefense 1",
        f"HiddenServiceEnableIntroDoSRatePerSec {INTRO_RATE}",
        f"HiddenServiceEnableIntroDoSBurstPerSec {INTRO_BURST}",
        f"HiddenServiceMaxStreams {MAX_STREAMS}",
        "HiddenServiceMaxStreamsCloseCircuit 1",
    ]
    if staff_port is not None:
        lines += [
            "",
            "# Corridor: the staff site, a separate onion service. Client authorisation:",
            f"# only devices with a <name>.auth file in {staff_dir}authorized_clients/",
            "# can reach it (docs/operators.md). Never give this address to requesters.",
            f"HiddenServiceDir {staff_dir}",
            f"HiddenServicePort 80 127.0.0.1:{staff_port}",
            f"HiddenServiceMaxStreams {MAX_STREAMS}",
            "HiddenServiceMaxStreamsCloseCircuit 1",
        ]
    return "\n".join(lines) + "\n"
