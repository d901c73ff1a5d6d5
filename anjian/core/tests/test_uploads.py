"""Uploads: type from content, size limits, images re-encoded without EXIF (GPS), stored outside the web root."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from anjian.core.uploads import attachments_of, sniff, store_attachment, validate_upload


def jpeg_with_gps() -> bytes:
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (22.0, 36.0, 0.0), 3: "E", 4: (113.0, 51.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_exif_gps_is_stripped(world, _media_root):
    raw = jpeg_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get(0x010F) == "SpyCam"
    att = store_attachment(SimpleUploadedFile("现场.jpg", raw), owner=world.ent_a1, actor=world.admin)
    stored = att.file.read()
    img = Image.open(io.BytesIO(stored))
    assert not img.getexif()
    assert b"SpyCam" not in stored
    assert att.mime_type == "image/jpeg" and att.width == 64
    assert str(_media_root) in att.file.path  # outside the static/web root
    assert list(attachments_of(world.ent_a1)) == [att]


def test_renamed_non_image_is_rejected(db):
    with pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image"), kinds=("image",))
    assert "不支持的文件类型" in exc.value.messages[0]


def test_truncated_image_is_rejected(db):
    data = jpeg_with_gps()[:40]
    with pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile("a.jpg", data), kinds=("image",))
    assert "损坏" in exc.value.messages[0]


def test_size_limit(settings, db):
    settings.UPLOAD_MAX_BYTES = 2048
    with pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * 4096), kinds=("image",))
    assert "文件过大" in exc.value.messages[0]


def test_empty_file(db):
    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile("empty.jpg", b""), kinds=("image",))


def test_sniffing():
    assert sniff(b"%PDF-1.7") == "application/pdf"
    assert sniff(b"\x89PNG\r\n\x1a\n") == "image/png"
    assert sniff(b"PK\x03\x04", b"PK\x03\x04garbage") == ""


def test_file_view_is_scoped(world):
    att = store_attachment(
        SimpleUploadedFile("a.jpg", jpeg_with_gps()), owner=world.ent_a1, actor=world.admin
    )
    url = f"/files/{att.uuid}/"
    ok = world.client(world.worker_a).get(url)
    assert ok.status_code == 200 and ok["Content-Type"] == "image/jpeg"
    assert world.client(world.worker_b).get(url).status_code == 404
    assert world.client(world.officer_a).get(url).status_code == 200
    assert world.client(world.officer_b).get(url).status_code == 404
