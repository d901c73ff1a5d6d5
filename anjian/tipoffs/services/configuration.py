"""Configuration kept in tables: partner apps (Open311 api keys) and reward rules (local extra rules)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from anjian.core import audit
from anjian.core.errors import ConflictError
from anjian.org.permissions import require
from anjian.tipoffs.models import PartnerApp, RewardRule, TipCategory


def key_digest(raw_key: str) -> str:
    return hashlib.sha256((raw_key or "").strip().encode()).hexdigest()


def partner_for_key(raw_key: str) -> PartnerApp | None:
    """The active partner app holding `raw_key` (None for an unknown or deactivated key)."""
    if not raw_key:
        return None
    return PartnerApp.objects.filter(key_digest=key_digest(raw_key), active=True).first()


@transaction.atomic
def create_partner_app(
    *, actor: Any, name: str, contact: str = "", rate_per_hour: int = 120
) -> tuple[PartnerApp, str]:
    """Register an app; returns it and its api_key, shown once (only a digest is stored)."""
    require(actor, "tipoff.configure")
    raw = "ak_" + secrets.token_urlsafe(24)
    app = PartnerApp(
        name=(name or "").strip(),
        contact=(contact or "").strip(),
        rate_per_hour=rate_per_hour,
        key_prefix=raw[:8],
        key_digest=key_digest(raw),
        created_by=actor,
    )
    app.full_clean()
    app.save()
    audit.record(
        actor=actor,
        action="tipoff.partner_create",
        obj=app,
        after=audit.snapshot(app, exclude=["key_digest"]),
    )
    return app, raw


@transaction.atomic
def deactivate_partner_app(app_id: int, *, actor: Any, reason: str) -> PartnerApp:
    """Stop accepting a partner's key (its tips stay)."""
    require(actor, "tipoff.configure")
    app = PartnerApp.objects.select_for_update().get(pk=app_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写停用原因。"})
    if not app.active:
        raise ConflictError("该应用已停用。")
    before = audit.snapshot(app, exclude=["key_digest"])
    app.active = False
    app.deactivated_reason = reason[:300]
    app.save()
    audit.record(
        actor=actor,
        action="tipoff.partner_deactivate",
        obj=app,
        before=before,
        after=audit.snapshot(app, exclude=["key_digest"]),
        only_changes=True,
        note=reason,
    )
    return app


@transaction.atomic
def save_reward_rule(
    *, actor: Any, data: dict[str, Any], categories: list[TipCategory], rule: RewardRule | None = None
) -> RewardRule:
    """Create or change a reward rule (validated: a percent rule needs a percent, a per-death rule a level
    and an amount, bounds in order). Decisions already taken keep the values they used."""
    require(actor, "tipoff.configure")
    creating = rule is None
    rule = rule or RewardRule()
    before = None if creating else audit.snapshot(rule, m2m=["categories"])
    for key, value in data.items():
        setattr(rule, key, value)
    rule.full_clean()
    rule.save()
    rule.categories.set(categories)
    audit.record(
        actor=actor,
        action="tipoff.rule_create" if creating else "tipoff.rule_change",
        obj=rule,
        before=before,
        after=audit.snapshot(rule, m2m=["categories"]),
        only_changes=not creating,
    )
    return rule
