"""A local proof-of-work challenge for the public form (no third-party captcha, no outside request).

The server signs a random nonce and a difficulty; the browser (report.js) searches a counter such that
SHA-256("<token>:<counter>") starts with `bits` zero bits, which costs a flood of submissions real CPU
time while a person filling in the form never notices. A solved challenge can be used only once."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from anjian.tipoffs.models import SpentChallenge

SALT = "anjian.tipoffs.challenge"
MAX_AGE_SECONDS = 3 * 3600


def issue(bits: int | None = None) -> dict[str, Any]:
    """A fresh challenge for a form: {"token": signed "nonce:bits", "bits": bits}."""
    bits = settings.TIPOFF_POW_BITS if bits is None else bits
    token = signing.TimestampSigner(salt=SALT).sign(f"{secrets.token_hex(16)}:{bits}")
    return {"token": token, "bits": bits}


def leading_zero_bits(digest: bytes) -> int:
    count = 0
    for byte in digest:
        if byte == 0:
            count += 8
            continue
        return count + (8 - byte.bit_length())
    return count


def solves(token: str, solution: str, bits: int) -> bool:
    digest = hashlib.sha256(f"{token}:{solution}".encode()).digest()
    return leading_zero_bits(digest) >= bits


def solve(token: str, bits: int) -> str:
    """Find a solution (used by tests and machine clients that prefer to pay the work)."""
    counter = 0
    while not solves(token, str(counter), bits):
        counter += 1
    return str(counter)


def check_and_spend(token: str, solution: str) -> str:
    """'' when the challenge is genuine, fresh, solved and not used before (then it is spent);
    otherwise the reason in Chinese."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token or "", max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        return "安全校验已过期，请刷新页面后重新提交。"
    except signing.BadSignature:
        return "安全校验无效，请刷新页面后重新提交。"
    nonce, _, bits_text = value.partition(":")
    try:
        bits = int(bits_text)
    except ValueError:
        return "安全校验无效，请刷新页面后重新提交。"
    solution = (solution or "").strip()
    if not solution.isdigit() or len(solution) > 12 or not solves(token, solution, bits):
        return "安全校验未完成，请稍候片刻再提交（需要浏览器启用 JavaScript）。"
    try:
        with transaction.atomic():
            SpentChallenge.objects.create(nonce=nonce)
    except IntegrityError:
        return "该页面已提交过，请刷新页面后再提交新的举报。"
    return ""
