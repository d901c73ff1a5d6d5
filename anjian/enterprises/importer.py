"""Excel import of the enterprise register (CONTRACTS.md §6).

`start_import()` stores an uploaded workbook as an ImportJob and queues `tasks.run_import`; `run_job()`
reads the first sheet (workbook.py), checks every row (all reasons at once, in Chinese, with the Excel row
number) and creates or updates enterprises matched by USCC. Rows are written in batches of BATCH_SIZE,
each batch in one transaction and in bulk, falling back to one savepoint per row when the database
refuses the batch: a row is saved whole or not at all, and the job page shows progress between batches.
"""

from __future__ import annotations

import logging
import operator
import re
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from anjian.core import audit
from anjian.core.context import origin
from anjian.core.errors import ServiceError
from anjian.core.scoping import jurisdiction_of
from anjian.core.uploads import XLSX, validate_upload
from anjian.core.validators import (
    coordinate_error,
    normalize_phone,
    normalize_uscc,
    phone_error,
    uscc_error,
)
from anjian.enterprises.choices import EnterpriseEventType, ImportStatus, Industry, OperatingStatus
from anjian.enterprises.models import Enterprise, EnterpriseEvent, ImportJob, KeyCategory
from anjian.enterprises.workbook import (  # noqa: F401 - the layout is part of this module's interface
    COLUMNS,
    ERROR_HEADER,
    EXAMPLE_USCC,
    HEADERS,
    MAX_ROWS,
    REQUIRED_HEADERS,
    FileRejected,
    Sheet,
    cell_text,
    column_letter,
    lookup_key,
    read_sheet,
)
from anjian.org.models import Community, Grid
from anjian.org.permissions import require

log = logging.getLogger(__name__)

BATCH_SIZE = 100  # rows per transaction; the job's progress is saved after each batch
COORD_DIGITS = 7  # ~1 cm: more digits are noise and would not survive an Excel round trip
CATEGORY_SEPARATORS = re.compile(r"[、,，;；\n]+")


# Plain text fields copied as they are (after trimming), with their model max lengths checked by full_clean.
TEXT_FIELDS = ("address", "legal_representative", "safety_officer")
FIELD_LABELS = {c.key: c.header for c in COLUMNS}
_FIELDS = {f.name: f for f in Enterprise._meta.concrete_fields}
ATTNAMES = {c.key: _FIELDS[c.key].attname for c in COLUMNS if c.key in _FIELDS}
MAX_LENGTHS = {key: _FIELDS[key].max_length or 0 for key in ("name", *TEXT_FIELDS)}


# ------------------------------------------------------------------------------------------- validation


class Lookups:
    """Names a row may use (communities, grids, categories, industries, statuses), loaded once per import."""

    def __init__(self, actor: Any):
        communities = list(Community.objects.all())
        self.visible_community_ids: set[int] = set(
            Community.objects.for_user(actor).values_list("pk", flat=True)
        )
        self.communities: dict[str, Community] = {}
        for c in communities:
            self.communities[lookup_key(c.name)] = c
            self.communities.setdefault(lookup_key(c.code), c)
        self.visible_community_names = [c.name for c in communities if c.pk in self.visible_community_ids]
        self.grids: dict[tuple[int, str], Grid] = {}
        self.grid_names: dict[int, list[str]] = {}
        self.grid_community: dict[int, int] = {}
        self.grid_by_id: dict[int, Grid] = {}
        for g in Grid.objects.all():
            self.grids[(g.community_id, lookup_key(g.name))] = g
            self.grids.setdefault((g.community_id, lookup_key(g.code)), g)
            self.grid_names.setdefault(g.community_id, []).append(g.name)
            self.grid_community[g.pk] = g.community_id
            self.grid_by_id[g.pk] = g
        categories = list(KeyCategory.objects.all())
        self.category_by_id = {k.pk: k for k in categories}
        self.category_names = [c.name for c in categories]
        self.categories: dict[str, KeyCategory] = {}
        for k in categories:
            self.categories[lookup_key(k.name)] = k
            self.categories.setdefault(lookup_key(k.code), k)
        self.industries: dict[str, str] = {}
        for value, label in Industry.choices:
            self.industries[lookup_key(str(label))] = value
            self.industries.setdefault(lookup_key(value), value)
            self.industries.setdefault(lookup_key(f"{value}{label}"), value)
        self.statuses = {lookup_key(str(label)): value for value, label in OperatingStatus.choices}
        self.community_by_id = {c.pk: c for c in communities}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        return float(value)
    text = cell_text(value)
    if not text:
        return None
    return float(unicodedata.normalize("NFKC", text))


