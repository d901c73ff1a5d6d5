"""The hash-chained audit log: `record()` adds a link; `verify_chain()` finds the first broken one."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from anjian.core.context import current_origin
from anjian.core.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    """A JSON-safe value that reads back identically from SQLite and PostgreSQL."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return str(value)


def snapshot(obj: models.Model, *, m2m: Iterable[str] = (), exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The concrete field values of `obj` (foreign keys as ids) plus the named many-to-many ids."""
    skip = {"updated_at", "password", *exclude}
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in skip:
            continue
        data[field.attname] = _plain(getattr(obj, field.attname))
    for name in m2m:
        if obj.pk:
            data[name] = sorted(getattr(obj, name).values_list("pk", flat=True))
    return data


def diff(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys that changed, from both sides."""
    before = before or {}
    after = after or {}
    keys = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    only_changes: bool = False,
) -> AuditEntry:
    """Append one audit link. Call inside the transaction of the write it describes."""
    with transaction.atomic():
        head = _locked_head()
        entry = _link(
            head,
            actor=actor,
            action=action,
            obj=obj,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            before=before,
            after=after,
            note=note,
            only_changes=only_changes,
        )
        entry.save(force_insert=True)
        head.save(update_fields=["length", "last_hash"])
    return entry


def record_many(links: Iterable[dict[str, Any]]) -> list[AuditEntry]:
    """Append several links at once (each dict holds record()'s keyword arguments) with one lock of the
    chain head and one bulk insert: the links and hashes are exactly those record() would have written.
    For batch writers such as the Excel import. Call inside the transaction of the writes they describe."""
    links = list(links)
    if not links:
        return []
    with transaction.atomic():
        head = _locked_head()
        entries = [_link(head, **kwargs) for kwargs in links]
        AuditEntry.objects.bulk_create(entries, batch_size=500)
        head.save(update_fields=["length", "last_hash"])
    return entries


def _link(
    head: AuditHead,
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    only_changes: bool = False,
) -> AuditEntry:
    """The next (unsaved) link after `head`, with its hash; `head` is advanced in memory."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or (obj.pk or "")
        object_repr = object_repr or str(obj)
    if only_changes:
        before, after = diff(before, after)
    origin = current_origin()
    actor_id = (
        getattr(actor, "pk", None)
        if actor is not None and getattr(actor, "is_authenticated", False)
        else None
    )
    entry = AuditEntry(
        chain_index=head.length + 1,
        at=timezone.now(),
        actor_id=actor_id,
        actor_label=(getattr(actor, "username", "") or "")[:150] if actor_id else (origin.source or "system"),
        source=origin.source,
        ip=origin.ip[:64],
        action=action[:60],
        object_type=object_type[:100],
        object_id=str(object_id)[:64],
        object_repr=object_repr[:300],
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        note=note[:500],
        prev_hash=head.last_hash,
    )
    entry.hash = entry.compute_hash()
    head.length = entry.chain_index
    head.last_hash = entry.hash
    return entry


def _locked_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.get_or_create(pk=1, defaults={"length": 0, "last_hash": GENESIS})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


@dataclass
class ChainReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""


def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk the chain from the start; report the first link whose hash or predecessor does not match."""
    head = AuditHead.objects.filter(pk=1).first()
    expected_prev = GENESIS
    expected_index = 1
    checked = 0
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(chain_index__gt=last).order_by("chain_index")[:batch])
        if not rows:
            break
        for row in rows:
            if row.chain_index != expected_index:
                return ChainReport(
                    False, checked, expected_index, f"第 {expected_index} 条记录缺失（被删除）"
                )
            if row.prev_hash != expected_prev:
                return ChainReport(False, checked, row.chain_index, "前序哈希不匹配：之前的记录被删除或修改")
            if row.compute_hash() != row.hash:
                return ChainReport(False, checked, row.chain_index, "内容与哈希不符：该记录被修改")
            expected_prev = row.hash
            expected_index += 1
            checked += 1
        last = rows[-1].chain_index
    if head is not None:
        if head.length != checked:
            return ChainReport(
                False, checked, checked + 1, f"链尾应有 {head.length} 条，实际 {checked} 条：末尾记录被删除"
            )
        if head.last_hash != expected_prev:
            return ChainReport(False, checked, checked, "链尾哈希不匹配：末尾记录被修改")
    elif checked:
        return ChainReport(False, checked, None, "链头记录缺失")
    return ChainReport(True, checked)
