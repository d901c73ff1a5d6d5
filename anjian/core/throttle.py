"""Token buckets kept in the database: a key may spend `capacity` actions, refilled at a steady rate."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from anjian.core.models import TokenBucket


def consume(key: str, *, capacity: int, per_seconds: float, cost: float = 1.0) -> bool:
    """Take `cost` tokens from bucket `key`; False (and nothing taken) when it is empty."""
    now = timezone.now()
    rate = capacity / per_seconds
    with transaction.atomic():
        bucket = TokenBucket.objects.select_for_update().filter(key=key).first()
        if bucket is None:
            bucket = TokenBucket(key=key, tokens=float(capacity), updated_at=now)
        elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
        bucket.tokens = min(float(capacity), bucket.tokens + elapsed * rate)
        bucket.updated_at = now
        allowed = bucket.tokens >= cost
        if allowed:
            bucket.tokens -= cost
        bucket.save()
    return allowed


def peek(key: str, *, capacity: int, per_seconds: float) -> float:
    bucket = TokenBucket.objects.filter(key=key).first()
    if bucket is None:
        return float(capacity)
    elapsed = max(0.0, (timezone.now() - bucket.updated_at).total_seconds())
    return min(float(capacity), bucket.tokens + elapsed * capacity / per_seconds)


def reset(key: str) -> None:
    TokenBucket.objects.filter(key=key).delete()