@dataclass
class ParsedRow:
    """A validated row: the values of the columns present in the file, or the reasons it was refused."""

    number: int
    uscc: str = ""
    name: str = ""
    values: dict[str, Any] = field(default_factory=dict)  # model field -> value (only columns in the file)
    categories: list[KeyCategory] | None = None  # None when the column is absent
    reasons: list[str] = field(default_factory=list)


def parse_row(number: int, raw: tuple[Any, ...], positions: dict[str, int], lookups: Lookups) -> ParsedRow:
    """Check one row against CONTRACTS.md §6 and collect every reason it cannot be imported."""

    def get(key: str) -> Any:
        index = positions.get(key)
        if index is None or index >= len(raw):
            return None
        return raw[index]

    row = ParsedRow(number=number)
    reasons = row.reasons
    values = row.values

    row.name = cell_text(get("name"))
    if not row.name:
        reasons.append("企业名称不能为空。")
    values["name"] = row.name

    uscc_raw = get("uscc")
    if isinstance(uscc_raw, float) and not uscc_raw.is_integer():
        reasons.append("统一社会信用代码被 Excel 存成了小数，请将该列设为“文本”格式后重新填写。")
    else:
        row.uscc = normalize_uscc(cell_text(uscc_raw))
        error = uscc_error(row.uscc)
        if error:
            reasons.append(error)
        elif row.uscc == EXAMPLE_USCC:
            reasons.append("这是导入模板中的示例行，请删除后再导入。")
    values["uscc"] = row.uscc

    community = None
    community_text = cell_text(get("community"))
    if not community_text:
        reasons.append("所属社区不能为空。")
    else:
        community = lookups.communities.get(lookup_key(community_text))
        if community is None:
            choices = "、".join(lookups.visible_community_names) or "无"
            reasons.append(f"所属社区「{community_text}」不存在（可选：{choices}）。")
        elif community.pk not in lookups.visible_community_ids:
            mine = "、".join(lookups.visible_community_names) or "无"
            reasons.append(f"您只能导入本社区（{mine}）的企业，不能导入{community.name}的企业。")
            community = None
    if community is not None:
        values["community"] = community

    if "grid" in positions:
        grid_text = cell_text(get("grid"))
        if not grid_text:
            values["grid"] = None
        elif community is not None:
            grid = lookups.grids.get((community.pk, lookup_key(grid_text)))
            if grid is None:
                names = "、".join(lookups.grid_names.get(community.pk, [])) or "无"
                reasons.append(
                    f"网格「{grid_text}」不属于{community.name}（{community.name}的网格：{names}）。"
                )
            else:
                values["grid"] = grid

    if "industry" in positions:
        industry_text = cell_text(get("industry"))
        if not industry_text:
            values["industry"] = ""
        else:
            industry = lookups.industries.get(lookup_key(industry_text))
            if industry is None:
                labels = "、".join(str(label) for _, label in Industry.choices)
                reasons.append(f"行业类别「{industry_text}」不存在（可选：{labels}）。")
            else:
                values["industry"] = industry

    if "categories" in positions:
        row.categories = []
        for part in CATEGORY_SEPARATORS.split(cell_text(get("categories"))):
            name = part.strip()
            if not name:
                continue
            category = lookups.categories.get(lookup_key(name))
            if category is None:
                reasons.append(f"重点监管类型「{name}」不存在（可选：{'、'.join(lookups.category_names)}）。")
            elif category not in row.categories:
                row.categories.append(category)

    for key in TEXT_FIELDS:
        if key in positions:
            values[key] = cell_text(get(key))
    for key in ("name", *TEXT_FIELDS):
        limit = MAX_LENGTHS[key]
        if len(values.get(key, "")) > limit:
            reasons.append(f"{FIELD_LABELS[key]}最多 {limit} 个字，当前 {len(values[key])} 个字。")

    if "lat" in positions or "lng" in positions:
        coords: dict[str, float | None] = {}
        for key, label in (("lng", "经度"), ("lat", "纬度")):
            raw_value = get(key)
            try:
                number_value = _number(raw_value)
            except ValueError:
                reasons.append(f"{label}「{cell_text(raw_value)}」不是数字。")
                continue
            coords[key] = None if number_value is None else round(number_value, COORD_DIGITS)
        if len(coords) == 2:
            error = coordinate_error(coords["lat"], coords["lng"])
            if error:
                reasons.append(error)
            else:
                values.update(coords)

    if "phone" in positions:
        phone = cell_text(get("phone"))
        error = phone_error(phone)
        if error:
            reasons.append(error)
        else:
            values["phone"] = normalize_phone(phone)

    if "employees" in positions:
        raw_value = get("employees")
        text = cell_text(raw_value)
        try:
            count = _number(raw_value)
        except ValueError:
            count = -1.0
        if count is None:
            values["employees"] = None
        elif count < 0 or not count.is_integer():
            reasons.append(f"从业人数「{text}」应为不小于 0 的整数。")
        else:
            values["employees"] = int(count)

    if "status" in positions:
        status_text = cell_text(get("status"))
        if status_text:
            status = lookups.statuses.get(lookup_key(status_text))
            if status is None:
                reasons.append(f"经营状态「{status_text}」无效，应为 在营、停业 或 注销。")
            else:
                values["status"] = status
    return row


