"""Seed the report categories (the Open311 services) and the reward rules of DOMAIN.md §6.

Administrators may change both afterwards; these rows are the defaults of a fresh install."""

from decimal import Decimal

from django.db import migrations

CATEGORIES = [
    # code, name, description, icon, keywords, urgent notice
    ("major_hazard", "重大事故隐患", "可能导致群死群伤或重大损失、需停产停业整改的隐患", "bi-exclamation-octagon",
     "重大隐患,停产,坍塌,爆炸", ""),
    ("illegal_production", "非法违法生产经营", "无证照生产经营、超范围经营、关闭取缔后又擅自生产等", "bi-slash-circle",
     "无证,非法,违法,取缔", ""),
    ("concealed_accident", "瞒报谎报事故", "发生生产安全事故后瞒报、谎报、迟报伤亡情况", "bi-eye-slash",
     "瞒报,谎报,事故,死亡", ""),
    ("fire_exit", "消防通道堵塞/安全出口锁闭", "疏散通道、安全出口被占用、堵塞或上锁", "bi-door-closed",
     "消防通道,安全出口,锁闭,堵塞", "正在发生火灾请立即拨打 119。"),
    ("gas", "燃气泄漏/违规用气", "闻到燃气味、瓶装燃气违规存放使用、未装报警器或切断阀", "bi-fire",
     "燃气,煤气,液化气,泄漏", "闻到燃气味请立即关闭阀门、开窗通风、不要开关电器，到室外拨打 119 或燃气抢修电话。"),
    ("ebike", "电动自行车违规停放充电", "在楼道、门厅、疏散通道停放或充电，私拉电线充电", "bi-ev-station",
     "电动车,充电,楼道,飞线", ""),
    ("confined_space", "有限空间违规作业", "未经审批、未通风检测、无监护人进入污水井、化粪池等有限空间", "bi-box-arrow-in-down",
     "有限空间,污水井,化粪池,中毒", "有人晕倒在井下时请勿盲目施救，立即拨打 119 / 120。"),
    ("plating_hazchem", "电镀违法排放/危化品违规", "电镀废液偷排、危险化学品违规储存使用", "bi-droplet-half",
     "电镀,偷排,危化品,酸", ""),
    ("other", "其他安全生产问题", "其他安全生产违法违规行为或隐患", "bi-three-dots", "其他", ""),
]

BASIS = "安全生产领域举报奖励办法（2018）"
RULES = [
    # code, name, basis, categories, level, percent, amount, minimum, maximum, local, sort
    ("national_fine_15", "重大事故隐患、违法生产经营：罚没款的 15%", "fine_percent",
     ["major_hazard", "illegal_production", "fire_exit", "gas", "ebike", "confined_space", "plating_hazchem", "other"],
     "", Decimal("15"), None, Decimal("3000"), Decimal("300000"), False, 10),
    ("concealed_general", "瞒报谎报一般事故：每死亡 1 人 3 万元", "concealed_death", ["concealed_accident"],
     "general", None, Decimal("30000"), None, Decimal("300000"), False, 20),
    ("concealed_larger", "瞒报谎报较大事故：每死亡 1 人 4 万元", "concealed_death", ["concealed_accident"],
     "larger", None, Decimal("40000"), None, Decimal("300000"), False, 21),
    ("concealed_major", "瞒报谎报重大事故：每死亡 1 人 5 万元", "concealed_death", ["concealed_accident"],
     "major", None, Decimal("50000"), None, Decimal("300000"), False, 22),
    ("concealed_especially_major", "瞒报谎报特别重大事故：每死亡 1 人 6 万元", "concealed_death",
     ["concealed_accident"], "especially_major", None, Decimal("60000"), None, Decimal("300000"), False, 23),
    ("local_general_violation", "一般违法行为（本街道规定）：每件 500 元", "fixed", ["fire_exit", "ebike"],
     "", None, Decimal("500"), None, None, True, 30),
]


def seed(apps, schema_editor):
    TipCategory = apps.get_model("tipoffs", "TipCategory")
    RewardRule = apps.get_model("tipoffs", "RewardRule")
    by_code = {}
    for i, (code, name, description, icon, keywords, notice) in enumerate(CATEGORIES):
        by_code[code], _ = TipCategory.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": description,
                "icon": icon,
                "keywords": keywords,
                "urgent_notice": notice,
                "sort_order": (i + 1) * 10,
            },
        )
    for code, name, basis, cats, level, percent, amount, minimum, maximum, local, sort in RULES:
        rule, _ = RewardRule.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "basis": basis,
                "accident_level": level,
                "percent": percent,
                "amount": amount,
                "minimum": minimum,
                "maximum": maximum,
                "legal_basis": "本街道举报奖励实施细则" if local else BASIS,
                "is_local": local,
                "sort_order": sort,
            },
        )
        rule.categories.set([by_code[c] for c in cats])


class Migration(migrations.Migration):
    dependencies = [("tipoffs", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
