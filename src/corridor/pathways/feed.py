"""The catalog as a signed feed: one organisation keeps the routes current and signs them;
others verify the feed against the publisher key they trust, see what it changes, and
apply it once a second coordinator agrees.

A feed is one JSON object:

    {"format": "corridor-pathways-feed", "version": 1, "publisher": "<key fingerprint>",
     "catalog": "<canonical JSON: {published_on, as_of, exit_risks, entries}>",
     "signature": "<hex>"}

`as_of` (the date the publisher's catalog speaks for, which lint judges ages against) and
`exit_risks` (the risks of leaving Russia itself, with their sources) were added to version 1
without renaming anything: a feed written before them reads as as_of None and no exit risks,
and a reader that predates them ignores the two keys.

The signature covers FEED_PREFIX + the `catalog` text exactly as written, so nothing is
re-serialised before it is checked. The organisation's own pauses and route notes live
in tables of their own (pathways.models.RoutePause, RouteNote): an import never touches them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError

from corridor.core.exceptions import InvalidInput
from corridor.core.inputs import InputRefused, parse_json
from corridor.pathways.catalog_files import describe
from corridor.pathways.lint import entry_facts
from corridor.pathways.schema import (
    CatalogMeta,
    Evidence,
    Risk,
    Route,
    Transit,
    entry_content,
    parse_entry,
)
from corridor.vault.domains import FEED_PREFIX
from corridor.vault.errors import InputRejected
from corridor.vault.publisher import sign_feed, verify_feed
from corridor.vault.signing import fingerprint

FORMAT = "corridor-pathways-feed"
VERSION = 1
_KEYS = {"format", "version", "publisher", "catalog", "signature"}

NOT_A_FEED = "is not a Corridor route feed"
WRONG_KEY = (
    "was signed by the publisher key {signed_by}, not by the key you trust ({trusted});"
    " nothing was changed"
)
BAD_SIGNATURE = (
    "has a signature that does not match its content (altered or damaged); nothing was changed"
)
BAD_ENTRIES = "holds an entry that does not validate: {problem}"
BAD_META = "has an as_of date or exit risks that do not validate: {problem}"


class FeedRefused(InvalidInput):
    """The feed cannot be trusted or read; `problem` finishes the sentence "The feed …"."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)

    def sentence(self, subject: str) -> str:
        return f"{subject} {self.problem}."


@dataclass(frozen=True)
class Feed:
    entries: tuple[Route | Transit, ...]
    published_on: str
    publisher: str  # the fingerprint of the key that signed it
    digest: str  # SHA-256 of the signed catalog text: what an approval names
    # The date the publisher's catalog speaks for; None in a feed written before it was added.
    as_of: date | None = None
    exit_risks: tuple[Risk, ...] = ()


def write_feed(
    entries: Sequence[Route | Transit],
    *,
    secret: bytes,
    published_on: date,
    meta: CatalogMeta | None = None,
) -> str:
    """The signed feed of `entries` (and the catalog's `meta`: its as_of date and exit
    risks) under the publisher's private seed, as JSON text."""
    content: dict[str, object] = {
        "published_on": published_on.isoformat(),
        "entries": [entry_content(entry) for entry in sorted(entries, key=lambda e: e.id)],
    }
    if meta is not None:
        content.update(meta.model_dump(mode="json"))
    catalog = json.dumps(
        content,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    signature, public = sign_feed(secret, FEED_PREFIX + catalog.encode())
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "publisher": fingerprint(public),
            "catalog": catalog,
            "signature": signature.hex(),
        },
        ensure_ascii=False,
        indent=1,
    )


def read_feed(text: str, *, trusted: bytes) -> Feed:
    """The verified feed; FeedRefused, naming why, unless `trusted` signed exactly this."""
    try:
        outer = parse_json(text)
    except InputRefused as refused:
        raise FeedRefused(refused.problem) from None
    if not isinstance(outer, dict) or set(outer) != _KEYS or outer["format"] != FORMAT:
        raise FeedRefused(NOT_A_FEED)
    catalog, signature_hex = outer["catalog"], outer["signature"]
    if outer["version"] != VERSION or not isinstance(catalog, str):
        raise FeedRefused(NOT_A_FEED)
    if not isinstance(signature_hex, str) or not _is_hex(signature_hex, 128):
        raise FeedRefused(NOT_A_FEED)
    trusted_id = fingerprint(trusted)
    if outer["publisher"] != trusted_id:
        raise FeedRefused(
            WRONG_KEY.format(signed_by=str(outer["publisher"])[:16], trusted=trusted_id[:16])
        )
    message = FEED_PREFIX + catalog.encode()
    try:
        good = verify_feed(trusted, message=message, signature=bytes.fromhex(signature_hex))
    except InputRejected as rejected:
        raise FeedRefused(str(rejected)) from None
    if not good:
        raise FeedRefused(BAD_SIGNATURE)
    return _parse_catalog(catalog, publisher=trusted_id, digest=hashlib.sha256(message).hexdigest())


