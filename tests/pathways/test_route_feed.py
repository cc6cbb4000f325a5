"""One catalog for many organisations: a signed feed, exported by the publisher and imported
by another organisation after a second coordinator agrees."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.accounts import approvals
from corridor.accounts.models import Approval, ApprovalKind, ApprovalStatus
from corridor.accounts.roles import Role
from corridor.audit.models import AuditEntry
from corridor.core.actors import SystemActor
from corridor.pathways import routes, selectors, services
from corridor.pathways.catalog_files import read_catalog, read_meta
from corridor.pathways.feed import FeedRefused, meta_changes, read_feed, write_feed
from corridor.pathways.models import RouteNote
from corridor.pathways.schema import CatalogMeta, entry_content, parse_entry
from corridor.vault.domains import FEED_PREFIX
from corridor.vault.publisher import PublisherKey, sign_feed
from corridor.vault.signing import fingerprint
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
LOADER = SystemActor(name="cli:tester")
ROUTE = "ca-gar"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("pathways", *args, stdout=out)
    return out.getvalue()


def refused(*args: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        run(*args)
    return caught.value


@pytest.fixture
def coordinators(db):
    return StaffFactory(roles=[Role.COORDINATOR]), StaffFactory(roles=[Role.COORDINATOR])


@pytest.fixture
def published(db, tmp_path) -> tuple[Path, Path]:
    """The publisher's catalog (the packaged files) as a signed feed, and its public key;
    then this organisation's own older catalog, where ca-gar is still shown closed."""
    files = [item.entry for item in read_catalog()]
    services.load_catalog(actor=LOADER, entries=files)
    key = tmp_path / "publisher.key"
    run("publisher-key", "--new", str(key))
    feed = tmp_path / "routes.feed"
    run("export", "--sign", "--key", str(key), "--out", str(feed))
    older = [
        parse_entry({**entry_content(e), "status": "suspended"}) if e.id == ROUTE else e
        for e in files
    ]
    services.load_catalog(actor=LOADER, entries=older)
    return feed, key.with_name("publisher.key.pub")


def status_of(route_id: str) -> str:
    entry = next(e for e in selectors.list_current_entries() if e.id == route_id)
    return entry.status.value  # type: ignore[union-attr]


def test_a_signed_feed_round_trips_after_a_second_coordinator_approves(published, coordinators):
    feed, public = published
    asker, second = coordinators
    assert status_of(ROUTE) == "suspended"
    routes.pause_route(actor=asker, route_id="ca-trp", reason="Embassy stopped appointments")
    routes.add_route_note(actor=asker, route_id="ca-trp", text="Visa centre needs two visits")

    shown = run("import", str(feed), "--publisher", str(public), "--as", asker.username)
    # What would change, with the status change and the source it comes from.
    assert f"{ROUTE}: status suspended → open" in shown
    assert "(https://" in shown.split(f"{ROUTE}: status suspended → open")[1].splitlines()[0]
    approval = Approval.objects.get(kind=ApprovalKind.IMPORT_ROUTE_FEED)
    # Asking changes nothing: the catalog still says closed until someone else agrees.
    assert status_of(ROUTE) == "suspended"
    assert (
        refused(
            "import", str(feed), "--publisher", str(public), "--approval", str(approval.pk)
        ).returncode
        == 1
    )
    assert status_of(ROUTE) == "suspended"

    approvals.grant_approval(actor=second, approval_id=str(approval.pk))
    done = run("import", str(feed), "--publisher", str(public), "--approval", str(approval.pk))
    assert "Applied the feed: 1 new versions" in done
    assert status_of(ROUTE) == "open"
    # The organisation's own pause and note survive the import.
    assert "ca-trp" in selectors.paused_routes()
    assert RouteNote.objects.filter(route_id="ca-trp").count() == 1
    assert AuditEntry.objects.filter(event_type="pathways.route_feed_imported").count() == 1
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.EXECUTED


