"""Excel import of the register (CONTRACTS.md §6): headers, row reasons, updates by USCC, scope, audit."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from anjian.conftest import make_uscc
from anjian.core.audit import verify_chain
from anjian.core.models import AuditEntry
from anjian.enterprises import importer
from anjian.enterprises.choices import EnterpriseEventType, ImportStatus, OperatingStatus
from anjian.enterprises.importer import HEADERS
from anjian.enterprises.models import Enterprise, EnterpriseEvent, ImportJob

CONTRACT_HEADERS = (
    "企业名称",
    "统一社会信用代码",
    "所属社区",
    "所属网格",
    "行业类别",
    "重点监管类型",
    "详细地址",
    "经度",
    "纬度",
    "法定代表人",
    "安全负责人",
    "联系电话",
    "从业人数",
    "经营状态",
)


def xlsx_bytes(rows: list[list[Any]], headers: tuple[str, ...] | list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws: Any = wb.active
    ws.title = "企业台账"
    ws.append(list(headers))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def wrong_check(uscc: str) -> str:
    """The USCC with a wrong 18th character."""
    return uscc[:17] + ("1" if uscc[17] != "1" else "2")


def upload(data: bytes, name: str = "台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def row(**kw: Any) -> list[Any]:
    """A full row in template order; keyword arguments use the column keys of importer.COLUMNS."""
    values = {
        "name": "新登记五金加工厂",
        "uscc": make_uscc(101),
        "community": "甲社区",
        "grid": "甲一网格",
        "industry": "制造业",
        "categories": "电镀、有限空间作业",
        "address": "宝安区甲路 8 号",
        "lng": 113.851,
        "lat": 22.601,
        "legal_representative": "王五",
        "safety_officer": "赵六",
        "phone": "13812345678",
        "employees": 30,
        "status": "在营",
    }
    values.update(kw)
    return [values[c.key] for c in importer.COLUMNS]


def run_import(
    django_capture_on_commit_callbacks: Any, user: Any, data: bytes, name: str = "台账.xlsx"
) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = importer.start_import(upload(data, name), actor=user)
    job.refresh_from_db()
    return job


def reasons_of(job: ImportJob, number: int) -> list[str]:
    for error in job.errors:
        if error["row"] == number:
            return list(error["reasons"])
    raise AssertionError(f"row {number} was not rejected: {job.errors}")


# ------------------------------------------------------------------------------------------ contract


def test_headers_are_exactly_the_contract() -> None:
    assert HEADERS == CONTRACT_HEADERS
    assert importer.REQUIRED_HEADERS == ("企业名称", "统一社会信用代码", "所属社区")


def test_headers_in_any_order_and_unknown_columns_warned(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    headers = ["备注", "所属社区", "企业名称", "统一社会信用代码 *", "联系电话"]
    data = xlsx_bytes([["随便写写", "甲社区", "乱序表头测试店", make_uscc(120), "0755-12345678"]], headers)
    job = run_import(django_capture_on_commit_callbacks, world.admin, data)
    assert job.status == ImportStatus.DONE, job.message
    assert job.created_count == 1
    assert job.warnings == ["第 A 列「备注」不是模板中的列，已忽略。"]
    ent = Enterprise.objects.get(uscc=make_uscc(120))
    assert (ent.name, ent.community, ent.phone) == ("乱序表头测试店", world.community_a, "0755-12345678")
    assert ent.status == OperatingStatus.OPERATING


def test_missing_required_column_rejects_whole_file(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    headers = [h for h in HEADERS if h != "统一社会信用代码"]
    data = xlsx_bytes([["某企业", "甲社区"] + [""] * 11], headers)
    count = Enterprise.objects.count()
    job = run_import(django_capture_on_commit_callbacks, world.admin, data)
    assert job.status == ImportStatus.FAILED
    assert "缺少必填列：统一社会信用代码" in job.message
    assert Enterprise.objects.count() == count
    page = world.client(world.admin).get(reverse("enterprises:import_status", args=[job.pk]))
    assert "缺少必填列：统一社会信用代码" in page.content.decode()


def test_duplicate_header_and_empty_sheet_rejected(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = run_import(django_capture_on_commit_callbacks, world.admin, xlsx_bytes([], [*HEADERS, "企业名称"]))
    assert job.status == ImportStatus.FAILED
    assert "表头「企业名称」出现了两次（第 A 列和第 O 列）" in job.message
    job = run_import(django_capture_on_commit_callbacks, world.admin, xlsx_bytes([], []))
    assert job.status == ImportStatus.FAILED
    assert "第 1 行没有表头" in job.message


# ------------------------------------------------------------------------------- good and bad rows


def test_upload_page_good_and_bad_rows(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    client = world.client(world.admin)
    page = client.get(reverse("enterprises:import"))
    assert page.status_code == 200
    assert "下载导入模板" in page.content.decode()
    data = xlsx_bytes(
        [
            row(name="好企业一号", uscc=make_uscc(201)),
            row(name="坏企业", uscc=wrong_check(make_uscc(202)), phone="12345"),
            [],  # a blank row is skipped, and keeps the Excel numbering of the rows after it
            row(name="好企业二号", uscc=make_uscc(203), grid="", categories="", lat=None, lng=None),
            row(name="", uscc=make_uscc(204), community="丙社区"),
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("enterprises:import"), {"file": upload(data)})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:import_status", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.total_rows, job.processed_rows) == (4, 4)
    assert (job.created_count, job.updated_count, job.rejected_count) == (2, 0, 2)
    assert [e["row"] for e in job.errors] == [3, 6]
    expected = make_uscc(202)[17]
    assert any(f"第 18 位应为 {expected}" in r for r in reasons_of(job, 3))
    assert any("电话号码格式不正确" in r for r in reasons_of(job, 3))
    assert reasons_of(job, 6)[0] == "企业名称不能为空。"
    assert any("所属社区「丙社区」不存在（可选：甲社区、乙社区）" in r for r in reasons_of(job, 6))
    assert set(
        Enterprise.objects.filter(uscc__in=[make_uscc(n) for n in (201, 203)]).values_list("name", flat=True)
    ) == {
        "好企业一号",
        "好企业二号",
    }
    ent = Enterprise.objects.get(uscc=make_uscc(201))
    assert ent.grid == world.grid_a1
    assert sorted(ent.categories.values_list("code", flat=True)) == ["confined_space", "electroplating"]
    assert (ent.lat, ent.lng, ent.employees, ent.industry) == (22.601, 113.851, 30, "C")
    ent.full_clean()  # what the import saved satisfies every model rule

    html = client.get(reverse("enterprises:import_status", args=[job.pk])).content.decode()
    for text in ("新增", "拒绝", "坏企业", f"第 18 位应为 {expected}", "下载被拒绝的行"):
        assert text in html
    assert "hx-trigger" not in html  # finished: no more polling

    download = client.get(reverse("enterprises:import_errors", args=[job.pk]))
    assert download.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0]
    values: list[Any] = list(ws.iter_rows(values_only=True))
    assert values[0] == (*HEADERS, "错误原因")
    assert [v[0] for v in values[1:]] == ["坏企业", None]
    assert "第 18 位应为" in values[1][-1] and "电话号码格式不正确" in values[1][-1]
    csv = client.get(reverse("enterprises:import_errors", args=[job.pk]) + "?format=csv")
    assert csv.content.decode("utf-8-sig").splitlines()[0].endswith("错误原因")


def test_fixed_error_file_can_be_reimported(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    data = xlsx_bytes([row(uscc=make_uscc(210), status="营业中")])
    job = run_import(django_capture_on_commit_callbacks, world.admin, data)
    assert job.rejected_count == 1
    client = world.client(world.admin)
    raw = b"".join(client.get(reverse("enterprises:import_errors", args=[job.pk])).streaming_content)
    wb = load_workbook(io.BytesIO(raw))
    wb.worksheets[0].cell(row=2, column=HEADERS.index("经营状态") + 1, value="停业")
    fixed = io.BytesIO()
    wb.save(fixed)
    again = run_import(django_capture_on_commit_callbacks, world.admin, fixed.getvalue())
    assert (again.created_count, again.rejected_count, again.warnings) == (1, 0, [])
    assert Enterprise.objects.get(uscc=make_uscc(210)).status == OperatingStatus.SUSPENDED


REASONS = [
    ({"uscc": wrong_check(make_uscc(301))}, f"校验位错误：第 18 位应为 {make_uscc(301)[17]}"),
    ({"uscc": "91440306ABC"}, "统一社会信用代码应为 18 位，当前为 11 位。"),
    ({"uscc": ""}, "统一社会信用代码不能为空。"),
    ({"community": "丙社区"}, "所属社区「丙社区」不存在（可选：甲社区、乙社区）。"),
    ({"community": ""}, "所属社区不能为空。"),
    ({"grid": "乙一网格"}, "网格「乙一网格」不属于甲社区（甲社区的网格：甲一网格、甲二网格）。"),
    ({"categories": "电镀、危化品"}, "重点监管类型「危化品」不存在（可选：电镀、有限空间作业"),
    ({"industry": "制造"}, "行业类别「制造」不存在（可选：制造业、建筑业"),
    ({"phone": "1381234567"}, "电话号码格式不正确：1381234567"),
    ({"lng": 200.5}, "经度 200.5 超出合理范围"),
    ({"lat": 95}, "纬度 95.0 超出合理范围"),
    ({"lat": None}, "经度和纬度须同时填写。"),
    ({"lng": "东经113度"}, "经度「东经113度」不是数字。"),
    ({"employees": "约50人"}, "从业人数「约50人」应为不小于 0 的整数。"),
    ({"employees": -3}, "从业人数「-3」应为不小于 0 的整数。"),
    ({"employees": 12.5}, "从业人数「12.5」应为不小于 0 的整数。"),
    ({"status": "营业"}, "经营状态「营业」无效，应为 在营、停业 或 注销。"),
    ({"name": ""}, "企业名称不能为空。"),
    ({"name": "超" * 201}, "企业名称最多 200 个字，当前 201 个字。"),
    ({"address": "址" * 301}, "详细地址最多 300 个字，当前 301 个字。"),
    ({"uscc": importer.EXAMPLE_USCC}, "这是导入模板中的示例行，请删除后再导入。"),
]


@pytest.mark.parametrize(("change", "reason"), REASONS, ids=[r for _, r in REASONS])
def test_each_rejection_reason(
    world: Any, django_capture_on_commit_callbacks: Any, change: dict[str, Any], reason: str
) -> None:
    count = Enterprise.objects.count()
    job = run_import(django_capture_on_commit_callbacks, world.office, xlsx_bytes([row(**change)]))
    assert job.status == ImportStatus.DONE
    assert job.rejected_count == 1
    found = reasons_of(job, 2)
    assert any(reason in r for r in found), found
    assert Enterprise.objects.count() == count


def test_lenient_spellings_are_accepted(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    data = xlsx_bytes(
        [
            row(
                uscc=" " + make_uscc(310).lower() + " ",
                categories="燃气使用（餐饮），三小场所,electroplating",
                industry="H",
                phone="138 1234 5678",
                employees="25",
                lng="113.86",
                lat="22.61",
                status="停业",
            )
        ]
    )
    job = run_import(django_capture_on_commit_callbacks, world.admin, data)
    assert job.created_count == 1, job.errors
    ent = Enterprise.objects.get(uscc=make_uscc(310))
    assert sorted(ent.categories.values_list("code", flat=True)) == [
        "electroplating",
        "gas_catering",
        "three_small",
    ]
    assert (ent.industry, ent.phone, ent.employees, ent.lng, ent.lat) == (
        "H",
        "13812345678",
        25,
        113.86,
        22.61,
    )
    assert ent.status == OperatingStatus.SUSPENDED


def test_duplicate_uscc_in_file_rejects_second_with_both_rows(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    uscc = make_uscc(320)
    data = xlsx_bytes(
        [row(uscc=uscc, name="第一次"), row(uscc=make_uscc(321)), row(uscc=uscc.lower(), name="第二次")]
    )
    job = run_import(django_capture_on_commit_callbacks, world.admin, data)
    assert (job.created_count, job.rejected_count) == (2, 1)
    assert reasons_of(job, 4) == [
        f"统一社会信用代码 {uscc} 在本文件中重复出现（第 2 行和第 4 行），只处理第 2 行，本行未导入。"
    ]
    assert Enterprise.objects.get(uscc=uscc).name == "第一次"


# ------------------------------------------------------------------------------------------- updates


def test_existing_uscc_is_updated_not_duplicated(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    ent = world.ent_a2
    count = Enterprise.objects.count()
    data = xlsx_bytes(
        [row(name=ent.name, uscc=ent.uscc.lower(), grid="甲二网格", phone="0755-88886666", employees=12)]
    )
    job = run_import(django_capture_on_commit_callbacks, world.worker_a, data)
    assert (job.created_count, job.updated_count, job.rejected_count) == (0, 1, 0), job.errors
    assert Enterprise.objects.count() == count
    ent.refresh_from_db()
    assert (ent.phone, ent.employees, ent.address) == ("0755-88886666", 12, "宝安区甲路 8 号")
    entry = AuditEntry.objects.filter(object_type="enterprises.enterprise", object_id=str(ent.pk)).latest(
        "chain_index"
    )
    assert (entry.action, entry.source, entry.actor_id) == ("update", "import", world.worker_a.pk)
    before: Any = entry.before
    after: Any = entry.after
    assert after["phone"] == "0755-88886666" and before["phone"] == ""
    assert "name" not in after and "uscc" not in after  # only what changed
    event = ent.events.get()
    assert event.type == EnterpriseEventType.IMPORTED
    assert "联系电话" in event.params["summary"]
    assert {c["label"] for c in event.params["changes"]} >= {"联系电话", "从业人数"}
    assert verify_chain().ok


def test_absent_columns_are_left_alone_and_empty_cells_clear(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ent = world.ent_a1
    ent.phone, ent.address = "13800000001", "旧地址"
    ent.save()
    headers = ["企业名称", "统一社会信用代码", "所属社区", "详细地址"]
    job = run_import(
        django_capture_on_commit_callbacks,
        world.admin,
        xlsx_bytes([[ent.name, ent.uscc, "甲社区", ""]], headers),
    )
    assert job.updated_count == 1
    ent.refresh_from_db()
    assert (ent.phone, ent.address, ent.grid) == ("13800000001", "", world.grid_a1)
    assert list(ent.categories.values_list("code", flat=True)) == ["electroplating"]


def test_moving_to_another_community_clears_a_grid_left_behind(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ent = world.ent_a1
    headers = ["企业名称", "统一社会信用代码", "所属社区"]
    job = run_import(
        django_capture_on_commit_callbacks, world.admin, xlsx_bytes([[ent.name, ent.uscc, "乙社区"]], headers)
    )
    assert job.updated_count == 1
    ent.refresh_from_db()
    assert (ent.community, ent.grid) == (world.community_b, None)


def test_reimport_of_same_file_is_a_no_op(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    data = xlsx_bytes([row(uscc=make_uscc(400 + i), name=f"幂等测试{i}") for i in range(5)])
    first = run_import(django_capture_on_commit_callbacks, world.admin, data)
    assert first.created_count == 5
    audit_count, event_count = AuditEntry.objects.count(), EnterpriseEvent.objects.count()
    stamps = dict(Enterprise.objects.values_list("pk", "updated_at"))
    again = run_import(django_capture_on_commit_callbacks, world.admin, data)
    assert (again.created_count, again.updated_count, again.rejected_count) == (0, 5, 0)
    assert "其中 5 家内容无变化" in again.message
    assert EnterpriseEvent.objects.count() == event_count
    # only the job's own start and finish links: no enterprise entry for unchanged rows
    assert AuditEntry.objects.count() == audit_count + 2
    assert dict(Enterprise.objects.values_list("pk", "updated_at")) == stamps


# --------------------------------------------------------------------------------------------- scope


def test_community_worker_imports_only_own_community(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    data = xlsx_bytes(
        [
            row(uscc=make_uscc(501), name="甲社区新店"),
            row(uscc=make_uscc(502), name="乙社区新店", community="乙社区", grid="乙一网格"),
            row(uscc=world.ent_b1.uscc, name="抢改乙社区企业"),
        ]
    )
    job = run_import(django_capture_on_commit_callbacks, world.worker_a, data)
    assert (job.created_count, job.rejected_count) == (1, 2)
    assert reasons_of(job, 3) == ["您只能导入本社区（甲社区）的企业，不能导入乙社区的企业。"]
    assert reasons_of(job, 4) == ["该统一社会信用代码已由其他社区登记，不在您的管辖范围内，不能修改。"]
    assert not Enterprise.objects.filter(uscc=make_uscc(502)).exists()
    world.ent_b1.refresh_from_db()
    assert world.ent_b1.name == "乙一五金厂"


@pytest.mark.parametrize("who", ["inspector_a1", "officer_a", "cadre", "tip_officer"])
def test_roles_without_import_permission_get_403(world: Any, who: str) -> None:
    client = world.client(getattr(world, who))
    assert client.get(reverse("enterprises:import")).status_code == 403
    response = client.post(reverse("enterprises:import"), {"file": upload(xlsx_bytes([row()]))})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_job_pages_are_private_to_their_owner_and_street_admin(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = run_import(
        django_capture_on_commit_callbacks, world.worker_a, xlsx_bytes([row(community="乙社区")])
    )
    status_url = reverse("enterprises:import_status", args=[job.pk])
    errors_url = reverse("enterprises:import_errors", args=[job.pk])
    for user, code in ((world.worker_a, 200), (world.admin, 200), (world.worker_b, 404), (world.office, 404)):
        client = world.client(user)
        assert client.get(status_url).status_code == code
        assert client.get(errors_url).status_code == code
    assert job.original_name in world.client(world.admin).get(reverse("enterprises:import")).content.decode()
    assert (
        job.original_name
        not in world.client(world.worker_b).get(reverse("enterprises:import")).content.decode()
    )


# ------------------------------------------------------------------------------------------ bad files


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        png_bytes(),
        bytes(range(256)) * 20,
        b"PK\x03\x04not really a zip at all",
        b"\xef\xbb\xbf\xe4\xbc\x81\xe4\xb8\x9a,USCC\n",
    ],
    ids=["png-renamed", "random-binary", "broken-zip", "csv-renamed"],
)
def test_non_xlsx_upload_rejected_with_chinese_message(world: Any, data: bytes) -> None:
    response = world.client(world.admin).post(
        reverse("enterprises:import"), {"file": upload(data, "企业.xlsx")}
    )
    assert response.status_code == 400
    assert "文件不是有效的 Excel 工作簿（.xlsx）" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_zip_that_is_not_a_workbook_fails_readably(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "garbage")
    job = run_import(django_capture_on_commit_callbacks, world.admin, out.getvalue())
    assert job.status == ImportStatus.FAILED
    assert "无法作为 Excel（.xlsx）工作簿读取" in job.message


def test_oversized_file_rejected(world: Any, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 2048
    data = xlsx_bytes([row(uscc=make_uscc(600 + i), address="很长的地址" * 40) for i in range(40)])
    assert len(data) > 2048
    response = world.client(world.admin).post(reverse("enterprises:import"), {"file": upload(data)})
    assert response.status_code == 400
    assert "文件过大" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_missing_file_rejected(world: Any) -> None:
    response = world.client(world.admin).post(reverse("enterprises:import"), {})
    assert response.status_code == 400
    assert "请选择要导入的 Excel 文件（.xlsx）。" in response.content.decode()


# ---------------------------------------------------------------------------- progress and atomicity


def test_job_page_polls_until_finished(world: Any) -> None:
    job = ImportJob.objects.create(
        created_by=world.admin,
        original_name="进行中.xlsx",
        status=ImportStatus.RUNNING,
        total_rows=400,
        processed_rows=100,
    )
    client = world.client(world.admin)
    url = reverse("enterprises:import_status", args=[job.pk])
    html = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in html and "25%" in html and "已处理 100 / 400 行" in html
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'hx-trigger="every 1s"' in partial
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.DONE, processed_rows=400, created_count=400, message="导入完成"
    )
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "导入完成" in partial


def test_progress_is_saved_between_batches(
    world: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    seen: list[int] = []
    real = importer._save_progress

    def spy(job: ImportJob, run: Any) -> None:
        real(job, run)
        seen.append(ImportJob.objects.get(pk=job.pk).processed_rows)

    monkeypatch.setattr(importer, "_save_progress", spy)
    data = xlsx_bytes([row(uscc=make_uscc(700 + i), name=f"批次{i}") for i in range(5)])
    job = run_import(django_capture_on_commit_callbacks, world.admin, data)
    assert seen == [2, 4, 5]
    assert job.percent == 100


def test_a_row_failing_while_saved_leaves_nothing_behind(
    world: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from django.db import IntegrityError

    through = Enterprise.categories.through
    real = through.objects.bulk_create

    def flaky(objs: list[Any], *args: Any, **kwargs: Any) -> Any:
        names = set(
            Enterprise.objects.filter(pk__in=[o.enterprise_id for o in objs]).values_list("name", flat=True)
        )
        if "保存到一半失败" in names:  # the enterprise row is already inserted: its categories fail
            raise IntegrityError("simulated")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(through.objects, "bulk_create", flaky)
    data = xlsx_bytes(
        [row(uscc=make_uscc(801), name="正常"), row(uscc=make_uscc(802), name="保存到一半失败")]
    )
    job = run_import(django_capture_on_commit_callbacks, world.admin, data)
    assert (job.created_count, job.rejected_count) == (1, 1)
    assert "保存失败" in reasons_of(job, 3)[0]
    assert not Enterprise.objects.filter(uscc=make_uscc(802)).exists()
    assert not AuditEntry.objects.filter(object_repr="保存到一半失败").exists()
    assert verify_chain().ok


# -------------------------------------------------------------------------------------------- audit


def test_every_imported_enterprise_has_an_import_audit_entry_and_event(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    data = xlsx_bytes([row(uscc=make_uscc(900 + i), name=f"审计测试{i}") for i in range(3)])
    job = run_import(django_capture_on_commit_callbacks, world.admin, data)
    created = Enterprise.objects.filter(uscc__in=[make_uscc(900 + i) for i in range(3)])
    assert created.count() == 3
    for ent in created:
        entry = AuditEntry.objects.get(object_type="enterprises.enterprise", object_id=str(ent.pk))
        assert (entry.action, entry.source, entry.actor_id) == ("create", "import", world.admin.pk)
        after: Any = entry.after
        assert after["uscc"] == ent.uscc and after["categories"]
        assert f"任务 #{job.pk}" in entry.note
        event = ent.events.get()
        assert event.type == EnterpriseEventType.IMPORTED and event.actor == world.admin
        assert event.params["job"] == job.pk
    job_entries = AuditEntry.objects.filter(object_type="enterprises.importjob", object_id=str(job.pk))
    assert sorted(job_entries.values_list("action", flat=True)) == ["import_finish", "import_start"]
    report = verify_chain()
    assert report.ok, report.reason


def test_record_many_writes_the_same_chain_as_record(world: Any) -> None:
    from anjian.core import audit
    from anjian.core.context import origin

    with origin("import"):
        audit.record(actor=world.admin, action="one", obj=world.ent_a1, after={"x": 1})
        entries = audit.record_many(
            [
                {"actor": world.admin, "action": "two", "obj": world.ent_a2, "after": {"y": 2.5}},
                {
                    "actor": None,
                    "action": "three",
                    "obj": world.ent_b1,
                    "before": {"a": 1},
                    "after": {"a": 1},
                    "only_changes": True,
                },
            ]
        )
        audit.record(actor=world.office, action="four", obj=world.ent_a1)
    assert [e.chain_index for e in entries] == [entries[0].chain_index, entries[0].chain_index + 1]
    stored = AuditEntry.objects.get(pk=entries[1].pk)
    assert (stored.before, stored.after, stored.source) == ({}, {}, "import")
    report = verify_chain()
    assert report.ok and report.checked == AuditEntry.objects.count()


def test_query_count_does_not_grow_with_rows(
    world: Any, django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    new = xlsx_bytes([row(uscc=make_uscc(3000 + i), name=f"批量新增{i}") for i in range(80)])
    changed = xlsx_bytes(
        [
            row(uscc=make_uscc(3000 + i), name=f"批量新增{i}", employees=i, categories="电镀")
            for i in range(80)
        ]
    )
    with django_assert_max_num_queries(60):
        job = run_import(django_capture_on_commit_callbacks, world.admin, new)
    assert job.created_count == 80
    # an update is one UPDATE of its changed columns; audit links, timeline lines and categories go in bulk
    with django_assert_max_num_queries(80 + 60):
        job = run_import(django_capture_on_commit_callbacks, world.admin, changed)
    assert job.updated_count == 80
    assert Enterprise.objects.get(uscc=make_uscc(3005)).employees == 5
    assert sorted(Enterprise.objects.get(uscc=make_uscc(3005)).categories.values_list("code", flat=True)) == [
        "electroplating"
    ]
    assert EnterpriseEvent.objects.filter(type=EnterpriseEventType.IMPORTED).count() == 160
    assert verify_chain().ok