# -------------------------------------------------------------------------------------------- writing


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    processed: int = 0


def _same(field_name: str, old: Any, new: Any) -> bool:
    if field_name in ("lat", "lng") and isinstance(old, float) and isinstance(new, float):
        return abs(old - new) < 10 ** -(COORD_DIGITS - 1) / 2
    return bool(old == new)


def _snapshot(ent: Enterprise, category_ids: Iterable[int]) -> dict[str, Any]:
    data = audit.snapshot(ent)
    data["categories"] = sorted(category_ids)
    return data


_FULL_CLEAN_EXCLUDE = ["community", "grid", "park", "categories", "created_by"]


def _model_errors(ent: Enterprise) -> list[str]:
    """Field rules of the model (lengths, choices, normalisation) as row reasons; [] when valid.

    Enterprise.clean()'s rules (USCC check character and uniqueness, phone, coordinates, grid inside the
    community) are checked by parse_row() with row-precise messages and by the batch's USCC look-up (the
    unique index backs it up), so its per-row uniqueness query is not repeated here; a test asserts that
    every imported enterprise passes full_clean()."""
    try:
        ent.clean_fields(exclude=_FULL_CLEAN_EXCLUDE)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return [
                f"{FIELD_LABELS[name]}：{message}" if name in FIELD_LABELS else message
                for name, errors in exc.error_dict.items()
                for error in errors
                for message in error.messages
            ]
        return list(exc.messages)
    return []


