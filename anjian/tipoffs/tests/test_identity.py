"""Reporter protection: identity sealed at rest, revealed only to the tip officer (audited), and never
found in pages of other roles, API answers, Open311, exports, notifications, audit rows or logs."""

from __future__ import annotations

import io
import logging

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from anjian.config.env import ConfigError, env_fernet_keys
from anjian.core.errors import ServiceError
from anjian.core.models import AuditEntry
from anjian.notifications.models import Notification
from anjian.tipoffs import identity, services
from anjian.tipoffs.identity import ReporterIdentity
from anjian.tipoffs.models import Tipoff
from anjian.tipoffs.tests.conftest import (
    REPORTER_EMAIL,
    REPORTER_NAME,
    REPORTER_PHONE,
    jpeg_with_gps,
    rule,
    submit,
    to_handled,
)

SECRETS = (REPORTER_NAME, REPORTER_PHONE, REPORTER_EMAIL, "139 1234 5678", "139-1234-5678")


def assert_clean(text: str, where: str) -> None:
    for value in SECRETS:
        assert value not in text, f"reporter identity ({value}) leaked in {where}"


@pytest.fixture
def paid_tip(world):
    """A named tip taken all the way to a paid reward, so every page has something to show."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    tip, _ = submit(world)
    to_handled(world, tip, fine="50000")
    services.decide_reward(tip.pk, actor=world.tip_officer, rule=rule())
    services.approve_reward(tip.pk, actor=world.admin)
    services.pay_reward(
        tip.pk,
        actor=world.tip_officer,
        amount="7500",
        paid_on=timezone.localdate(),
        method="bank_transfer",
        receipt=SimpleUploadedFile("回单.jpg", jpeg_with_gps()),
    )
    services.give_feedback(tip.pk, actor=world.tip_officer, text="经查属实，奖励已发放。")
    return Tipoff.objects.get(pk=tip.pk)


def test_identity_is_encrypted_at_rest(world):
    tip, _ = submit(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM tipoffs_tipoff WHERE id = %s", [tip.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert_clean(row, "the database row")
    assert identity.unseal(tip.identity_ciphertext).phone == REPORTER_PHONE


def test_wrong_key_is_a_clear_error_and_rotation_works(world, settings):
    tip, _ = submit(world)
    old = settings.TIPOFF_ENCRYPTION_KEYS
    settings.TIPOFF_ENCRYPTION_KEYS = (Fernet.generate_key().decode(),)
    with pytest.raises(ServiceError, match="密钥不匹配"):
        identity.unseal(tip.identity_ciphertext)
    settings.TIPOFF_ENCRYPTION_KEYS = (
        Fernet.generate_key().decode(),
        *old,
    )  # new key first, old still decrypts
    assert identity.unseal(tip.identity_ciphertext).name == REPORTER_NAME
    assert "<sealed>" in repr(identity.unseal(tip.identity_ciphertext))


def test_encryption_key_setting(monkeypatch):
    monkeypatch.delenv("TIPOFF_ENCRYPTION_KEY", raising=False)
    with pytest.raises(ConfigError, match="required"):
        env_fernet_keys("TIPOFF_ENCRYPTION_KEY", fallback_secret="x" * 40, required=True)
    derived = env_fernet_keys("TIPOFF_ENCRYPTION_KEY", fallback_secret="x" * 40, required=False)
    assert len(derived) == 1 and Fernet(derived[0].encode())
    monkeypatch.setenv("TIPOFF_ENCRYPTION_KEY", "not-a-key")
    with pytest.raises(ConfigError, match="not a Fernet key"):
        env_fernet_keys("TIPOFF_ENCRYPTION_KEY", fallback_secret="x" * 40, required=True)
    a, b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("TIPOFF_ENCRYPTION_KEY", f"{a}, {b}")
    assert env_fernet_keys("TIPOFF_ENCRYPTION_KEY", fallback_secret="", required=True) == (a, b)


def test_pages_of_every_role_except_tip_officer(world, paid_tip):
    pk = paid_tip.pk
    paths = [
        "/tipoffs/",
        f"/tipoffs/{pk}/",
        "/tipoffs/map/",
        "/tipoffs/map/data/",
        "/tipoffs/stats/",
        "/tipoffs/rules/",
        "/inbox/",
        "/audit/",
        "/api/v1/tipoffs/",
        f"/api/v1/tipoffs/{pk}/",
        f"/api/v1/tipoffs/{pk}/timeline/",
        "/",
    ]
    users = [
        world.admin,
        world.office,
        world.cadre,
        world.liaison,
        world.worker_a,
        world.worker_b,
        world.inspector_a1,
        world.inspector_b1,
        world.officer_a,
        world.officer_b,
        world.tip_officer,
    ]
    for user in users:
        client = world.client(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code in (200, 302, 403, 404), (user.username, path, response.status_code)
            assert_clean(response.content.decode(), f"{path} as {user.username}")


def test_enterprise_never_sees_tips_about_itself(world, paid_tip):
    assert paid_tip.enterprise == world.ent_a1
    client = world.client(world.officer_a)
    assert client.get(f"/tipoffs/{paid_tip.pk}/").status_code in (403, 404)
    assert client.get(f"/api/v1/tipoffs/{paid_tip.pk}/").status_code in (403, 404)
    assert client.get("/tipoffs/").status_code == 403
    from anjian.core.uploads import attachments_of

    for att in attachments_of(paid_tip):
        assert client.get(f"/files/{att.uuid}/").status_code == 404


def test_only_tip_officer_can_reveal_and_it_is_audited(world, paid_tip):
    for user in (world.admin, world.office):
        response = world.client(user).post(
            f"/tipoffs/{paid_tip.pk}/reveal/", {"reveal-reason": "需要联系举报人"}
        )
        assert response.status_code == 403
        assert_clean(response.content.decode(), f"reveal as {user.username}")
    client = world.client(world.tip_officer)
    before = client.get(f"/tipoffs/{paid_tip.pk}/").content.decode()
    assert_clean(before, "detail before reveal")
    assert "查看身份" in before
    revealed = client.post(f"/tipoffs/{paid_tip.pk}/reveal/", {"reveal-reason": "核实奖励领取人身份"})
    body = revealed.content.decode()
    assert revealed.status_code == 200 and REPORTER_PHONE in body and REPORTER_NAME in body
    assert "no-store" in revealed["Cache-Control"]
    entry = AuditEntry.objects.get(action="reveal_identity")
    assert entry.actor == world.tip_officer and entry.note == "核实奖励领取人身份"
    after = client.get(f"/tipoffs/{paid_tip.pk}/").content.decode()
    assert_clean(after, "detail after reveal (identity is shown once, never stored in clear)")


def test_api_open311_export_notifications_audit(world, paid_tip):
    for user in (world.admin, world.tip_officer):
        client = world.client(user)
        assert_clean(client.get("/api/v1/tipoffs/").content.decode(), "API list")
        export = client.get("/tipoffs/export/")
        assert export.status_code == 200
        wb = load_workbook(io.BytesIO(export.content))
        sheet = wb.active
        assert sheet is not None
        cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
        assert paid_tip.code in cells
        assert_clean(cells, "the Excel export")
        assert "安全出口被铁链锁住" not in cells  # nor the report text
    public = Client()
    assert_clean(public.get("/open311/v2/requests.json").content.decode(), "Open311 list")
    assert_clean(public.get(f"/open311/v2/requests/{paid_tip.code}.json").content.decode(), "Open311 request")
    assert_clean(public.get(f"/open311/v2/requests/{paid_tip.code}.xml").content.decode(), "Open311 XML")
    for n in Notification.objects.all():
        assert_clean(f"{n.title} {n.body} {n.link}", "a notification")
    assert Notification.objects.exists()
    for entry in AuditEntry.objects.all():
        assert_clean(
            f"{entry.before} {entry.after} {entry.note} {entry.object_repr}", f"audit {entry.action}"
        )
        assert "identity_ciphertext" not in str(entry.before) + str(entry.after)
        assert "secret_digest" not in str(entry.before) + str(entry.after)


def test_logs_never_carry_identity(world, caplog):
    caplog.set_level(logging.DEBUG)
    tip, _ = submit(world)
    services.reveal_identity(tip.pk, actor=world.tip_officer, reason="电话核实线索")
    bad = services.Submission(
        category=tip.category,
        description="短",
        identity=ReporterIdentity(name=REPORTER_NAME, phone=REPORTER_PHONE),
    )
    with pytest.raises(Exception) as exc:
        services.submit_tip(bad)
    assert_clean(str(exc.value) + repr(bad), "the validation error")
    assert_clean(caplog.text, "the logs")


def test_staff_detail_shows_consents_but_not_identity(world, paid_tip):
    body = world.client(world.admin).get(f"/tipoffs/{paid_tip.pk}/").content.decode()
    assert "实名（身份加密保存）" in body and "只有举报受理员可以查看身份" in body
