"""The public form and status page: submission with the local challenge, receipt, status with code and
secret, throttling per client address, body limits, photo metadata stripped, bad input re-rendered."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from anjian.core.models import Attachment
from anjian.core.uploads import attachments_of
from anjian.tipoffs import challenge, services
from anjian.tipoffs.models import TipCategory, Tipoff
from anjian.tipoffs.tests.conftest import REPORTER_NAME, REPORTER_PHONE, jpeg_with_gps, submit, to_verified


def form_data(**extra):
    issued = challenge.issue()
    data = {
        "category": str(TipCategory.objects.get(code="ebike").pk),
        "description": "楼道里有三辆电动车在充电，电线从窗户拉进来。",
        "address": "乙社区幸福路 12 号 2 栋楼道",
        "lat": "",
        "lng": "",
        "mode": "anonymous",
        "challenge": issued["token"],
        "challenge_solution": challenge.solve(issued["token"], int(issued["bits"])),
    }
    data.update(extra)
    return data


def post_report(client: Client, ip: str = "10.1.1.1", **extra):
    return client.post("/report/", form_data(**extra), REMOTE_ADDR=ip)


def test_form_renders_for_anyone(db):
    response = Client().get("/report/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "电动自行车违规停放充电" in body and "challenge-data" in body
    assert "<script>" not in body.replace("<script src=", "")  # CSP: no inline scripts


def test_submit_anonymous_then_read_status(world):
    client = Client()
    response = post_report(client)
    assert response.status_code == 302 and response["Location"] == "/report/done/"
    tip = Tipoff.objects.get()
    assert tip.anonymous and tip.identity_ciphertext == ""
    receipt = client.get("/report/done/")
    body = receipt.content.decode()
    assert tip.code in body and "查询密码只显示这一次" in body
    secret = client.session["tipoff_receipt"]["secret"]
    assert secret in body and secret not in tip.secret_digest
    status = Client().post("/report/status/", {"code": tip.code.lower().replace("-", ""), "secret": secret})
    assert status.status_code == 200
    assert "已接收" in status.content.decode() and "no-store" in status["Cache-Control"]
    wrong = Client().post("/report/status/", {"code": tip.code, "secret": "AAAA-BBBB-CCCC-DDDD"})
    assert wrong.status_code == 400 and "不正确" in wrong.content.decode()


def test_named_report_requires_valid_mobile(world):
    response = post_report(Client(), mode="named", name=REPORTER_NAME, phone="12345")
    assert response.status_code == 400
    assert "手机号格式不正确" in response.content.decode()
    assert not Tipoff.objects.exists()
    missing = post_report(Client(), mode="named", name=REPORTER_NAME, phone="")
    assert "请填写手机号" in missing.content.decode()


def test_named_report_is_sealed(world):
    response = post_report(
        Client(), mode="named", name=REPORTER_NAME, phone=REPORTER_PHONE, contact_consent="on"
    )
    assert response.status_code == 302
    tip = Tipoff.objects.get()
    assert not tip.anonymous and tip.contact_consent
    assert REPORTER_PHONE not in tip.identity_ciphertext and REPORTER_NAME not in tip.identity_ciphertext


def test_bad_input_rerenders_without_saving(world):
    response = post_report(Client(), description="", address="", category="")
    assert response.status_code == 400
    body = response.content.decode()
    assert (
        "请选择举报类别" in body and "请描述发生了什么" in body and "请在地图上点选位置，或填写地点" in body
    )
    assert not Tipoff.objects.exists()


def test_missing_or_replayed_challenge_is_refused(world):
    data = form_data()
    unsolved = dict(data, challenge_solution="")
    assert "安全校验未完成" in Client().post("/report/", unsolved, REMOTE_ADDR="10.2.2.2").content.decode()
    forged = dict(data, challenge="abc:16:zzz")
    assert "安全校验无效" in Client().post("/report/", forged, REMOTE_ADDR="10.2.2.2").content.decode()
    assert Client().post("/report/", data, REMOTE_ADDR="10.2.2.2").status_code == 302
    replay = Client().post("/report/", data, REMOTE_ADDR="10.2.2.2")
    assert "该页面已提交过" in replay.content.decode()
    assert Tipoff.objects.count() == 1


def test_pow_difficulty_is_enforced(settings):
    issued = challenge.issue(bits=12)
    solution = challenge.solve(issued["token"], 12)
    assert challenge.solves(issued["token"], solution, 12)
    weak = next(str(n) for n in range(10_000) if not challenge.solves(issued["token"], str(n), 12))
    assert not challenge.solves(issued["token"], weak, 12)


def test_flooding_one_address_is_throttled_while_others_still_submit(world, settings):
    settings.TIPOFF_RATE_PER_HOUR = 3
    for i in range(3):
        assert (
            post_report(Client(), ip="203.0.113.9", description=f"第 {i + 1} 次：楼道充电").status_code == 302
        )
    flood = post_report(Client(), ip="203.0.113.9", description="第 4 次：楼道充电")
    assert flood.status_code == 429 and "提交过于频繁" in flood.content.decode()
    assert flood["Retry-After"]
    other = post_report(Client(), ip="198.51.100.7", description="另一位居民：楼道充电")
    assert other.status_code == 302
    assert Tipoff.objects.count() == 4


def test_status_lookup_is_throttled_per_code(world):
    tip, _ = submit(world)
    for i in range(10):
        Client().post("/report/status/", {"code": tip.code, "secret": f"WRONG{i}"}, REMOTE_ADDR=f"10.9.0.{i}")
    blocked = Client().post("/report/status/", {"code": tip.code, "secret": "WRONG"}, REMOTE_ADDR="10.9.1.1")
    assert blocked.status_code == 429


def test_body_size_limit(world, settings):
    settings.TIPOFF_MAX_BODY_BYTES = 64 * 1024
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (80 * 1024), content_type="image/jpeg")
    response = Client().post("/report/", form_data(photos=big), REMOTE_ADDR="10.3.3.3")
    assert response.status_code == 413 and "提交内容过大" in response.content.decode()
    assert not Tipoff.objects.exists()


def test_photo_exif_gps_is_stripped(world):
    raw = jpeg_with_gps()
    assert b"SpyPhone" in raw
    photo = SimpleUploadedFile("现场.jpg", raw, content_type="image/jpeg")
    response = post_report(Client(), photos=[photo])
    assert response.status_code == 302
    tip = Tipoff.objects.get()
    [att] = attachments_of(tip)
    stored = att.file.read()
    assert b"SpyPhone" not in stored
    img = Image.open(io.BytesIO(stored))
    assert not img.getexif() and 0x8825 not in img.getexif()


def test_renamed_non_image_is_refused_without_half_save(world):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = post_report(Client(), photos=[fake])
    assert response.status_code == 400
    assert "第 1 张照片" in response.content.decode()
    assert not Tipoff.objects.exists() and not Attachment.objects.exists()


def test_too_many_photos(world):
    photos = [SimpleUploadedFile(f"{i}.jpg", jpeg_with_gps(), content_type="image/jpeg") for i in range(5)]
    response = post_report(Client(), photos=photos)
    assert response.status_code == 400 and "最多上传 4 张" in response.content.decode()


def test_reporter_sees_feedback_and_reward(world):
    tip, secret = submit(world)
    to_verified(world, tip)
    services.give_feedback(tip.pk, actor=world.tip_officer, text="经核查属实，已责令整改。感谢您的举报！")
    page = Client().post("/report/status/", {"code": tip.code, "secret": secret}).content.decode()
    assert "经核查属实，已责令整改" in page and "查证属实" in page
    assert "现场核实" not in page  # the internal verification note stays internal


def test_merged_report_follows_the_matter(world):
    first, _ = submit(world)
    second, secret = submit(world, description="同一处安全出口锁闭")
    services.merge_tip(second.pk, actor=world.tip_officer, into_id=first.pk)
    page = Client().post("/report/status/", {"code": second.code, "secret": secret}).content.decode()
    assert "已合并处理" in page


@pytest.mark.parametrize("path", ["/report/", "/report/status/"])
def test_public_pages_need_no_login(db, path):
    assert Client().get(path).status_code == 200