class RowRejected(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class Pending:
    """A row checked in memory and ready to be written: the enterprise with its new values and what changed."""

    row: ParsedRow
    ent: Enterprise
    created: bool
    fields: list[str]  # changed model fields (updates)
    old_ids: list[int]
    new_ids: list[int]
    before: dict[str, Any] | None = None
    changes: list[dict[str, str]] = field(default_factory=list)  # readable old/new values for the timeline

    @property
    def categories_changed(self) -> bool:
        return self.old_ids != self.new_ids


SAVE_FAILED = "保存失败：统一社会信用代码可能刚被其他操作登记，请重新导入该行。"


class ImportRun:
    """One pass over a sheet on behalf of `actor`; call `process(rows)` batch by batch.

    A batch is checked row by row in memory, then written in bulk inside one savepoint; should the database
    refuse the bulk write (say, a USCC registered meanwhile by someone else), the batch is written again
    row by row, each in its own savepoint, so one bad row never takes the others with it."""

    def __init__(self, job: ImportJob, sheet: Sheet, actor: Any):
        self.job = job
        self.sheet = sheet
        self.actor = actor
        self.lookups = Lookups(actor)
        self.counts = Counts()
        self.errors: list[dict[str, Any]] = []
        self.first_row_of: dict[str, int] = {}
        self.through = Enterprise.categories.through
        self.category_ids: dict[int, list[int]] = {}  # categories of the batch's existing enterprises

    def _reject(self, row: ParsedRow, reasons: list[str]) -> None:
        self.counts.rejected += 1
        self.errors.append({"row": row.number, "uscc": row.uscc, "name": row.name, "reasons": reasons})

    def process(self, batch: list[tuple[int, tuple[Any, ...]]]) -> None:
        """Check and write one batch of rows in one transaction, with its audit links and timeline lines."""
        parsed = [parse_row(n, raw, self.sheet.positions, self.lookups) for n, raw in batch]
        for row in parsed:
            if row.uscc and not uscc_error(row.uscc):
                first = self.first_row_of.setdefault(row.uscc, row.number)
                if first != row.number:
                    row.reasons.append(
                        f"统一社会信用代码 {row.uscc} 在本文件中重复出现（第 {first} 行和第 {row.number} 行），"
                        f"只处理第 {first} 行，本行未导入。"
                    )
        wanted = [r.uscc for r in parsed if not r.reasons]
        # Related rows come from self.lookups by id: no joins, no category objects per enterprise.
        existing = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=wanted)}
        self.category_ids = {}
        pairs = self.through.objects.filter(enterprise_id__in=[e.pk for e in existing.values()])
        for enterprise_id, category_id in pairs.values_list("enterprise_id", "keycategory_id"):
            self.category_ids.setdefault(enterprise_id, []).append(category_id)
        pending: list[Pending] = []
        for row in parsed:
            self.counts.processed += 1
            if row.reasons:
                self._reject(row, row.reasons)
                continue
            try:
                item = self._prepare(row, existing.get(row.uscc))
            except RowRejected as exc:
                self._reject(row, exc.reasons)
                continue
            if item is None:
                self.counts.unchanged += 1
            else:
                pending.append(item)
        if not pending:
            return
        with transaction.atomic():
            try:
                with transaction.atomic():
                    self._write_bulk(pending)
                saved = pending
            except IntegrityError:
                saved = self._write_one_by_one(pending)
            self._log(saved)

    def _prepare(self, row: ParsedRow, ent: Enterprise | None) -> Pending | None:
        """Apply a row to a new or existing enterprise in memory; None when nothing would change."""
        category_ids = sorted({c.pk for c in row.categories}) if row.categories is not None else []
        if ent is None:
            values = dict(row.values)
            values.setdefault("status", OperatingStatus.OPERATING)
            ent = Enterprise(created_by=self.actor, **values)
            errors = _model_errors(ent)
            if errors:
                raise RowRejected(errors)
            return Pending(row=row, ent=ent, created=True, fields=[], old_ids=[], new_ids=category_ids)

        if ent.community_id not in self.lookups.visible_community_ids:
            raise RowRejected(["该统一社会信用代码已由其他社区登记，不在您的管辖范围内，不能修改。"])
        old_ids = sorted(self.category_ids.get(ent.pk, []))
        before = _snapshot(ent, old_ids)
        shown: dict[str, str] = {}
        changed: list[str] = []
        for name, value in row.values.items():
            new = value.pk if hasattr(value, "pk") else value
            if not _same(name, getattr(ent, ATTNAMES[name]), new):
                shown[name] = self._shown(ent, name, old_ids)
                setattr(ent, name, value)
                changed.append(name)
        if (
            "grid" not in row.values
            and ent.grid_id
            and self.lookups.grid_community.get(ent.grid_id) != ent.community_id
        ):
            shown["grid"] = self._shown(ent, "grid", old_ids)
            ent.grid = None  # moved to another community without naming a grid there
            changed.append("grid")
        new_ids = category_ids if row.categories is not None else old_ids
        if not changed and new_ids == old_ids:
            return None
        errors = _model_errors(ent)
        if errors:
            raise RowRejected(errors)
        item = Pending(row=row, ent=ent, created=False, fields=changed, old_ids=old_ids, new_ids=new_ids)
        item.before = before
        if item.categories_changed:
            shown["categories"] = self._shown(ent, "categories", old_ids)
            changed = [*changed, "categories"]
        item.changes = [
            {
                "field": n,
                "label": FIELD_LABELS.get(n, n),
                "old": shown[n],
                "new": self._shown(ent, n, new_ids),
            }
            for n in changed
        ]
        return item

    def _write_bulk(self, items: list[Pending]) -> None:
        """Write a batch with a handful of queries (call inside a savepoint)."""
        now = timezone.now()
        created = [p.ent for p in items if p.created]
        if created and connection.features.can_return_rows_from_bulk_insert:
            Enterprise.objects.bulk_create(created)
        else:  # a database that cannot report the new ids of a bulk insert
            for ent in created:
                ent.save(force_insert=True)
        for p in items:
            if not p.created and p.fields:  # one UPDATE of the changed columns (bulk_update's CASE is slower)
                p.ent.updated_at = now
                columns = {ATTNAMES[f]: getattr(p.ent, ATTNAMES[f]) for f in p.fields}
                Enterprise.objects.filter(pk=p.ent.pk).update(**columns, updated_at=now)
        m2m_only = [p.ent for p in items if not p.created and not p.fields]
        if m2m_only:
            Enterprise.objects.filter(pk__in=[e.pk for e in m2m_only]).update(updated_at=now)
        removed = [
            Q(enterprise_id=p.ent.pk, keycategory_id__in=set(p.old_ids) - set(p.new_ids))
            for p in items
            if set(p.old_ids) - set(p.new_ids)
        ]
        if removed:
            self.through.objects.filter(reduce(operator.or_, removed)).delete()
        self.through.objects.bulk_create(
            [
                self.through(enterprise_id=p.ent.pk, keycategory_id=pk)
                for p in items
                for pk in sorted(set(p.new_ids) - set(p.old_ids))
            ]
        )

    def _write_one_by_one(self, items: list[Pending]) -> list[Pending]:
        """The slow, safe path: one savepoint per row; a row the database refuses is rejected alone."""
        saved: list[Pending] = []
        for p in items:
            if p.created:  # the failed bulk attempt may have numbered it
                p.ent.pk = None
                p.ent._state.adding = True
            try:
                with transaction.atomic():
                    self._write_bulk([p])
            except IntegrityError:
                self._reject(p.row, [SAVE_FAILED])
                continue
            saved.append(p)
        return saved

    def _log(self, items: list[Pending]) -> None:
        """Audit links (source "import") and "imported" timeline lines for the rows written."""
        links: list[dict[str, Any]] = []
        events: list[EnterpriseEvent] = []
        now = timezone.now()
        for p in items:
            note = f"Excel 导入（任务 #{self.job.pk}，第 {p.row.number} 行）"
            place = f"{self.job.original_name} 第 {p.row.number} 行"
            params: dict[str, Any] = {"job": self.job.pk, "row": p.row.number, "created": p.created}
            after = _snapshot(p.ent, p.new_ids)
            if p.created:
                self.counts.created += 1
                links.append(
                    {"actor": self.actor, "action": "create", "obj": p.ent, "after": after, "note": note}
                )
                params["summary"] = f"Excel 导入新增（{place}）"
            else:
                self.counts.updated += 1
                links.append(
                    {
                        "actor": self.actor,
                        "action": "update",
                        "obj": p.ent,
                        "before": p.before,
                        "after": after,
                        "only_changes": True,
                        "note": note,
                    }
                )
                labels = "、".join(c["label"] for c in p.changes)
                params.update({"summary": f"Excel 导入更新：{labels}（{place}）", "changes": p.changes})
            events.append(
                EnterpriseEvent(
                    enterprise=p.ent,
                    type=EnterpriseEventType.IMPORTED,
                    actor=self.actor,
                    params=params,
                    at=now,
                )
            )
        audit.record_many(links)
        EnterpriseEvent.objects.bulk_create(events)

    def _shown(self, ent: Enterprise, name: str, category_ids: list[int]) -> str:
        """A readable value for the timeline: names for communities, grids and categories, labels for choices."""
        if name == "categories":
            names = [
                self.lookups.category_by_id[pk].name
                for pk in category_ids
                if pk in self.lookups.category_by_id
            ]
            return "、".join(names) or "—"
        if name == "community":
            community = self.lookups.community_by_id.get(ent.community_id)
            return community.name if community else "—"
        if name == "grid":
            return (
                self.lookups.grid_by_id[ent.grid_id].name if ent.grid_id in self.lookups.grid_by_id else "—"
            )
        if name == "industry":
            return ent.get_industry_display() or "—"
        if name == "status":
            return str(ent.get_status_display())
        value = getattr(ent, name)
        return "—" if value in (None, "") else str(value)


