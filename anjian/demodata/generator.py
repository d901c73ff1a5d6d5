"""Build the demo street in one transaction with bulk inserts, deterministically from a seed.

Scale 1 is one street of ~3,000 enterprises; `scale` multiplies the register (the organisation, people,
assignments, visits and meetings stay the size of one street). The run writes one audit entry."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.context import origin
from anjian.core.validators import USCC_CHARSET, uscc_check_char
from anjian.demodata import geometry, names, texts
from anjian.demodata.licences import make_licence
from anjian.enterprises.choices import EnterpriseEventType, LicenceKind, OperatingStatus
from anjian.enterprises.models import Enterprise, EnterpriseEvent, KeyCategory, Licence, Park
from anjian.org.choices import AssignmentKind, AssignmentStatus, DecisionStatus, Role
from anjian.org.models import (
    Assignment,
    Community,
    Department,
    Grid,
    Meeting,
    MeetingDecision,
    Street,
    User,
    Visit,
)

DEMO_PASSWORD = "Anjian-demo-2026"  # noqa: S105 (the demo password of CONTRACTS.md §2)
BASE_ENTERPRISES = 3000
BATCH = 2000
STREET_NAME = "凤凰街道"
STREET_CODE = "440306011"  # 宝安区 + street
DIVISION = "440306"
CADRES = 15
LIAISONS = 8
WEEKS = 26
MONTHS = 6

# username → (role, what the account shows); CONTRACTS.md §2.
DEMO_ACCOUNTS: dict[str, tuple[str, str]] = {
    "street_admin": (Role.STREET_ADMIN, "街道应急办，全部数据"),
    "cadre_demo": (Role.CADRE, "处级干部，挂点电镀企业"),
    "liaison_demo": (Role.LIAISON, "应急办公务员，挂点社区"),
    "community_demo": (Role.COMMUNITY_WORKER, "社区工作者，本社区"),
    "grid_demo": (Role.GRID_INSPECTOR, "安格员，本网格"),
    "enterprise_demo": (Role.ENTERPRISE_OFFICER, "企业安全负责人，本企业"),
    "tip_officer": (Role.TIP_OFFICER, "举报受理，可见举报人身份"),
    "fire_demo": (Role.FIRE_STATION, "微型消防站站长"),
}


@dataclass
class DemoSummary:
    """What one run created, how long it took, and the demo logins."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # username, role label, scope


def has_data() -> bool:
    """True when the register or the organisation already holds rows (demo data loads only into an empty one)."""
    return Enterprise.objects.exists() or Community.objects.exists()


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, what the account sees) for the demo accounts present in the database."""
    users = User.objects.filter(username__in=list(DEMO_ACCOUNTS)).select_related(
        "community", "grid__community", "enterprise"
    )
    found = {u.username: u for u in users}
    rows = []
    for username in DEMO_ACCOUNTS:
        user = found.get(username)
        if user is None:
            continue
        scope = user.scope_label
        active = Assignment.objects.filter(person=user, status=AssignmentStatus.ACTIVE)
        if user.role == Role.CADRE:
            scope = f"挂点 {active.filter(kind=AssignmentKind.ENTERPRISE).count()} 家企业（全街道可见）"
        elif user.role == Role.LIAISON:
            names_ = active.filter(kind=AssignmentKind.COMMUNITY).values_list("community__name", flat=True)
            scope = f"挂点 {'、'.join(names_)}（全街道可见）"
        rows.append((username, user.role_label, scope))
    return rows


def profile_counts(total: int) -> dict[str, int]:
    """How many sites of each profile a register of `total` enterprises holds (at least 12 electroplating)."""
    factor = total / BASE_ENTERPRISES
    counts = {p.key: round(p.base_count * factor) for p in names.PROFILES}
    counts["electroplating"] = max(counts["electroplating"], min(12, total))
    rest = total - sum(v for k, v in counts.items() if k != "services")
    if rest < 0:  # tiny registers: trim the large profiles first
        for key in ("manufacturing", "three_small", "gas_catering"):
            cut = min(counts[key], -rest)
            counts[key] -= cut
            rest += cut
    counts["services"] = max(0, rest)
    return counts


def generate(
    *,
    scale: float = 1.0,
    enterprises: int | None = None,
    seed: int = 2026,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Create the demo street in the current (empty) database and return what was made."""
    started = time.perf_counter()
    total = enterprises if enterprises is not None else round(BASE_ENTERPRISES * scale)
    if total < 1:
        raise ValueError("enterprises must be at least 1")
    builder = _Builder(random.Random(seed), today or timezone.localdate(), progress or (lambda _msg: None))
    with transaction.atomic(), origin("cli"):
        summary = builder.build(total)
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE"
            )  # fresh planner statistics after a bulk load (same SQL on SQLite and PostgreSQL)
    summary.seconds = time.perf_counter() - started
    return summary


