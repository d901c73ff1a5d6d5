"""Receiving a tip (public form, Open311, partner apps): validate, seal the identity, locate it,
match the enterprise, store the photos, propose a duplicate, tell the tip officers."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import EmailValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.uploads import IMAGE, store_attachment, validate_upload
from anjian.core.validators import MOBILE_RE, coordinate_error, normalize_phone, phone_error
from anjian.enterprises.models import Enterprise
from anjian.notifications.choices import Level
from anjian.notifications.services import notify
from anjian.org.models import Community, Grid
from anjian.tipoffs import geo, identity
from anjian.tipoffs.choices import CLOSED_STATUSES, TipChannel, TipEventType, TipStatus
from anjian.tipoffs.identity import ReporterIdentity
from anjian.tipoffs.models import PartnerApp, TipCategory, Tipoff
from anjian.tipoffs.services.common import add_event, enter, local, snapshot, tip_link, tip_officers

MAX_PHOTOS = 4
DESCRIPTION_MIN = 5
DESCRIPTION_MAX = 2000


@dataclass
class Submission:
    """What a reporter sends, whatever the channel."""

    category: TipCategory
    description: str
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    enterprise_hint: str = ""
    identity: ReporterIdentity = field(default_factory=ReporterIdentity)
    contact_consent: bool = False
    disclose_consent: bool = False
    joint: bool = False
    media_url: str = ""
    require_mobile: bool = False

    def __repr__(self) -> str:  # identity stays out of tracebacks
        return f"Submission(category={self.category.code!r})"


def _identity_errors(ident: ReporterIdentity, *, require_mobile: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    phone = normalize_phone(ident.phone)
    if phone:
        if require_mobile and not MOBILE_RE.match(phone.removeprefix("+86")):
            errors["phone"] = ["手机号格式不正确（应为 1[3-9] 开头的 11 位数字）。"]
        elif phone_error(phone):
            errors["phone"] = ["电话号码格式不正确（手机号为 11 位数字，座机如 0755-12345678）。"]
    if ident.email:
        try:
            EmailValidator()(ident.email)
        except ValidationError:
            errors["email"] = ["电子邮箱格式不正确。"]
    if len(ident.name) > 50:
        errors["name"] = ["姓名最多 50 个字。"]
    for key in ("device_id", "account_id"):
        if len(getattr(ident, key)) > 100:
            errors[key] = ["标识过长（最多 100 个字符）。"]
    return errors


def _validate(sub: Submission, photos: Sequence[Any]) -> list[tuple[str, bytes]]:
    """All checks before anything is written; returns the cleaned photos (re-encoded, EXIF removed)."""
    errors: dict[str, list[str]] = {}
    description = (sub.description or "").strip()
    if len(description) < DESCRIPTION_MIN:
        errors["description"] = [f"请描述发生了什么（至少 {DESCRIPTION_MIN} 个字）。"]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [f"描述最多 {DESCRIPTION_MAX} 个字，当前 {len(description)} 个字。"]
    if not sub.category.active:
        errors["category"] = ["该举报类别已停用，请选择其他类别。"]
    if (sub.lat is None) != (sub.lng is None):
        errors["lat"] = ["经度和纬度须同时提供。"]
    elif sub.lat is not None:
        message = coordinate_error(sub.lat, sub.lng)
        if message:
            errors["lat"] = [message]
    if sub.lat is None and not sub.address.strip() and not sub.enterprise_hint.strip():
        errors["address"] = ["请在地图上点选位置，或填写地点。"]
    if len(sub.address) > 300:
        errors["address"] = ["地点最多 300 个字。"]
    if len(sub.enterprise_hint) > 200:
        errors["enterprise_hint"] = ["单位名称最多 200 个字。"]
    errors.update(_identity_errors(sub.identity, require_mobile=sub.require_mobile))
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [f"最多上传 {MAX_PHOTOS} 张照片。"]
    cleaned: list[tuple[str, bytes]] = []
    if "photos" not in errors:
        for i, photo in enumerate(photos, start=1):
            try:
                data, _mime, _w, _h = validate_upload(photo, kinds=(IMAGE,))
            except ValidationError as exc:
                errors.setdefault("photos", []).append(f"第 {i} 张照片：{exc.messages[0]}")
            else:
                cleaned.append((f"现场照片{i}.jpg", data))
    if errors:
        raise ValidationError(errors)
    return cleaned


def match_enterprise(hint: str, address: str, lat: float | None, lng: float | None) -> Enterprise | None:
    """The enterprise the report is about, when it can be told without doubt (else None: staff decide)."""
    hint = re.sub(r"\s+", "", hint or "")
    if len(hint) >= 2:
        exact = list(Enterprise.objects.filter(name=hint)[:2])
        if len(exact) == 1:
            return exact[0]
        if len(hint) >= 4:
            partial = list(Enterprise.objects.filter(name__icontains=hint)[:2])
            if len(partial) == 1:
                return partial[0]
    address = (address or "").strip()
    if len(address) >= 6:
        same = list(Enterprise.objects.filter(address=address)[:2])
        if len(same) == 1:
            return same[0]
    if lat is not None and lng is not None:
        d = 0.0005  # ≈ 50 m box, then exact distance
        near = [
            e
            for e in Enterprise.objects.filter(
                lat__range=(lat - d, lat + d), lng__range=(lng - d, lng + d)
            ).only("id", "lat", "lng", "community_id", "grid_id")
            if e.lat is not None and e.lng is not None and geo.distance_m(lat, lng, e.lat, e.lng) <= 30
        ]
        if len(near) == 1:
            return Enterprise.objects.get(pk=near[0].pk)
    return None


def locate_community(lat: float | None, lng: float | None) -> Community | None:
    rows = list(Community.objects.filter(boundary__isnull=False))
    found: Community | None = geo.locate(rows, lat, lng)
    return found


def locate_grid(community: Community | None, lat: float | None, lng: float | None) -> Grid | None:
    if community is None:
        return None
    found: Grid | None = geo.locate(
        list(Grid.objects.filter(community=community, boundary__isnull=False)), lat, lng
    )
    return found


def find_duplicate(tip: Tipoff) -> Tipoff | None:
    """An open tip on the same matter: about the same enterprise, or the same category nearby, within
    TIPOFF_DUPLICATE_DAYS. The earliest one wins (it is the one the new tip would merge into)."""
    since = tip.received_at - dt.timedelta(days=settings.TIPOFF_DUPLICATE_DAYS)
    open_tips = (
        Tipoff.objects.exclude(pk=tip.pk)
        .exclude(status__in=[*CLOSED_STATUSES, TipStatus.VERIFIED_FALSE])
        .filter(received_at__gte=since, received_at__lte=tip.received_at, merged_into__isnull=True)
        .order_by("received_at", "id")
    )
    if tip.enterprise_id:
        same = open_tips.filter(enterprise_id=tip.enterprise_id).first()
        if same is not None:
            return same
    if tip.lat is not None and tip.lng is not None and settings.TIPOFF_DUPLICATE_METERS > 0:
        d = settings.TIPOFF_DUPLICATE_METERS / 100_000 + 0.001
        for other in open_tips.filter(
            category_id=tip.category_id,
            lat__range=(tip.lat - d, tip.lat + d),
            lng__range=(tip.lng - d * 1.2, tip.lng + d * 1.2),
        ):
            if (
                other.lat is not None
                and other.lng is not None
                and geo.distance_m(tip.lat, tip.lng, other.lat, other.lng) <= settings.TIPOFF_DUPLICATE_METERS
            ):
                return other
    return None


def _unique_code(now: dt.datetime) -> str:
    day = timezone.localtime(now).strftime("%y%m%d")
    for _ in range(20):
        code = identity.new_code(day)
        if not Tipoff.objects.filter(code=code).exists():
            return code
    raise IntegrityError("could not allocate a tracking code")


@transaction.atomic
def submit_tip(
    sub: Submission,
    *,
    actor: Any = None,
    photos: Sequence[Any] = (),
    channel: str = TipChannel.WEB,
    partner: PartnerApp | None = None,
    now: dt.datetime | None = None,
) -> tuple[Tipoff, str]:
    """Receive a report; returns the tip and its query secret (shown once, only its digest is kept)."""
    cleaned_photos = _validate(sub, photos)
    now = now or timezone.now()
    ident = ReporterIdentity(
        name=sub.identity.name.strip(),
        phone=normalize_phone(sub.identity.phone),
        email=sub.identity.email.strip(),
        device_id=sub.identity.device_id.strip(),
        account_id=sub.identity.account_id.strip(),
    )
    named = not ident.is_empty
    enterprise = match_enterprise(sub.enterprise_hint, sub.address, sub.lat, sub.lng)
    community = locate_community(sub.lat, sub.lng) or (enterprise.community if enterprise else None)
    code = _unique_code(now)
    secret = identity.new_secret()
    tip = Tipoff(
        code=code,
        secret_digest=identity.secret_digest(code, secret),
        category=sub.category,
        description=sub.description.strip(),
        address=sub.address.strip(),
        lat=sub.lat,
        lng=sub.lng,
        community=community,
        enterprise=enterprise,
        enterprise_hint=sub.enterprise_hint.strip(),
        media_url=sub.media_url.strip(),
        anonymous=not named,
        joint=sub.joint,
        identity_ciphertext=identity.seal(ident),
        contact_consent=named and sub.contact_consent,
        disclose_consent=named and sub.disclose_consent,
        channel=channel,
        partner=partner,
        received_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    enter(tip, TipStatus.RECEIVED, now)
    tip.full_clean(exclude=["code", "secret_digest", "identity_ciphertext"])
    tip.save()
    for name, data in cleaned_photos:
        store_attachment(ContentFile(data, name=name), owner=tip, actor=actor, purpose="report_photo")
    add_event(
        tip,
        TipEventType.RECEIVED,
        actor=actor,
        summary=f"{tip.get_channel_display()}{'（联名）' if tip.joint else ''}，{'实名' if named else '匿名'}",
        public="举报已接收。",
    )
    if enterprise is not None:
        add_event(tip, TipEventType.ENTERPRISE_LINKED, summary=f"按举报内容自动匹配：{enterprise.name}")
    duplicate = find_duplicate(tip)
    if duplicate is not None:
        tip.duplicate_suspect = duplicate
        tip.save(update_fields=["duplicate_suspect", "updated_at"])
        add_event(tip, TipEventType.DUPLICATE_PROPOSED, summary=f"与 {duplicate.code} 可能为同一事项")
    audit.record(
        actor=actor, action="tipoff.submit", obj=tip, after=snapshot(tip), note=tip.get_channel_display()
    )
    place = community.name if community else "位置待确认"
    notify(
        tip_officers(),
        title=f"新举报 {tip.code}：{sub.category.name}",
        body=f"{place}。请在 {local(tip.due_at)} 前受理。"
        + (f"疑似与 {duplicate.code} 重复。" if duplicate else ""),
        link=tip_link(tip),
        level=Level.WARNING,
        category="tipoff",
        dedupe_key=f"tipoff:{tip.pk}:received",
    )
    return tip, secret
