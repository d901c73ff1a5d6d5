"""Licences of demo enterprises: numbers in each issuer's format, validity per kind, and an expiry mix
with some expired and some inside the warning window."""

from __future__ import annotations

import datetime as dt
import random

from anjian.enterprises.choices import LicenceKind
from anjian.enterprises.models import Enterprise, Licence

DIVISION = "440306"

LICENCE_SPECS: dict[str, tuple[str, int | None]] = {  # kind → (issuer, validity in years; None = long-term)
    LicenceKind.BUSINESS: ("深圳市市场监督管理局宝安监管局", None),
    LicenceKind.POLLUTANT_DISCHARGE: ("深圳市生态环境局宝安管理局", 5),
    LicenceKind.SPECIAL_EQUIPMENT: ("深圳市市场监督管理局宝安监管局", 1),
    LicenceKind.GAS_SUPPLY: ("深圳市燃气集团股份有限公司宝安分公司", 2),
    LicenceKind.FIRE_SAFETY: ("深圳市宝安区消防救援大队", 3),
    LicenceKind.CONSTRUCTION_PERMIT: ("深圳市宝安区住房和建设局", 2),
    LicenceKind.SAFETY_PRODUCTION: ("广东省应急管理厅", 3),
    LicenceKind.HAZCHEM_OPERATION: ("深圳市宝安区应急管理局", 3),
}


def make_licence(rng: random.Random, today: dt.date, ent: Enterprise, kind: str) -> Licence:
    """An unsaved licence of `kind` for `ent` (6 % expired, 4 % expiring within 30 days, the rest valid)."""
    issuer, years = LICENCE_SPECS[kind]
    year = rng.randint(today.year - 4, today.year)
    if kind == LicenceKind.BUSINESS:
        number = ent.uscc
    elif kind == LicenceKind.POLLUTANT_DISCHARGE:
        number = f"{ent.uscc}001{rng.choice('PUQ')}"
    elif kind == LicenceKind.SPECIAL_EQUIPMENT:
        number = f"起17粤B{rng.randint(1, 99999):05d}({year % 100:02d})"
    elif kind == LicenceKind.GAS_SUPPLY:
        number = f"宝燃合字〔{year}〕第{rng.randint(1, 99999):05d}号"
    elif kind == LicenceKind.FIRE_SAFETY:
        number = f"深宝消安检字〔{year}〕第{rng.randint(1, 9999):04d}号"
    elif kind == LicenceKind.CONSTRUCTION_PERMIT:
        number = f"{DIVISION}{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(1, 9999):04d}"
    elif kind == LicenceKind.SAFETY_PRODUCTION:
        prefix = "JZ" if ent.industry == "E" else "WH"
        number = f"（粤）{prefix}安许证字〔{year}〕{rng.randint(1, 999999):06d}"
    else:
        number = f"粤深宝安经字〔{year}〕{rng.randint(1, 999999):06d}"
    if years is None:
        expires = None
        issued = today - dt.timedelta(days=rng.randint(30, 365 * 12))
    else:
        roll = rng.random()
        if roll < 0.06:
            expires = today - dt.timedelta(days=rng.randint(1, 180))  # expired
        elif roll < 0.10:
            expires = today + dt.timedelta(days=rng.randint(0, 30))  # expiring within the warning window
        else:
            expires = today + dt.timedelta(days=rng.randint(31, 365 * years))
        issued = expires - dt.timedelta(days=365 * years)
    return Licence(
        enterprise_id=ent.pk,
        kind=kind,
        number=number,
        issuer=issuer,
        issued_on=issued,
        expires_on=expires,
        created_at=ent.created_at,
    )