def test_the_requester_cannot_approve_their_own_import(published, coordinators):
    feed, public = published
    asker, _second = coordinators
    run("import", str(feed), "--publisher", str(public), "--as", asker.username)
    approval = Approval.objects.get(kind=ApprovalKind.IMPORT_ROUTE_FEED)
    with pytest.raises(Exception, match="another person must"):
        approvals.grant_approval(actor=asker, approval_id=str(approval.pk))


def test_a_feed_signed_by_another_key_is_refused_with_a_sentence(published, coordinators, tmp_path):
    feed, _public = published
    asker, _second = coordinators
    other = tmp_path / "other.key"
    run("publisher-key", "--new", str(other))
    error = refused("import", str(feed), "--publisher", f"{other}.pub", "--as", asker.username)
    assert error.returncode == 2
    assert "was signed by the publisher key" in str(error)
    assert "nothing was changed" in str(error)
    assert not Approval.objects.exists()


def test_a_feed_signed_by_another_key_under_the_trusted_name_is_refused(
    published, coordinators, tmp_path
):
    """The attack: someone re-signs an altered catalog with their own key and writes the
    trusted fingerprint into the feed. The signature does not verify under the pinned key."""
    feed, public = published
    asker, _second = coordinators
    forger = tmp_path / "forger.key"
    run("publisher-key", "--new", str(forger))
    forged = tmp_path / "forged.feed"
    run("export", "--sign", "--key", str(forger), "--out", str(forged))
    outer = json.loads(forged.read_text(encoding="utf-8"))
    outer["publisher"] = json.loads(feed.read_text(encoding="utf-8"))["publisher"]
    forged.write_text(json.dumps(outer), encoding="utf-8")
    error = refused("import", str(forged), "--publisher", str(public), "--as", asker.username)
    assert error.returncode == 2
    assert "does not match its content" in str(error)


def test_an_altered_feed_is_refused(published, coordinators, tmp_path):
    feed, public = published
    asker, _second = coordinators
    outer = json.loads(feed.read_text(encoding="utf-8"))
    outer["catalog"] = outer["catalog"].replace('"status":"open"', '"status":"suspended"', 1)
    altered = tmp_path / "altered.feed"
    altered.write_text(json.dumps(outer), encoding="utf-8")
    error = refused("import", str(altered), "--publisher", str(public), "--as", asker.username)
    assert error.returncode == 2
    assert not Approval.objects.exists()


def test_an_approval_for_one_feed_does_not_apply_another(published, coordinators, tmp_path):
    """What the second coordinator granted is exactly what is applied."""
    feed, public = published
    asker, second = coordinators
    run("import", str(feed), "--publisher", str(public), "--as", asker.username)
    approval = Approval.objects.get(kind=ApprovalKind.IMPORT_ROUTE_FEED)
    approvals.grant_approval(actor=second, approval_id=str(approval.pk))
    newer = tmp_path / "newer.feed"
    run(
        "export", "--sign", "--key", str(public).removesuffix(".pub"), "--out", str(newer)
    )  # this organisation's closed ca-gar, signed by the same key: a different feed
    error = refused(
        "import", str(newer), "--publisher", str(public), "--approval", str(approval.pk)
    )
    assert error.returncode == 1
    assert status_of(ROUTE) == "suspended"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"not json at all", "is not valid JSON"),
        (b'{"format": "something else"}', "is not a Corridor route feed"),
        (b"\xff\xfe\x00", "is not UTF-8 text"),
    ],
)
def test_bad_input_is_refused_with_a_sentence(published, coordinators, tmp_path, content, problem):
    _feed, public = published
    asker, _second = coordinators
    bad = tmp_path / "bad.feed"
    bad.write_bytes(content)
    error = refused("import", str(bad), "--publisher", str(public), "--as", asker.username)
    assert error.returncode == 2
    assert str(error).startswith(f"The feed {bad}")
    assert problem in str(error)
    assert not Approval.objects.exists()


def test_a_publisher_key_is_never_overwritten(db, tmp_path):
    key = tmp_path / "publisher.key"
    run("publisher-key", "--new", str(key))
    first = key.read_text(encoding="ascii")
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert refused("publisher-key", "--new", str(key)).returncode == 2
    assert key.read_text(encoding="ascii") == first


