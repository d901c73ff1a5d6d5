"""Login page and API token: Chinese errors, throttling after repeated failures, JSON error format."""

import pytest
from django.test import Client

from anjian.conftest import PASSWORD
from anjian.core.models import AuditEntry


def test_token_login_and_use(world):
    c = Client()
    r = c.post(
        "/api/v1/auth/token/", {"username": "admin", "password": PASSWORD}, content_type="application/json"
    )
    assert r.status_code == 200
    token = r.json()["token"]
    r = Client().get("/api/v1/auth/token/", HTTP_AUTHORIZATION=f"Token {token}")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "method_not_allowed"
    assert AuditEntry.objects.filter(action="login", actor=world.admin).exists()


def test_wrong_password_answers_json_in_chinese(world):
    r = Client().post(
        "/api/v1/auth/token/", {"username": "admin", "password": "x" * 12}, content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json() == {"error": {"code": "not_authenticated", "message": "用户名或密码错误。", "fields": {}}}


def test_missing_fields(world):
    r = Client().post("/api/v1/auth/token/", {"username": ""}, content_type="application/json")
    body = r.json()["error"]
    assert r.status_code == 400 and body["code"] == "invalid"
    assert body["fields"]["username"] == ["请填写用户名。"] and body["fields"]["password"] == ["请填写密码。"]


def test_malformed_json_is_400_not_500(world):
    r = Client().post("/api/v1/auth/token/", "{not json", content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "parse_error"


def test_token_endpoint_is_throttled(world, settings):
    settings.LOGIN_MAX_FAILURES = 3
    c = Client()
    for _ in range(3):
        r = c.post(
            "/api/v1/auth/token/",
            {"username": "admin", "password": "wrong-password!"},
            content_type="application/json",
        )
    assert r.status_code == 429
    # Even the right password is refused while locked.
    r = c.post(
        "/api/v1/auth/token/", {"username": "admin", "password": PASSWORD}, content_type="application/json"
    )
    assert r.status_code == 429 and "分钟后再试" in r.json()["error"]["message"]


def test_login_page_throttles_one_account_not_others(world, settings):
    settings.LOGIN_MAX_FAILURES = 3
    c = Client()
    for _ in range(3):
        r = c.post("/accounts/login/", {"username": "worker_a", "password": "wrong-password!"})
    assert "登录失败次数过多" in r.content.decode()
    r = c.post("/accounts/login/", {"username": "worker_a", "password": PASSWORD})
    assert r.status_code == 200 and "登录失败次数过多" in r.content.decode()
    r = Client().post("/accounts/login/", {"username": "worker_b", "password": PASSWORD})
    assert r.status_code == 302


def test_login_page_success_and_wrong_password(world):
    c = Client()
    r = c.post("/accounts/login/", {"username": "admin", "password": "nope-nope-nope"})
    assert "用户名或密码错误" in r.content.decode()
    r = c.post("/accounts/login/", {"username": "admin", "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert c.get("/").status_code == 200


def test_unauthenticated_api_is_401_json(db):
    r = Client().get("/api/v1/auth/token/")
    assert r.status_code == 405
    r = Client().get("/api/v1/does-not-exist/")
    assert r.status_code == 404
    assert r.json()["error"] == {"code": "not_found", "message": "对象不存在或无权访问。", "fields": {}}


def test_pages_require_login(db):
    r = Client().get("/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/accounts/login/")


def test_password_rules(world):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("short-pw-1")
    with pytest.raises(ValidationError):
        validate_password("123456789012")
    validate_password("Fenghuang-Safety-2026")


def test_argon2_is_the_production_hasher(settings):
    hashers = [h for h in settings.PASSWORD_HASHERS if "MD5" not in h]
    assert hashers[0].endswith("Argon2PasswordHasher")
    from django.contrib.auth.hashers import make_password

    assert make_password("Fenghuang-Safety-2026", hasher="argon2").startswith("argon2$")


def test_security_headers(world):
    r = world.client(world.admin).get("/")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
