"""Typed readers for settings that come from the environment; a bad value stops start-up with a clear message."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


class ConfigError(Exception):
    """A configuration variable holds a value Anjian cannot use."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r}: expected one of true/false/1/0/yes/no/on/off")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name}={value}: must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name}={value}: must be at most {maximum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or CIDR networks ("10.0.0.0/8,127.0.0.1"), each checked."""
    import ipaddress

    out = []
    for item in env_list(name, []):
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(f"{name}: {item!r} is not an IP address or network (e.g. 10.0.0.0/8)") from None
    return tuple(out)


def env_bounds(name: str, default: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A bounding box "lat_min,lng_min,lat_max,lng_max" (plausible coordinates for sites)."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        parts = tuple(float(p) for p in raw.split(","))
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected four numbers lat_min,lng_min,lat_max,lng_max") from None
    if len(parts) != 4 or not (parts[0] < parts[2] and parts[1] < parts[3]):
        raise ConfigError(f"{name}={raw!r}: expected lat_min,lng_min,lat_max,lng_max with min < max")
    if not (
        -90 <= parts[0] <= 90
        and -90 <= parts[2] <= 90
        and -180 <= parts[1] <= 180
        and -180 <= parts[3] <= 180
    ):
        raise ConfigError(f"{name}={raw!r}: latitudes must lie in -90..90 and longitudes in -180..180")
    return parts  # type: ignore[return-value]


def env_int_range(name: str, default: tuple[int, int], *, minimum: int = 0) -> tuple[int, int]:
    """An inclusive whole-number range "low,high" (e.g. ASSIGNMENT_CADRE_RANGE=3,5)."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        parts = tuple(int(p) for p in raw.replace("-", ",").split(","))
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected two whole numbers low,high") from None
    if len(parts) != 2 or parts[0] > parts[1] or parts[0] < minimum:
        raise ConfigError(f"{name}={raw!r}: expected low,high with {minimum} <= low <= high")
    return parts[0], parts[1]


def env_url(name: str, schemes: tuple[str, ...]) -> str:
    """Return the URL in `name` (or "") after checking its scheme and host."""
    raw = env_str(name)
    if not raw:
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in schemes:
        raise ConfigError(f"{name}={raw!r}: scheme must be one of {', '.join(schemes)}")
    if parsed.scheme != "sqlite" and not parsed.hostname:
        raise ConfigError(f"{name}={raw!r}: a host is required")
    return raw


def database_from_url(url: str, base_dir: Path) -> dict[str, object]:
    """Turn DATABASE_URL (sqlite:///path or postgres://user:pw@host:port/name) into a Django DATABASES entry."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(base_dir / "var" / "anjian.sqlite3"),
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": _SQLITE_INIT},
        }
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if path.startswith("//"):
            path = path[1:]
        elif path.startswith("/") and not parsed.netloc:
            path = path[1:] if path.startswith("/./") else path
        name = path or str(base_dir / "var" / "anjian.sqlite3")
        if name.startswith("./"):
            name = str(base_dir / name[2:])
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": _SQLITE_INIT},
        }
    if parsed.scheme in ("postgres", "postgresql"):
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ConfigError(f"DATABASE_URL={url!r}: the database name is missing")
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or "postgres"),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "127.0.0.1",
            "PORT": str(parsed.port or 5432),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ConfigError(f"DATABASE_URL={url!r}: use sqlite:///path or postgres://user:password@host:port/name")


_SQLITE_INIT = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"


def env_fernet_keys(name: str, *, fallback_secret: str, required: bool) -> tuple[str, ...]:
    """Fernet keys from `name` (comma-separated, the first encrypts, the others still decrypt: rotation).

    Without a value: refused when `required` (production), else one key derived from `fallback_secret`
    so that a development install works out of the box."""
    import base64
    import hashlib

    raw = env_str(name)
    if not raw:
        if required:
            raise ConfigError(
                f"{name} is required when ANJIAN_PRODUCTION=true "
                '(generate one: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
            )
        digest = hashlib.sha256(b"anjian-tipoff-identity:" + fallback_secret.encode()).digest()
        return (base64.urlsafe_b64encode(digest).decode(),)
    keys = tuple(k.strip() for k in raw.split(",") if k.strip())
    for i, key in enumerate(keys, start=1):
        try:
            decoded = base64.urlsafe_b64decode(key.encode())
        except (ValueError, TypeError):
            decoded = b""
        if len(decoded) != 32:
            raise ConfigError(f"{name}: key {i} is not a Fernet key (32 bytes, URL-safe base64)")
    return keys
