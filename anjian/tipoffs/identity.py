"""Reporter identity sealed with Fernet (keys from TIPOFF_ENCRYPTION_KEY), and the tracking secret.

Identity is encrypted as one JSON document, so neither the values nor which of them were given can be
read from the database. Only `services.reveal_identity` decrypts it (tip_officer, audited)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from anjian.core.errors import ServiceError

# Tracking code and secret alphabet: no 0/O, 1/I/L, so they can be read out over the phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SECRET_LENGTH = 16


@dataclass(frozen=True)
class ReporterIdentity:
    """Who reported (all optional). Never logged, exported, notified or put in an audit snapshot."""

    name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(asdict(self).values())

    def __repr__(self) -> str:  # keeps identity out of tracebacks and debug logs
        return "ReporterIdentity(<sealed>)"


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.TIPOFF_ENCRYPTION_KEYS])


def seal(identity: ReporterIdentity) -> str:
    """The ciphertext of `identity` ('' when nothing was given)."""
    if identity.is_empty:
        return ""
    data = {k: v for k, v in asdict(identity).items() if v}
    return _fernet().encrypt(orjson.dumps(data)).decode()


def unseal(ciphertext: str) -> ReporterIdentity:
    """Decrypt what `seal` produced; a wrong or missing key is a clear error, never a crash."""
    if not ciphertext:
        return ReporterIdentity()
    try:
        data = orjson.loads(_fernet().decrypt(ciphertext.encode()))
    except (InvalidToken, orjson.JSONDecodeError):
        raise ServiceError(
            "无法解密举报人身份：加密密钥不匹配（TIPOFF_ENCRYPTION_KEY 是否被更换？）。"
        ) from None
    return ReporterIdentity(
        **{k: str(v) for k, v in data.items() if k in ReporterIdentity.__dataclass_fields__}
    )


def new_secret() -> str:
    """A random query secret shown once to the reporter, grouped for reading: XXXX-XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, SECRET_LENGTH, 4))


def normalize_token(value: str) -> str:
    """Codes and secrets are compared without case, spaces or dashes."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def secret_digest(code: str, secret: str) -> str:
    """What the database keeps of the secret (a SHA-256; the secret has ~79 bits of randomness)."""
    return hashlib.sha256(f"{normalize_token(code)}:{normalize_token(secret)}".encode()).hexdigest()


def secret_matches(code: str, secret: str, digest: str) -> bool:
    """Constant-time comparison of a presented secret with the stored digest."""
    return hmac.compare_digest(secret_digest(code, secret), digest or "")


def new_code(received_on: str) -> str:
    """A tracking code such as JB250314-7K4Q (date of receipt + random part)."""
    return f"JB{received_on}-" + "".join(secrets.choice(ALPHABET) for _ in range(4))
