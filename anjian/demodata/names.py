"""Name material for demo data: people, trade names (字号), roads, communities, and the enterprise profiles
that say how each kind of site is named, classified, staffed and licensed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚"
    "卢钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易"
    "乔赖文施洪辛柯庄"
)
# The most common surnames come first and are drawn more often.
SURNAME_WEIGHTS = [max(1, 30 - i // 3) for i in range(len(SURNAMES))]
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉鹏飞斌宇浩凯健俊帆帅旭宁"
    "婷雪琳晶晓燕欣怡嘉豪子轩梓涵思雨佳琪诗语晨阳海波永春德荣金凤少锋振东立新丹彬"
)

BRAND_CHARS = (
    "宏达鑫盛华兴源丰利恒泰永顺发荣祥瑞隆富嘉新创明辉佳金银宝鸿联海天伟腾信诚德润凯捷骏锦昌益安和正立通科力"
    "美铭卓越展博汇茂晟昊宸睿鼎航星晖雅森康裕聚福顺旺"
)
PLACE_PREFIXES = ("凤凰", "鹏城", "宝安", "南粤", "深港", "粤海", "福田", "前海", "凤岗", "大湾区")

ROADS = (
    "凤凰大道",
    "兴业一路",
    "兴业二路",
    "福海大道",
    "永和路",
    "塘尾路",
    "新和大道",
    "怀德南路",
    "桥头路",
    "福围东路",
    "稔田路",
    "岗头路",
    "白石厦路",
    "工业大道",
    "宝安大道",
    "福永大道",
    "广深路",
    "德丰路",
    "和平路",
    "聚福路",
    "凤塘大道",
    "新田大道",
    "建安路",
    "永福路",
    "富桥路",
    "兴围路",
    "翠岗路",
    "商业街",
)

COMMUNITIES = (
    "凤凰社区",
    "塘尾社区",
    "白石厦社区",
    "新和社区",
    "怀德社区",
    "桥头社区",
    "福围社区",
    "稔田社区",
    "岗头社区",
    "聚福社区",
)

PARKS = (
    "凤凰第一工业区",
    "塘尾工业园",
    "白石厦电镀工业园",
    "新和科技园",
    "怀德智造园",
    "桥头工业区",
    "福围表面处理产业园",
    "稔田高新产业园",
    "岗头工业区",
    "聚福创新园",
)
# Parks that host the electroplating (表面处理) enterprises: electroplating is kept in designated parks.
PLATING_PARK_WORDS = ("电镀", "表面处理", "第一工业区", "桥头")

DEPARTMENTS = (
    ("安全生产办公室", "负责街道安全生产综合监管、挂点企业督导和安全生产委员会日常工作。"),
    ("应急管理办公室", "负责应急预案、应急值守、救援队伍与物资管理，挂点社区督导。"),
    ("消防安全办公室", "负责消防安全检查、微型消防站与义务消防队拉练、消防宣传。"),
    ("城市建设办公室", "负责建筑施工、危大工程和城市更新项目的安全监管。"),
    ("经济发展办公室", "负责工业园区、电镀等重点行业企业服务与安全生产联系工作。"),
    ("综合行政执法队", "负责安全生产、消防、燃气等领域的行政执法与专项整治。"),
    ("社区建设办公室", "负责社区网格化管理、安格员队伍建设与三小场所治理。"),
)

HOUSING_WORDS = ("花园", "新村", "家园", "公寓", "雅苑", "名苑", "村", "小区")
DISHES = (
    "湘菜馆",
    "川菜馆",
    "潮汕牛肉火锅店",
    "客家菜馆",
    "粤菜酒家",
    "东北饺子馆",
    "兰州拉面馆",
    "沙县小吃店",
    "隆江猪脚饭店",
    "烧腊店",
    "茶餐厅",
    "海鲜大排档",
    "椰子鸡火锅店",
    "螺蛳粉店",
    "黄焖鸡米饭店",
    "麻辣烫店",
    "烧烤店",
    "早茶酒楼",
    "重庆小面馆",
    "瓦罐汤店",
    "砂锅粥店",
    "快餐店",
)
SHOPS = (
    "便利店",
    "五金店",
    "士多店",
    "理发店",
    "网吧",
    "KTV",
    "服装加工坊",
    "小食店",
    "水果店",
    "电器维修店",
    "洗车店",
    "棋牌室",
    "足浴店",
    "干洗店",
    "建材店",
    "印刷店",
    "汽修店",
    "家具加工坊",
    "木器加工作坊",
    "手机维修店",
)
# Three-small venues that gather the public and need a fire-safety check certificate.
PUBLIC_VENUES = ("网吧", "KTV", "棋牌室", "足浴店")
PRODUCTS = (
    "电子科技",
    "精密五金",
    "塑胶制品",
    "模具",
    "包装材料",
    "服装",
    "家具",
    "印刷",
    "光电科技",
    "新材料",
    "自动化设备",
    "电线电缆",
    "线路板",
    "五金制品",
    "智能科技",
    "机械设备",
    "照明科技",
    "新能源科技",
    "电池科技",
    "金属制品",
    "鞋业",
    "眼镜",
    "钟表",
    "玩具",
    "工艺品",
    "纸品",
    "食品",
    "医疗器械",
    "通讯设备",
    "精密机械",
)
SERVICES = (
    "贸易",
    "物流",
    "供应链管理",
    "实业",
    "投资发展",
    "物业管理",
    "人力资源",
    "商贸",
    "信息技术",
    "网络科技",
    "装饰工程",
    "餐饮管理",
    "酒店管理",
    "教育咨询",
    "文化传播",
    "仓储服务",
    "汽车服务",
    "环保科技",
    "设备租赁",
)
PROJECTS = (
    "凤凰花园二期",
    "塘尾城市更新",
    "白石厦安居房",
    "新和学校扩建",
    "怀德人才公寓",
    "桥头综合体",
    "福围旧改",
    "稔田产业大厦",
    "岗头保障房",
    "聚福商业中心",
    "凤塘大道市政道路",
    "兴业路地下综合管廊",
    "宝安区人民医院分院",
    "福海片区排水管网",
    "凤凰九年一贯制学校",
)
CONFINED = (
    "污水处理有限公司",
    "食品有限公司",
    "印染厂",
    "酿造有限公司",
    "物业管理有限公司",
    "水务工程有限公司",
    "造纸厂",
)
HAZCHEM = ("化工有限公司", "气体有限公司", "加油站", "油漆涂料有限公司", "化学试剂有限公司", "燃气供应站")


@dataclass(frozen=True)
class Profile:
    """How one kind of site is named, classified, staffed and licensed."""

    key: str
    base_count: int  # per 3,000 enterprises (scale 1)
    industry: str
    categories: tuple[str, ...]
    employees: tuple[int, int]
    licences: tuple[str, ...]
    individual: bool = False  # 个体工商户: USCC entity type 92
    in_park: float = 0.0  # share located in an industrial park
    extra_categories: tuple[tuple[str, float], ...] = field(default=())


PROFILES: tuple[Profile, ...] = (
    Profile(
        "electroplating",
        60,
        "C",
        ("electroplating",),
        (20, 220),
        ("business", "pollutant_discharge", "special_equipment"),
        in_park=1.0,
        extra_categories=(("hazardous_chemicals", 0.35), ("confined_space", 0.1)),
    ),
    Profile(
        "gas_catering", 200, "H", ("gas_catering",), (4, 60), ("business", "gas_supply"), individual=True
    ),
    Profile("ebike_charging", 40, "O", ("ebike_charging",), (1, 4), ("business", "fire_safety")),
    Profile(
        "construction",
        15,
        "E",
        ("construction",),
        (60, 600),
        ("business", "construction_permit", "safety_production"),
    ),
    Profile(
        "confined_space",
        30,
        "C",
        ("confined_space",),
        (10, 150),
        ("business", "pollutant_discharge"),
        in_park=0.3,
    ),
    Profile(
        "hazardous_chemicals",
        25,
        "F",
        ("hazardous_chemicals",),
        (5, 80),
        ("business", "hazchem_operation", "safety_production"),
        in_park=0.4,
    ),
    Profile("three_small", 450, "O", ("three_small",), (1, 15), ("business",), individual=True),
    Profile(
        "manufacturing",
        1300,
        "C",
        (),
        (8, 400),
        ("business",),
        in_park=0.3,
        extra_categories=(("hazardous_chemicals", 0.005),),
    ),
    Profile("services", 880, "L", (), (3, 120), ("business",)),
)
SERVICE_INDUSTRIES = ("F", "F", "G", "I", "K", "L", "L", "P", "Q", "R")


def person_name(rng: random.Random) -> str:
    surname = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
    given = rng.choice(GIVEN_CHARS) + (rng.choice(GIVEN_CHARS) if rng.random() < 0.7 else "")
    return surname + given


def brand(rng: random.Random) -> str:
    a, b = rng.sample(BRAND_CHARS, 2)
    if rng.random() < 0.08:
        return rng.choice(PLACE_PREFIXES) + a + b
    return a + b


def enterprise_name(rng: random.Random, profile: Profile, community: str) -> str:
    """A plausible register name for a site of this profile."""
    place = community.removesuffix("社区")
    key = profile.key
    if key == "electroplating":
        return f"深圳市{brand(rng)}{rng.choice(('电镀有限公司', '表面处理有限公司', '五金电镀厂', '金属表面处理有限公司'))}"
    if key == "gas_catering":
        return rng.choice(
            (
                f"{brand(rng)}{rng.choice(DISHES)}",
                f"{place}{rng.choice(DISHES)}",
                f"{brand(rng)}酒楼",
                f"{brand(rng)}餐厅",
            )
        )
    if key == "ebike_charging":
        home = f"{place}{brand(rng)}{rng.choice(HOUSING_WORDS)}"
        return rng.choice(
            (
                f"{home}电动自行车集中充电站",
                f"{home}电动车充电点",
                f"深圳市{brand(rng)}充电科技有限公司（{home}站）",
            )
        )
    if key == "construction":
        return f"深圳市{brand(rng)}建筑工程有限公司（{rng.choice(PROJECTS)}项目部）"
    if key == "confined_space":
        return f"深圳市{brand(rng)}{rng.choice(CONFINED)}"
    if key == "hazardous_chemicals":
        kind = rng.choice(HAZCHEM)
        return (
            f"{place}{brand(rng)}{kind}" if kind in ("加油站", "燃气供应站") else f"深圳市{brand(rng)}{kind}"
        )
    if key == "three_small":
        return f"{brand(rng)}{rng.choice(SHOPS)}"
    if key == "manufacturing":
        return f"深圳市{brand(rng)}{rng.choice(PRODUCTS)}有限公司"
    return f"深圳市{brand(rng)}{rng.choice(SERVICES)}有限公司"


def address(rng: random.Random, street: str, community: str, park: str = "") -> str:
    if park:
        return f"深圳市宝安区{street}{community}{park}{rng.randint(1, 30)}栋{rng.randint(1, 6)}楼"
    return f"深圳市宝安区{street}{community}{rng.choice(ROADS)}{rng.randint(1, 399)}号"


MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "198",
    "199",
)


def mobile(rng: random.Random) -> str:
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"


def landline(rng: random.Random) -> str:
    return f"0755-{rng.choice('23')}{rng.randint(0, 9_999_999):07d}"
