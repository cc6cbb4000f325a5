"""What the organisation tells requesters about itself, from `portal.json` in the data dir.

    {"addresses": ["http://abc…xyz.onion/", "https://help.example.org/help/"],
     "other_contacts": ["Hotline: +7 … (Signal, 10:00–20:00 Moscow time)"],
     "answer_within_days": 3}

All keys are optional; without the file the portal uses general wording. The file is
read again when it changes. It holds no secret, but it is the organisation's word to
people in danger: a malformed file is ignored (and logged), never half-used.

It lives with intake because `answer_within_days` is also the target the staff's daily
digest counts waiting requests against (intake.selectors.count_waiting_requests).
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError

logger = logging.getLogger(__name__)
FILE_NAME = "portal.json"


class PortalInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    addresses: tuple[str, ...] = Field(default=(), max_length=10)
    other_contacts: tuple[str, ...] = Field(default=(), max_length=10)
    answer_within_days: int = Field(default=3, ge=1, le=60)


_cache: dict[Path, tuple[tuple[int, int], PortalInfo]] = {}


def portal_info() -> PortalInfo:
    """The organisation's portal information (defaults when the file is absent or bad)."""
    path = Path(settings.CORRIDOR_DATA_DIR) / FILE_NAME
    try:
        status = path.stat()
    except OSError:
        return PortalInfo()
    signature = (status.st_mtime_ns, status.st_size)
    cached = _cache.get(path)
    if cached is not None and cached[0] == signature:
        return cached[1]
    try:
        info = PortalInfo.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        logger.warning("portal.json is not valid; the portal uses its general wording")
        info = PortalInfo()
    _cache[path] = (signature, info)
    return info