@dataclass(frozen=True)
class EntryChange:
    entry_id: str
    lines: tuple[str, ...]  # what changed, one sentence each, with the sources


def feed_changes(
    feed: Feed, current: Sequence[Route | Transit]
) -> tuple[list[EntryChange], list[str]]:
    """What applying `feed` would change, entry by entry; and the entries the organisation
    has that the feed lacks (kept as they are)."""
    now = {entry.id: entry for entry in current}
    changes: list[EntryChange] = []
    for entry in feed.entries:
        older = now.get(entry.id)
        if older is None:
            changes.append(EntryChange(entry.id, (f"new {entry.kind} ({entry.country})",)))
            continue
        lines = _differences(older, entry)
        if lines:
            changes.append(EntryChange(entry.id, tuple(lines)))
    only_here = sorted(set(now) - {entry.id for entry in feed.entries})
    return changes, only_here


def meta_changes(feed: Feed, current: CatalogMeta | None) -> list[str]:
    """What the feed says about the catalog as a whole (its as_of date, Russia's exit risks)
    that differs from `current`, one sentence each, with the sources."""
    lines: list[str] = []
    if feed.as_of is not None and (current is None or current.as_of != feed.as_of):
        before = current.as_of.isoformat() if current else "none"
        lines.append(f"as_of {before} → {feed.as_of.isoformat()}")
    known = [risk.model_dump(mode="json") for risk in current.exit_risks] if current else []
    for number, risk in enumerate(feed.exit_risks):
        if risk.model_dump(mode="json") not in known:
            lines.append(f"exit_risks.{number} ({risk.what.value}): {_source_line(risk.source)}")
    return lines


def _differences(older: Route | Transit, newer: Route | Transit) -> list[str]:
    old, new = entry_content(older), entry_content(newer)
    lines: list[str] = []
    if isinstance(older, Route) and isinstance(newer, Route) and older.status != newer.status:
        source = _source_line(newer.status_source)
        lines.append(f"status {older.status.value} → {newer.status.value} ({source})")
    changed = [key for key in new if key != "status" and old.get(key) != new.get(key)]
    if changed:
        lines.append("changed: " + ", ".join(changed))
    before = {fact.name: fact.source for fact in entry_facts(older)}
    for fact in entry_facts(newer):
        if before.get(fact.name) != fact.source:
            lines.append(f"{fact.name}: {_source_line(fact.source)}")
    return lines


def _source_line(source: Evidence | str) -> str:
    if not isinstance(source, Evidence):
        return "not verified"
    verified = source.verified.isoformat() if source.verified else "?"
    return f"{source.source} (verified {verified})"


def _parse_catalog(catalog: str, *, publisher: str, digest: str) -> Feed:
    try:
        inner = parse_json(catalog)
    except InputRefused as refused:
        raise FeedRefused(refused.problem) from None
    if not isinstance(inner, dict) or not isinstance(inner.get("entries"), list):
        raise FeedRefused(NOT_A_FEED)
    entries: list[Route | Transit] = []
    for number, item in enumerate(inner["entries"]):  # type: ignore[arg-type]
        try:
            entries.append(parse_entry(item))
        except ValidationError as error:
            problem = f"entry {number}: " + "; ".join(describe(error))
            raise FeedRefused(BAD_ENTRIES.format(problem=problem)) from None
    ids = [entry.id for entry in entries]
    if len(set(ids)) != len(ids):
        raise FeedRefused(NOT_A_FEED + " (two entries share an id)")
    meta = _parse_meta(inner)
    return Feed(
        entries=tuple(entries),
        published_on=str(inner.get("published_on", "")),
        publisher=publisher,
        digest=digest,
        as_of=meta.as_of if meta else None,
        exit_risks=tuple(meta.exit_risks) if meta else (),
    )


def _parse_meta(inner: Mapping[str, object]) -> CatalogMeta | None:
    """The feed's as_of and exit risks, validated as `_catalog.yaml` is; None when the feed
    predates them (exit risks without an as_of date are refused: they need the date)."""
    if "as_of" not in inner and "exit_risks" not in inner:
        return None
    data = {key: inner[key] for key in ("as_of", "exit_risks") if key in inner}
    try:
        return CatalogMeta.model_validate(data)
    except ValidationError as error:
        raise FeedRefused(BAD_META.format(problem="; ".join(describe(error)))) from None


def _is_hex(text: str, length: int) -> bool:
    return len(text) == length and all(ch in "0123456789abcdef" for ch in text)