def _bulk(model: Any, rows: Sequence[Any]) -> list[Any]:
    return model.objects.bulk_create(rows, batch_size=BATCH)


class _Builder:
    def __init__(self, rng: random.Random, today: dt.date, progress: Callable[[str], None]) -> None:
        self.rng = rng
        self.today = today
        self.now = timezone.now()
        self.progress = progress
        self.password = make_password(DEMO_PASSWORD)  # hashed once (argon2), shared by every demo account
        self.usccs: set[str] = set()
        self.names: set[str] = set()
        self.counts: dict[str, int] = {}

    # ------------------------------------------------------------------------------------ entry point
    def build(self, total: int) -> DemoSummary:
        self.organisation()
        self.progress(
            f"组织架构：{len(self.communities)} 个社区，{len(self.grids)} 个网格，{len(self.departments)} 个科办"
        )
        self.people()
        self.register(total)
        self.progress(f"企业名录：{total} 家企业，{self.counts['licences']} 个证照")
        self.assignments()
        self.visits_and_meetings()
        self.progress(
            f"挂点：{self.counts['assignments']} 个，走访 {self.counts['visits']} 次，例会 {self.counts['meetings']} 次"
        )
        note = "；".join(f"{label} {self.counts[key]}" for key, label in SUMMARY_LABELS if key in self.counts)
        audit.record(actor=None, action="demo_data", obj=self.street, note=f"载入演示数据：{note}"[:500])
        return DemoSummary(counts=dict(self.counts), accounts=demo_logins())

    # ----------------------------------------------------------------------------------- organisation
    def organisation(self) -> None:
        rng = self.rng
        cells = geometry.community_cells(rng, len(names.COMMUNITIES))
        lat_min, lng_min, lat_max, lng_max = geometry.AREA
        self.street = Street.objects.create(
            name=STREET_NAME,
            division_code=STREET_CODE,
            district="宝安区",
            center_lat=round((lat_min + lat_max) / 2, 6),
            center_lng=round((lng_min + lng_max) / 2, 6),
        )
        communities = []
        for i, (name, cell) in enumerate(zip(names.COMMUNITIES, cells, strict=True), start=1):
            lat, lng = cell.centre
            communities.append(
                Community(
                    street=self.street,
                    name=name,
                    code=f"{STREET_CODE}{i:03d}",
                    boundary=geometry.to_geojson(cell.outline),
                    center_lat=round(lat, 6),
                    center_lng=round(lng, 6),
                    phone=names.landline(rng),
                    sort_order=i,
                )
            )
        self.communities: list[Community] = _bulk(Community, communities)
        self.cells = dict(zip([c.pk for c in self.communities], cells, strict=True))

        grids, self.grid_cells = [], {}
        layout: list[tuple[Community, geometry.GridCell]] = []
        for community in self.communities:
            for j, gc in enumerate(geometry.grid_cells(rng.choice((3, 4, 4, 5, 6))), start=1):
                grids.append(
                    Grid(
                        community=community,
                        name=f"{community.name.removesuffix('社区')}第{_CN[j]}网格",
                        code=f"{community.code}{j:02d}",
                        boundary=geometry.to_geojson(gc.outline(self.cells[community.pk])),
                    )
                )
                layout.append((community, gc))
        self.grids: list[Grid] = _bulk(Grid, grids)
        self.grid_cells = {g.pk: gc for g, (_c, gc) in zip(self.grids, layout, strict=True)}
        self.grids_of: dict[int, list[Grid]] = {
            c.pk: [g for g in self.grids if g.community_id == c.pk] for c in self.communities
        }

        self.departments: list[Department] = _bulk(
            Department,
            [
                Department(name=name, code=f"D{i:02d}", phone=names.landline(rng), duties=duties)
                for i, (name, duties) in enumerate(names.DEPARTMENTS, start=1)
            ],
        )
        self.dept = {d.name: d for d in self.departments}

        # One park in each of the first eight communities, inside one of its grids.
        parks, self.park_site = [], {}
        for community, park_name in list(zip(self.communities, names.PARKS, strict=True))[:8]:
            grid = rng.choice(self.grids_of[community.pk])
            gc = self.grid_cells[grid.pk]
            u, v = gc.centre_uv
            lat, lng = gc.near(self.cells[community.pk], rng, u, v, 0.0)
            parks.append(
                Park(
                    name=park_name,
                    community=community,
                    address=f"深圳市宝安区{STREET_NAME}{community.name}{rng.choice(names.ROADS)}{rng.randint(1, 200)}号",
                    lat=round(lat, 6),
                    lng=round(lng, 6),
                    manager=names.person_name(rng),
                    phone=names.mobile(rng),
                )
            )
            self.park_site[park_name] = (grid, u, v)
        self.parks: list[Park] = _bulk(Park, parks)
        self.plating_parks = [p for p in self.parks if any(w in p.name for w in names.PLATING_PARK_WORDS)]
        self.counts.update(
            communities=len(self.communities),
            grids=len(self.grids),
            departments=len(self.departments),
            parks=len(self.parks),
        )

    # ---------------------------------------------------------------------------------------- people
    def _user(self, username: str, role: str, **fields: Any) -> User:
        rng = self.rng
        return User(
            username=username,
            name=fields.pop("name", None) or names.person_name(rng),
            role=role,
            phone=names.mobile(rng),
            password=self.password,
            date_joined=self.now,
            **fields,
        )

    def people(self) -> None:
        rng, dept = self.rng, self.dept
        home = self.communities[0]  # the demo accounts share one community so their data connects
        home_park = self.parks[0]
        self.home_grid = self.park_site[home_park.name][0]
        people: list[User] = [
            self._user(
                "street_admin",
                Role.STREET_ADMIN,
                title="应急管理办公室主任",
                department=dept["应急管理办公室"],
                is_staff=True,
                is_superuser=True,
            ),
            self._user(
                "tip_officer", Role.TIP_OFFICER, title="举报受理员", department=dept["安全生产办公室"]
            ),
            self._user("fire_demo", Role.FIRE_STATION, title=f"{home.name}微型消防站站长", community=home),
        ]
        people += [
            self._user(
                f"office{i:02d}", Role.OFFICE_STAFF, title="安委办工作人员", department=dept["安全生产办公室"]
            )
            for i in range(1, 4)
        ]
        people += [
            self._user(f"dept{i:02d}", Role.DEPARTMENT_STAFF, title="科办工作人员", department=d)
            for i, d in enumerate(self.departments, start=1)
        ]
        cadre_depts = [
            dept[n]
            for n in (
                "安全生产办公室",
                "经济发展办公室",
                "城市建设办公室",
                "综合行政执法队",
                "消防安全办公室",
            )
        ]
        for i in range(CADRES):
            username = "cadre_demo" if i == 0 else f"cadre{i + 1:02d}"
            title = rng.choice(
                ("街道党工委委员", "街道办事处副主任", "一级调研员", "二级调研员", "街道人大工委主任")
            )
            people.append(
                self._user(username, Role.CADRE, title=title, department=cadre_depts[i % len(cadre_depts)])
            )
        for i in range(min(LIAISONS, len(self.communities))):
            username = "liaison_demo" if i == 0 else f"liaison{i + 1:02d}"
            title = rng.choice(("一级科员", "四级主任科员", "三级主任科员"))
            people.append(self._user(username, Role.LIAISON, title=title, department=dept["应急管理办公室"]))
        for c_index, community in enumerate(self.communities, start=1):
            for k in range(1, rng.choice((2, 3, 3)) + 1):
                username = "community_demo" if (community == home and k == 1) else f"worker{c_index:02d}{k}"
                title = (
                    "社区安全员"
                    if k == 1
                    else rng.choice(("社区工作者", "社区网格管理员", "新入职社区工作者"))
                )
                people.append(self._user(username, Role.COMMUNITY_WORKER, title=title, community=community))
            for g_index, grid in enumerate(self.grids_of[community.pk], start=1):
                username = "grid_demo" if grid == self.home_grid else f"inspector{c_index:02d}{g_index}"
                people.append(
                    self._user(
                        username, Role.GRID_INSPECTOR, title="安全网格员", community=community, grid=grid
                    )
                )
        self.users: list[User] = _bulk(User, people)
        self.by_role: dict[str, list[User]] = {}
        for u in self.users:
            self.by_role.setdefault(u.role, []).append(u)
        self.demo_users = {u.username: u for u in self.users if u.username in DEMO_ACCOUNTS}
        self.workers_of = {
            c.pk: [u for u in self.by_role[Role.COMMUNITY_WORKER] if u.community_id == c.pk]
            for c in self.communities
        }
        self.inspector_of = {u.grid_id: u for u in self.by_role[Role.GRID_INSPECTOR]}

    # -------------------------------------------------------------------------------------- register
    def _uscc(self, individual: bool) -> str:
        rng = self.rng
        while True:
            body = ("92" if individual else "91") + DIVISION + "".join(rng.choices(USCC_CHARSET, k=9))
            code = body + uscc_check_char(body)
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def _name(self, profile: names.Profile, community: Community) -> str:
        name = ""
        for _ in range(30):
            name = names.enterprise_name(self.rng, profile, community.name)
            if name not in self.names:
                break
        else:
            base, k = name, 2
            while name in self.names:
                name = (
                    f"{base}（{community.name.removesuffix('社区')}{_CN.get(k, str(k))}店）"
                    if profile.individual
                    else f"{base}第{k}分公司"
                )
                k += 1
        self.names.add(name)
        return name

    def register(self, total: int) -> None:
        rng = self.rng
        counts = profile_counts(total)
        categories = {c.code: c for c in KeyCategory.objects.all()}
        community_weights = [rng.uniform(0.6, 1.4) for _ in self.communities]
        park_community = {p.pk: p.community for p in self.parks}

        plans: list[tuple[Enterprise, list[str], names.Profile]] = []
        for profile in names.PROFILES:
            for _ in range(counts[profile.key]):
                park = None
                if profile.in_park and rng.random() < profile.in_park:
                    park = rng.choice(self.plating_parks if profile.key == "electroplating" else self.parks)
                if park is not None:
                    community = park_community[park.pk]
                    grid, u, v = self.park_site[park.name]
                    lat, lng = self.grid_cells[grid.pk].near(self.cells[community.pk], rng, u, v, 0.04)
                else:
                    community = rng.choices(self.communities, weights=community_weights)[0]
                    grid = rng.choice(self.grids_of[community.pk])
                    lat, lng = self.grid_cells[grid.pk].sample(self.cells[community.pk], rng)
                status = OperatingStatus.OPERATING
                roll = rng.random()
                if profile.key != "electroplating" and roll < 0.08:
                    status = OperatingStatus.SUSPENDED if roll < 0.05 else OperatingStatus.DEREGISTERED
                legal = names.person_name(rng)
                industry = profile.industry
                if profile.key == "services":
                    industry = rng.choice(names.SERVICE_INDUSTRIES)
                elif profile.key == "ebike_charging" and rng.random() < 0.3:
                    industry = "L"
                ent = Enterprise(
                    name=self._name(profile, community),
                    uscc=self._uscc(profile.individual),
                    community=community,
                    grid=grid,
                    park=park,
                    address=names.address(rng, STREET_NAME, community.name, park.name if park else ""),
                    lat=round(lat, 6),
                    lng=round(lng, 6),
                    industry=industry,
                    legal_representative=legal,
                    safety_officer=legal
                    if profile.individual and rng.random() < 0.6
                    else names.person_name(rng),
                    phone=names.mobile(rng) if rng.random() < 0.7 else names.landline(rng),
                    employees=rng.randint(*profile.employees),
                    status=status,
                    created_at=self.now
                    - dt.timedelta(days=_registered_days_ago(rng, profile), minutes=rng.randint(0, 1440)),
                    created_by=None,
                )
                codes = list(profile.categories)
                codes += [code for code, share in profile.extra_categories if rng.random() < share]
                if park is not None:
                    codes.append("industrial_park")
                plans.append((ent, codes, profile))

        rng.shuffle(plans)  # mix the profiles so ids do not follow categories
        created: list[Enterprise] = []
        for start in range(0, len(plans), BATCH * 5):
            chunk = plans[start : start + BATCH * 5]
            created += _bulk(Enterprise, [p[0] for p in chunk])
            self.progress(f"  已写入企业 {len(created)}/{len(plans)}")
        self.enterprises = created

        through = Enterprise.categories.through
        links = [
            through(enterprise_id=ent.pk, keycategory_id=categories[code].pk)
            for ent, codes, _p in plans
            for code in dict.fromkeys(codes)
            if code in categories
        ]
        _bulk(through, links)

        licences, events = [], []
        for ent, _codes, profile in plans:
            events.append(
                EnterpriseEvent(
                    enterprise_id=ent.pk,
                    type=EnterpriseEventType.CREATED,
                    at=ent.created_at,
                    params={"source": "demo_data", "note": "演示数据初始登记"},
                )
            )
            for kind in profile.licences:
                licences.append(make_licence(self.rng, self.today, ent, kind))
            if profile.key == "three_small" and any(v in ent.name for v in names.PUBLIC_VENUES):
                licences.append(make_licence(self.rng, self.today, ent, LicenceKind.FIRE_SAFETY))
        _bulk(Licence, licences)
        _bulk(EnterpriseEvent, events)

        self.plating = [
            e for e, codes, _p in plans if "electroplating" in codes and e.status == OperatingStatus.OPERATING
        ]
        self.by_community: dict[int, list[Enterprise]] = {}
        for e, codes, _p in plans:
            if (
                e.status == OperatingStatus.OPERATING
                and codes
                and e.created_at < self.now - dt.timedelta(days=WEEKS * 7 + 30)
            ):
                self.by_community.setdefault(e.community_id, []).append(e)
        self.categories_of = {e.pk: codes for e, codes, _p in plans}
        expired = sum(1 for lic in licences if lic.expires_on and lic.expires_on < self.today)
        soon = sum(1 for lic in licences if lic.expires_on and 0 <= (lic.expires_on - self.today).days <= 30)
        self.counts.update(enterprises=len(created), licences=len(licences), expired=expired, expiring=soon)
        for code in (
            "electroplating",
            "gas_catering",
            "ebike_charging",
            "construction",
            "confined_space",
            "hazardous_chemicals",
            "three_small",
            "industrial_park",
        ):
            self.counts[code] = sum(1 for _e, codes, _p in plans if code in codes)

        officer_ent = next(
            (e for e in self.plating if e.park_id == self.parks[0].pk),
            self.plating[0] if self.plating else created[0],
        )
        officer = self._user(
            "enterprise_demo",
            Role.ENTERPRISE_OFFICER,
            name=officer_ent.safety_officer,
            title="安全负责人",
            enterprise=officer_ent,
        )
        officer.save()
        self.demo_users["enterprise_demo"] = officer
        self.demo_enterprise = officer_ent
        self.counts["people"] = len(self.users) + 1

    # ----------------------------------------------------------------------------------- assignments
    def assignments(self) -> None:
        rng = self.rng
        start = self.today - dt.timedelta(weeks=WEEKS, days=rng.randint(0, 20))
        cadres = self.by_role[Role.CADRE][: max(1, min(CADRES, len(self.plating) // 4))]
        plating = list(self.plating)
        rng.shuffle(plating)
        # cadre_demo takes the demo enterprise and its park neighbours first
        plating.sort(key=lambda e: (e.pk != self.demo_enterprise.pk, e.park_id != self.parks[0].pk))
        sizes = [3] * len(cadres)
        spare = len(plating) - 3 * len(cadres)
        order = list(range(len(cadres)))
        while spare > 0 and any(s < 5 for s in sizes):
            rng.shuffle(order)
            for i in order:
                if spare and sizes[i] < 5 and rng.random() < 0.6:
                    sizes[i] += 1
                    spare -= 1
        rows: list[Assignment] = []
        cursor = 0
        for cadre, size in zip(cadres, sizes, strict=True):
            for ent in plating[cursor : cursor + size]:
                rows.append(
                    Assignment(
                        kind=AssignmentKind.ENTERPRISE,
                        person=cadre,
                        enterprise=ent,
                        community_id=ent.community_id,
                        department=cadre.department,
                        start_date=start,
                        visits_per_week=1,
                        meetings_per_month=0,
                        created_at=self.now,
                    )
                )
            cursor += size
        liaisons = self.by_role[Role.LIAISON]
        communities = list(self.communities)
        extra = len(communities) - len(liaisons)
        for i, liaison in enumerate(liaisons):
            take = (
                2 if i < extra else 1
            )  # the first ones take two, so every community has its liaison officer
            for community in communities[:take]:
                rows.append(
                    Assignment(
                        kind=AssignmentKind.COMMUNITY,
                        person=liaison,
                        community=community,
                        department=liaison.department,
                        start_date=start,
                        visits_per_week=1,
                        meetings_per_month=1,
                        created_at=self.now,
                    )
                )
            communities = communities[take:]
        self.assignment_rows: list[Assignment] = _bulk(Assignment, rows)
        self.counts["assignments"] = len(self.assignment_rows)

    # ----------------------------------------------------------------------------- visits, meetings
    def _participants(self, community_id: int, grid_id: int | None, department: Department | None) -> str:
        parts = []
        if department is not None:
            parts.append(department.name)
        workers = self.workers_of.get(community_id) or []
        if workers:
            parts.append(f"社区工作者{self.rng.choice(workers).name}")
        inspector = self.inspector_of.get(grid_id) if grid_id else None
        if inspector is not None:
            parts.append(f"安格员{inspector.name}")
        return "、".join(parts)

    def visits_and_meetings(self) -> None:
        rng, today = self.rng, self.today
        monday = today - dt.timedelta(days=today.weekday())
        people = sorted({a.person_id for a in self.assignment_rows})
        demo_ids = {u.pk for u in self.demo_users.values()}
        behind_pool = [p for p in people if p not in demo_ids]
        behind = {p: rng.randint(2, 4) for p in rng.sample(behind_pool, min(3, len(behind_pool)))}
        departments = {d.pk: d for d in self.departments}
        visits: list[Visit] = []
        for a in self.assignment_rows:
            for week in range(WEEKS, -1, -1):
                week_start = monday - dt.timedelta(weeks=week)
                if week_start < a.start_date - dt.timedelta(days=6):
                    continue
                if week < behind.get(a.person_id, 0) or rng.random() < 0.04:
                    continue  # behind recently, or a week missed
                day = week_start + dt.timedelta(days=rng.randint(0, 4))
                if day > today:
                    continue
                visits.append(
                    self._visit(a, day, departments.get(a.department_id) if a.department_id else None)
                )
        self.visits: list[Visit] = _bulk(Visit, visits)

        meetings: list[Meeting] = []
        decision_plans: list[list[tuple[str, User | None, dt.date]]] = []
        for a in self.assignment_rows:
            if a.kind != AssignmentKind.COMMUNITY:
                continue
            community = next(c for c in self.communities if c.pk == a.community_id)
            for back in range(MONTHS, -1, -1):
                year, month = _month_back(today, back)
                day = dt.date(year, month, rng.randint(5, 20))
                if day > today or day < a.start_date:
                    continue
                workers = self.workers_of.get(community.pk) or []
                inspectors = [
                    self.inspector_of[g.pk] for g in self.grids_of[community.pk] if g.pk in self.inspector_of
                ]
                topics = rng.sample(texts.MEETING_TOPICS, 3)
                attendees = [a.person.name, *(w.name for w in workers), *(i.name for i in inspectors)]
                minutes = (
                    f"{day.month}月{day.day}日，{a.person.name}在{community.name}主持召开{month}月安全生产工作例会。"
                    f"会议{topics[0]}，{topics[1]}，并{topics[2]}。"
                    f"会议要求社区、安格员按照“全覆盖、零容忍、严执法、重实效”原则，抓好重点企业走访检查和隐患整改闭环。"
                )
                meetings.append(
                    Meeting(
                        assignment=a,
                        community=community,
                        host=a.person,
                        date=day,
                        title=f"{community.name}{year}年{month}月安全生产工作例会",
                        participants="、".join(attendees)[:500],
                        minutes=minutes,
                        created_by=a.person,
                        created_at=_at(day, 17),
                    )
                )
                ents = self.by_community.get(community.pk) or []
                owners: list[User] = [*workers, *inspectors]
                plan = []
                for text in rng.sample(texts.DECISIONS, rng.randint(2, 3)):
                    ent_name = rng.choice(ents).name if ents else f"{community.name}重点企业"
                    owner = rng.choice(owners) if owners else None
                    plan.append(
                        (
                            text.format(ent=ent_name)[:500],
                            owner,
                            day + dt.timedelta(days=rng.choice((7, 10, 14, 20, 30))),
                        )
                    )
                decision_plans.append(plan)
        self.meetings: list[Meeting] = _bulk(Meeting, meetings)

        decisions: list[MeetingDecision] = []
        for meeting, plan in zip(self.meetings, decision_plans, strict=True):
            for text, owner, due in plan:
                # most past decisions are done; the rest stay open past their due date
                done = rng.random() < (0.8 if due < today - dt.timedelta(days=3) else 0.3)
                decisions.append(
                    MeetingDecision(
                        meeting=meeting,
                        text=text,
                        owner=owner,
                        owner_name=owner.name if owner else "",
                        due_date=due,
                        status=DecisionStatus.DONE if done else DecisionStatus.OPEN,
                        done_at=_at(min(due, today), 16) if done else None,
                        done_note=rng.choice(texts.DECISION_DONE_NOTES) if done else "",
                        created_by=meeting.host,
                        created_at=meeting.created_at,
                    )
                )
        _bulk(MeetingDecision, decisions)
        self.counts.update(
            visits=len(self.visits),
            meetings=len(self.meetings),
            decisions=len(decisions),
            overdue_decisions=sum(
                1 for d in decisions if d.status == DecisionStatus.OPEN and d.due_date < today
            ),
            behind=len(behind),
        )

    def _visit(self, a: Assignment, day: dt.date, department: Department | None) -> Visit:
        rng = self.rng
        ent: Enterprise | None
        if a.kind == AssignmentKind.ENTERPRISE and a.enterprise is not None:
            ent = a.enterprise
            kind = "electroplating"
            notes = rng.choice(texts.VISIT_CHECKS[kind])
        else:
            choices = self.by_community.get(a.community_id) or []
            ent = rng.choice(choices) if choices else None
            codes = self.categories_of.get(ent.pk, []) if ent else []
            kind = next((c for c in codes if c in texts.VISIT_CHECKS), "general")
            check = rng.choice(texts.VISIT_CHECKS[kind])
            notes = (
                f"随社区、安格员走访{ent.name}，{check}" if ent else rng.choice(texts.COMMUNITY_VISIT_NOTES)
            )
        issues = ""
        if rng.random() < 0.25:
            issues = "；".join(
                rng.sample(texts.VISIT_ISSUES[kind], min(len(texts.VISIT_ISSUES[kind]), rng.randint(1, 2)))
            )
        notes = (
            f"{notes}。{rng.choice(texts.VISIT_RESULTS)}"
            if not issues
            else f"{notes}。已当场反馈问题并明确整改期限。"
        )
        return Visit(
            assignment=a,
            visitor_id=a.person_id,
            community_id=a.community_id,
            enterprise=ent,
            date=day,
            participants=self._participants(a.community_id, ent.grid_id if ent else None, department),
            notes=notes,
            issues_found=issues,
            created_by_id=a.person_id,
            created_at=_at(day, 17),
        )


_CN = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}

SUMMARY_LABELS = (
    ("communities", "社区"),
    ("grids", "网格"),
    ("departments", "科办"),
    ("parks", "园区"),
    ("enterprises", "企业"),
    ("electroplating", "电镀"),
    ("gas_catering", "餐饮燃气"),
    ("ebike_charging", "电动自行车充电场所"),
    ("construction", "建筑施工"),
    ("confined_space", "有限空间"),
    ("hazardous_chemicals", "危险化学品"),
    ("three_small", "三小场所"),
    ("industrial_park", "园区企业"),
    ("licences", "证照"),
    ("expired", "已过期证照"),
    ("expiring", "30天内到期证照"),
    ("people", "人员"),
    ("assignments", "挂点"),
    ("visits", "走访记录"),
    ("meetings", "例会"),
    ("decisions", "议定事项"),
    ("overdue_decisions", "逾期未落实事项"),
)


def _registered_days_ago(rng: random.Random, profile: names.Profile) -> int:
    """Most sites were registered years ago; a few recently (never an assigned electroplating one)."""
    if profile.key != "electroplating" and rng.random() < 0.05:
        return rng.randint(0, 199)
    return rng.randint(220, 1800)


def _month_back(today: dt.date, back: int) -> tuple[int, int]:
    index = today.year * 12 + (today.month - 1) - back
    return index // 12, index % 12 + 1


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))
