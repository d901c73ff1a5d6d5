"""API of the Excel import: POST /api/v1/enterprise-imports/ (202 + job) and GET the job's status and errors."""

from __future__ import annotations

from typing import Any

import pytest

from anjian.conftest import make_uscc
from anjian.enterprises.models import Enterprise, ImportJob
from anjian.enterprises.tests.test_import import png_bytes, row, upload, xlsx_bytes

URL = "/api/v1/enterprise-imports/"


def test_upload_answers_202_then_status_shows_counts_and_errors(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = world.client(world.worker_a)
    data = xlsx_bytes(
        [row(uscc=make_uscc(1001), name="接口导入企业"), row(uscc=make_uscc(1002), community="乙社区")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": upload(data, "接口.xlsx")})
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["original_name"] == "接口.xlsx" and body["status"] in ("pending", "done")
    status = client.get(f"{URL}{body['id']}/")
    assert status.status_code == 200
    job = status.json()
    assert (job["status"], job["finished"], job["percent"]) == ("done", True, 100)
    assert (job["total_rows"], job["created_count"], job["updated_count"], job["rejected_count"]) == (
        2,
        1,
        0,
        1,
    )
    assert job["errors"] == [
        {
            "row": 3,
            "uscc": make_uscc(1002),
            "name": "新登记五金加工厂",
            "reasons": ["您只能导入本社区（甲社区）的企业，不能导入乙社区的企业。"],
        }
    ]
    assert job["errors_file"].endswith(f"/import/{body['id']}/errors/")
    assert Enterprise.objects.filter(uscc=make_uscc(1001), community=world.community_a).exists()


def test_status_of_someone_elses_job_is_404(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client(world.worker_a).post(URL, {"file": upload(xlsx_bytes([row()]))})
    job_id = response.json()["id"]
    for user, code in ((world.worker_b, 404), (world.office, 404), (world.admin, 200), (world.worker_a, 200)):
        answer = world.client(user).get(f"{URL}{job_id}/")
        assert answer.status_code == code
        if code == 404:
            assert answer.json()["error"]["code"] == "not_found"
    assert [j["id"] for j in world.client(world.worker_b).get(URL).json()["results"]] == []
    assert [j["id"] for j in world.client(world.admin).get(URL).json()["results"]] == [job_id]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (png_bytes(), "文件不是有效的 Excel 工作簿（.xlsx）"),
        (b"\x00\x01\x02 random", "文件不是有效的 Excel 工作簿（.xlsx）"),
    ],
)
def test_bad_files_answer_400_in_the_error_format(world: Any, data: bytes, message: str) -> None:
    response = world.client(world.admin).post(URL, {"file": upload(data, "伪装.xlsx")})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and message in error["message"]
    assert not ImportJob.objects.exists()


def test_missing_file_and_oversized_file(world: Any, settings: Any) -> None:
    client = world.client(world.admin)
    response = client.post(URL, {})
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]
    settings.IMPORT_MAX_BYTES = 1024
    response = client.post(URL, {"file": upload(xlsx_bytes([row()]))})
    assert response.status_code == 400 and "文件过大" in response.json()["error"]["message"]


@pytest.mark.parametrize("who", ["inspector_a1", "officer_a", "cadre"])
def test_roles_without_import_permission_get_403(world: Any, who: str) -> None:
    response = world.client(getattr(world, who)).post(URL, {"file": upload(xlsx_bytes([row()]))})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "没有执行此操作的权限。"
    assert not ImportJob.objects.exists()


def test_anonymous_is_refused(db: Any) -> None:
    from django.test import Client

    assert Client().get(URL).status_code in (401, 403)
