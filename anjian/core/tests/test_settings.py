"""Settings come from the environment; bad values are refused with a clear message."""

from pathlib import Path

import pytest

from anjian.config import env


def test_bool(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env.env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "perhaps")
    with pytest.raises(env.ConfigError, match="X_FLAG"):
        env.env_bool("X_FLAG")


def test_int_bounds(monkeypatch):
    monkeypatch.setenv("PORT", "70000")
    with pytest.raises(env.ConfigError, match="at most 65535"):
        env.env_int("PORT", 8000, minimum=1, maximum=65535)
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(env.ConfigError, match="whole number"):
        env.env_int("PORT", 8000)


def test_urls(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "http://localhost")
    with pytest.raises(env.ConfigError, match="scheme"):
        env.env_url("REDIS_URL", ("redis",))
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert env.env_url("REDIS_URL", ("redis",)) == "redis://127.0.0.1:6379/0"


def test_database_urls():
    base = Path("/srv/anjian")
    assert env.database_from_url("", base)["NAME"] == "/srv/anjian/var/anjian.sqlite3"
    assert env.database_from_url("sqlite:////tmp/x.db", base)["NAME"] == "/tmp/x.db"
    pg = env.database_from_url("postgres://u:p%40ss@db.local:6543/anjian?sslmode=require", base)
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "u",
        "p@ss",
        "db.local",
        "6543",
        "anjian",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    with pytest.raises(env.ConfigError, match="database name"):
        env.database_from_url("postgres://u@h/", base)
    with pytest.raises(env.ConfigError):
        env.database_from_url("mysql://u@h/db", base)


def test_bounds(monkeypatch):
    monkeypatch.setenv("GEO_BOUNDS", "22.4,113.7,22.9,114.1")
    assert env.env_bounds("GEO_BOUNDS", (0, 0, 1, 1)) == (22.4, 113.7, 22.9, 114.1)
    monkeypatch.setenv("GEO_BOUNDS", "22.9,113.7,22.4,114.1")
    with pytest.raises(env.ConfigError):
        env.env_bounds("GEO_BOUNDS", (0, 0, 1, 1))


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai"


def test_intcomma_groups_thousands_in_chinese_pages_but_plain_numbers_stay_plain():
    from django.contrib.humanize.templatetags.humanize import intcomma
    from django.template import Context, Template
    from django.utils import translation

    with translation.override("zh-hans"):
        assert intcomma(1001146) == "1,001,146"
        assert Template("{{ n }}").render(Context({"n": 1001146})) == "1001146"  # form values, ids


def test_env_example_documents_every_setting_read_from_the_environment():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    source = (root / "anjian" / "config" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'env_[a-z_]+\(\s*"([A-Z0-9_]+)"', source))
    documented = set(
        re.findall(r"^#?\s*([A-Z0-9_]+)=", (root / ".env.example").read_text(encoding="utf-8"), re.M)
    )
    assert names and not names - documented, f"undocumented in .env.example: {sorted(names - documented)}"


def test_production_refuses_test_mode():
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    env_vars = {
        **os.environ,
        "ANJIAN_PRODUCTION": "true",
        "ANJIAN_TESTING": "true",
        "SECRET_KEY": "s" * 40,
        "TIPOFF_ENCRYPTION_KEY": "uVpY3b8Qy1m0A5N0kq7S0bQ2k8u6m3vXq2yS6z1fM0s=",
        "DJANGO_SETTINGS_MODULE": "anjian.config.settings",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=root,
        env=env_vars,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "ANJIAN_TESTING=true" in result.stderr