# The catalog's as_of date and Russia's exit risks travel in the signed feed.


def _key() -> tuple[bytes, bytes]:
    key = PublisherKey()
    return bytes.fromhex(key.secret_hex), bytes.fromhex(key.public_hex)


def _entries():
    return [item.entry for item in read_catalog()]


def test_a_signed_feed_round_trips_its_as_of_date_and_exit_risks(published, coordinators):
    """`export --sign` writes the catalog's as_of and exit risks; verifying the feed gives
    them back exactly, and the import shows them before anyone applies it."""
    feed, public = published
    asker, _second = coordinators
    meta = read_meta()
    assert meta.exit_risks  # the packaged catalog has Russia's own exit risks
    trusted = bytes.fromhex(public.read_text(encoding="ascii").strip())
    verified = read_feed(feed.read_text(encoding="utf-8"), trusted=trusted)
    assert verified.as_of == meta.as_of
    assert verified.exit_risks == tuple(meta.exit_risks)
    shown = run("import", str(feed), "--publisher", str(public), "--as", asker.username)
    assert f"as of {meta.as_of.isoformat()}" in shown
    assert f"{len(meta.exit_risks)} exit risks" in shown


def test_a_publishers_new_exit_risk_and_date_are_shown_with_their_source(db):
    secret, public = _key()
    mine = read_meta()
    risk = mine.exit_risks[0].model_copy(
        update={"en": "A new risk the publisher read.", "since": date(2026, 11, 1)}
    )
    theirs = CatalogMeta(as_of=date(2026, 12, 20), exit_risks=[*mine.exit_risks, risk])
    text = write_feed(_entries(), secret=secret, published_on=date(2026, 12, 20), meta=theirs)
    verified = read_feed(text, trusted=public)
    assert verified.exit_risks[-1].en == "A new risk the publisher read."
    lines = meta_changes(verified, mine)
    number = len(mine.exit_risks)
    assert lines[0] == f"as_of {mine.as_of.isoformat()} → 2026-12-20"
    assert lines[1].startswith(f"exit_risks.{number} (prosecution): https://")
    assert len(lines) == 2  # the risks both sides have are not listed


def test_an_altered_exit_risk_breaks_the_signature(db):
    """The attack: someone edits an exit risk in transit (to hide a danger). The exit risks
    are inside the signed text, so the feed is refused."""
    secret, public = _key()
    text = write_feed(_entries(), secret=secret, published_on=date(2026, 12, 7), meta=read_meta())
    outer = json.loads(text)
    assert "extremist" in outer["catalog"]
    outer["catalog"] = outer["catalog"].replace("extremist", "harmless", 1)
    with pytest.raises(FeedRefused, match="does not match its content"):
        read_feed(json.dumps(outer), trusted=public)


def test_a_feed_written_before_as_of_still_reads(db):
    """Extended, not renamed: a feed without the two keys reads as no date, no exit risks."""
    secret, public = _key()
    text = write_feed(_entries(), secret=secret, published_on=date(2026, 11, 25))
    assert '"as_of"' not in json.loads(text)["catalog"]
    verified = read_feed(text, trusted=public)
    assert (verified.as_of, verified.exit_risks) == (None, ())
    assert len(verified.entries) == len(_entries())


def test_signed_exit_risks_that_do_not_validate_are_refused_with_a_sentence(db):
    """A publisher's bad risk (no group at risk) is refused, naming it, not half-applied."""
    secret, public = _key()
    risk = read_meta().exit_risks[0].model_dump(mode="json")
    catalog = json.dumps(
        {
            "published_on": "2026-12-07",
            "as_of": "2026-12-07",
            "exit_risks": [{**risk, "whom": []}],
            "entries": [],
        }
    )
    signature, _public = sign_feed(secret, FEED_PREFIX + catalog.encode())
    outer = {
        "format": "corridor-pathways-feed",
        "version": 1,
        "publisher": fingerprint(public),
        "catalog": catalog,
        "signature": signature.hex(),
    }
    with pytest.raises(FeedRefused, match="as_of date or exit risks that do not validate"):
        read_feed(json.dumps(outer), trusted=public)