def _chunks(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _save_progress(job: ImportJob, run: ImportRun) -> None:
    c = run.counts
    job.processed_rows = c.processed
    job.created_count = c.created
    job.updated_count = c.updated + c.unchanged
    job.rejected_count = c.rejected
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=job.processed_rows,
        created_count=job.created_count,
        updated_count=job.updated_count,
        rejected_count=job.rejected_count,
    )


def summary(counts: Counts) -> str:
    text = f"导入完成：新增 {counts.created} 家，更新 {counts.updated + counts.unchanged} 家"
    if counts.unchanged:
        text += f"（其中 {counts.unchanged} 家内容无变化，未改动）"
    return text + f"，拒绝 {counts.rejected} 行。"


def run_job(job_id: int) -> ImportJob:
    """Run a queued import job to the end (status done or failed); safe to call again on a finished job."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != ImportStatus.PENDING:
        return job
    job.status = ImportStatus.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    actor = job.created_by
    with origin("import"):
        try:
            require(actor, "enterprise.import")
            with job.file.open("rb") as handle:
                sheet = read_sheet(handle)
            job.total_rows = len(sheet.rows)
            job.warnings = sheet.warnings
            job.save(update_fields=["total_rows", "warnings"])
            run = ImportRun(job, sheet, actor)
            for batch in _chunks(sheet.rows, BATCH_SIZE):
                run.process(batch)
                _save_progress(job, run)
        except (FileRejected, ServiceError) as exc:
            return _finish(job, ImportStatus.FAILED, exc.message, actor)
        except Exception:
            log.exception("import job %s failed", job.pk)
            return _finish(
                job,
                ImportStatus.FAILED,
                "导入过程中发生意外错误，已记录。已处理的行均已完整保存，其余行未导入。",
                actor,
            )
        job.errors = sorted(run.errors, key=lambda e: e["row"])
        job.save(update_fields=["errors"])
        return _finish(job, ImportStatus.DONE, summary(run.counts), actor)


def _finish(job: ImportJob, status: str, message: str, actor: Any) -> ImportJob:
    with transaction.atomic():
        job.status = status
        job.message = message[:500]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "finished_at"])
        audit.record(
            actor=actor,
            action="import_finish" if status == ImportStatus.DONE else "import_fail",
            obj=job,
            after={
                "status": status,
                "total_rows": job.total_rows,
                "created": job.created_count,
                "updated": job.updated_count,
                "rejected": job.rejected_count,
            },
            note=message[:500],
        )
    return job


# ---------------------------------------------------------------------------------- starting and reading


@transaction.atomic
def start_import(uploaded: Any, *, actor: Any) -> ImportJob:
    """Check and store an uploaded workbook as an ImportJob, then queue it (it runs after the commit)."""
    require(actor, "enterprise.import")
    if uploaded is None:
        raise ServiceError("请选择要导入的 Excel 文件（.xlsx）。", fields={"file": ["请选择文件。"]})
    try:
        data, _mime, _w, _h = validate_upload(uploaded, kinds=(XLSX,), limit=settings.IMPORT_MAX_BYTES)
    except ValidationError as exc:
        message = exc.messages[0]
        if exc.code == "bad_type":
            message = "文件不是有效的 Excel 工作簿（.xlsx）。请在 Excel 或 WPS 中“另存为 .xlsx”后再上传。"
        raise ServiceError(message, fields={"file": [message]}) from None
    name = (getattr(uploaded, "name", "") or "import.xlsx").replace("\\", "/").rsplit("/", 1)[-1][-255:]
    job = ImportJob(created_by=actor, original_name=name)
    job.file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(data), save=False)
    job.save()
    audit.record(actor=actor, action="import_start", obj=job, after={"file": name, "size": len(data)})
    from anjian.enterprises.tasks import run_import

    transaction.on_commit(lambda: run_import(job.pk))
    return job


def jobs_visible_to(user: Any) -> QuerySet[ImportJob]:
    """Import jobs a user may look at: their own; the street office administrator sees every job."""
    qs = ImportJob.objects.select_related("created_by")
    if getattr(user, "is_superuser", False) or getattr(user, "role", "") == "street_admin":
        return qs
    if not getattr(user, "is_authenticated", False) or jurisdiction_of(user).level == "none":
        return qs.none()
    return qs.filter(created_by=user)
