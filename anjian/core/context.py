"""Where a write comes from (page, API, import, job, command, ingest), carried through a context variable."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    source: str = "cli"
    ip: str = ""
    request_id: str = ""


_origin: contextvars.ContextVar[Origin] = contextvars.ContextVar("anjian_origin", default=Origin())  # noqa: B039 (frozen)


def current_origin() -> Origin:
    return _origin.get()


@contextlib.contextmanager
def origin(source: str, ip: str = "", request_id: str = "") -> Iterator[Origin]:
    """Mark every audit entry written inside the block with this source."""
    value = Origin(source=source, ip=ip, request_id=request_id)
    token = _origin.set(value)
    try:
        yield value
    finally:
        _origin.reset(token)
