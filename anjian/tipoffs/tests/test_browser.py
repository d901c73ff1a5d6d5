"""The whole journey in Chromium at phone width (375 × 812): a reporter submits a tip with a photo, reads
its status with the code and secret; the tip officer triages it to verified with a fine; the street
admin approves the reward; the officer pays it; the reporter sees the feedback and the reward."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from anjian.conftest import browser_login
from anjian.tipoffs.models import Tipoff
from anjian.tipoffs.tests.conftest import jpeg_with_gps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def act(page, action, fill=None):
    """Open an action on the tip detail page, fill it, submit, wait for the page to come back."""
    if not page.is_visible(
        f"details[data-action={action}] button[type=submit]"
    ):  # a sole action opens by itself
        page.click(f"details[data-action={action}] summary")
    if fill:
        fill(page)
    with page.expect_navigation():
        page.click(f"details[data-action={action}] button[type=submit]")
    alerts = page.locator(".alert").all_inner_texts()
    assert page.locator(".alert-success").count() >= 1, (
        action,
        alerts,
        page.locator(".invalid-feedback").all_inner_texts(),
    )


def test_phone_journey_from_report_to_paid_reward(world, live_server, browser_page):
    reporter = browser_page(375, 812)
    reporter.goto(f"{live_server.url}/report/")
    reporter.click("label.cat-option:has-text('消防通道堵塞')")
    reporter.fill(
        "textarea[name=description]", "三楼安全出口被铁链锁住，楼道里堆满纸箱，晚上有人在里面加班。"
    )
    reporter.locator("#pick-map").click(position={"x": 150, "y": 120})
    assert reporter.input_value("input[name=lat]")
    reporter.fill("input[name=address]", "甲社区工业路 8 号三楼")
    reporter.set_input_files(
        "input[name=photos]",
        files=[{"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}],
    )
    assert "已选择 1 张照片" in reporter.inner_text("#photo-label")
    reporter.click("label.mode-option:has-text('实名举报')")
    reporter.fill("input[name=phone]", "13912345678")
    reporter.fill("input[name=name]", "张举报人")
    reporter.wait_for_selector("#challenge-status:has-text('安全校验已完成')")
    with reporter.expect_navigation():
        reporter.click("#report-submit")
    assert reporter.url.endswith("/report/done/")
    code = reporter.inner_text("#receipt-code").strip()
    secret = reporter.inner_text("#receipt-secret").strip()
    reporter.click("button[data-copy-both]")
    expect(reporter.locator("#copy-status")).to_contain_text("复制")

    def read_status():
        reporter.goto(f"{live_server.url}/report/status/")
        reporter.fill("input[name=code]", code)
        reporter.fill("input[name=secret]", secret)
        with reporter.expect_navigation():
            reporter.click("button[type=submit]")
        return reporter

    assert read_status().inner_text("#status-label") == "已接收"
    tip = Tipoff.objects.get(code=code)
    assert tip.identity_ciphertext and "13912345678" not in tip.identity_ciphertext

    officer = browser_page(375, 812)
    browser_login(officer, live_server, "tip_officer")
    detail = f"{live_server.url}/tipoffs/{tip.pk}/"
    officer.goto(detail)
    assert "张举报人" not in officer.content()
    act(officer, "accept")
    act(
        officer,
        "assign",
        lambda p: (
            p.check("input[name='assign-kind'][value=grid]"),
            p.select_option("select[name='assign-grid']", str(world.grid_a1.pk)),
        ),
    )
    act(
        officer,
        "verify",
        lambda p: (
            p.check("input[name='verify-result'][value=true]"),
            p.fill("textarea[name='verify-note']", "现场核实，安全出口确被锁闭。"),
        ),
    )
    act(
        officer,
        "handle",
        lambda p: (
            p.fill("textarea[name='handle-enforcement_action']", "责令立即整改，依法罚款。"),
            p.fill("input[name='handle-fine_amount']", "50000"),
        ),
    )
    assert "¥7,500" in officer.inner_text("#reward-preview")
    act(officer, "decide_reward")
    assert officer.inner_text("#reward-amount") == "¥7,500"

    admin = browser_page(375, 812)
    browser_login(admin, live_server, "admin")
    admin.goto(detail)
    act(admin, "approve_reward", lambda p: p.fill("input[name='approve-note']", "同意发放"))

    officer.goto(detail)
    act(
        officer,
        "pay_reward",
        lambda p: (
            p.select_option("select[name='pay-method']", "bank_transfer"),
            p.fill("input[name='pay-reference']", "BK-2026-001"),
            p.set_input_files(
                "input[name='pay-receipt']",
                files=[{"name": "回单.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}],
            ),
        ),
    )
    act(
        officer,
        "feedback",
        lambda p: p.fill(
            "textarea[name='feedback-text']", "经核查属实，已责令整改并罚款，奖励已发放，感谢您的举报！"
        ),
    )
    act(officer, "close")
    tip.refresh_from_db()
    assert tip.status == "closed" and tip.reward.paid_on == timezone.localdate()

    page = read_status()
    assert page.inner_text("#status-label") == "已办结"
    assert "经核查属实，已责令整改并罚款" in page.inner_text("#feedback")
    reward = page.inner_text("#reward")
    assert "¥7,500" in reward and "已于" in reward and "发放" in reward
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"status page overflows the phone screen ({width}px)"
