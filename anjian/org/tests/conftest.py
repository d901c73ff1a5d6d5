"""Helpers for the organisation tests: extra electroplating enterprises and small images."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from anjian.conftest import make_uscc


@pytest.fixture
def plating(world: Any) -> Callable[..., list[Any]]:
    """make(n, community=None) → n new electroplating enterprises (community A by default)."""
    from anjian.enterprises.models import Enterprise, KeyCategory

    cat = KeyCategory.objects.get(code="electroplating")
    counter = iter(range(100, 10_000))

    def make(n: int, community: Any = None) -> list[Any]:
        community = community or world.community_a
        out = []
        for _ in range(n):
            serial = next(counter)
            e = Enterprise.objects.create(
                name=f"电镀厂{serial}", uscc=make_uscc(serial), community=community, grid=None
            )
            e.categories.add(cat)
            out.append(e)
        return out

    return make


def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (40, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")
