"""Login with throttling: after LOGIN_MAX_FAILURES failures within LOGIN_LOCK_SECONDS, an account (and,
more generously, a client address) is refused until the bucket refills."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest

from anjian.core import audit, throttle
from anjian.core.middleware import client_ip

LOCKED_MESSAGE = "登录失败次数过多，账号已临时锁定，请 {minutes} 分钟后再试。"
INVALID_MESSAGE = "用户名或密码错误。"


def _keys(username: str, ip: str) -> tuple[str, str]:
    return f"login:user:{username.strip().lower()[:150]}", f"login:ip:{ip}"


def _limits() -> tuple[int, int]:
    return settings.LOGIN_MAX_FAILURES, settings.LOGIN_LOCK_SECONDS


def is_locked(username: str, ip: str) -> bool:
    capacity, seconds = _limits()
    user_key, ip_key = _keys(username, ip)
    return (
        throttle.peek(user_key, capacity=capacity, per_seconds=seconds) < 1
        or throttle.peek(ip_key, capacity=capacity * 4, per_seconds=seconds) < 1
    )


def register_failure(username: str, ip: str) -> None:
    capacity, seconds = _limits()
    user_key, ip_key = _keys(username, ip)
    throttle.consume(user_key, capacity=capacity, per_seconds=seconds)
    throttle.consume(ip_key, capacity=capacity * 4, per_seconds=seconds)


def register_success(username: str, ip: str) -> None:
    throttle.reset(_keys(username, ip)[0])


def locked_message() -> str:
    return LOCKED_MESSAGE.format(minutes=max(1, settings.LOGIN_LOCK_SECONDS // 60))


def login_user(request: HttpRequest, username: str, password: str) -> tuple[Any, str]:
    """(user, '') on success, (None, Chinese reason) otherwise; failures are throttled and audited."""
    ip = client_ip(request)
    if is_locked(username, ip):
        return None, locked_message()
    user = authenticate(request, username=username, password=password)
    if user is None:
        register_failure(username, ip)
        audit.record(actor=None, action="login_failed", object_type="org.user", object_repr=username[:150])
        if is_locked(username, ip):
            return None, locked_message()
        return None, INVALID_MESSAGE
    register_success(username, ip)
    audit.record(actor=user, action="login", obj=user)
    return user, ""


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login page form: Chinese messages and throttling."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password") or ""
        if not username or not password:
            raise forms.ValidationError("请输入用户名和密码。")
        user, error = login_user(self.request, username, password)  # type: ignore[arg-type]
        if user is None:
            raise forms.ValidationError(error)
        self.confirm_login_allowed(user)
        self.user_cache = user
        return self.cleaned_data
