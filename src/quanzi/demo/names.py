"""Believable people for the demo shop: Chinese names, phone numbers, delivery addresses and
courier tracking numbers, all drawn from a seeded ``random.Random`` so that the same seed
gives the same shop."""

from __future__ import annotations

import random
from collections.abc import Iterable

# Common surnames with rough weights (per mille of the population), a few double ones.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 71), ("李", 70), ("张", 66), ("刘", 54), ("陈", 45), ("杨", 33), ("黄", 24),
    ("赵", 21), ("吴", 20), ("周", 19), ("徐", 17), ("孙", 15), ("马", 14), ("朱", 13),
    ("胡", 12), ("郭", 11), ("何", 11), ("林", 10), ("高", 10), ("罗", 9), ("郑", 9),
    ("梁", 8), ("谢", 7), ("宋", 7), ("唐", 7), ("许", 6), ("韩", 6), ("冯", 6), ("邓", 6),
    ("曹", 5), ("彭", 5), ("曾", 5), ("肖", 5), ("田", 5), ("董", 5), ("潘", 4), ("袁", 4),
    ("蔡", 4), ("蒋", 4), ("余", 4), ("于", 4), ("杜", 4), ("叶", 4), ("程", 3), ("魏", 3),
    ("苏", 3), ("吕", 3), ("丁", 3), ("任", 3), ("沈", 3), ("姚", 3), ("卢", 3), ("傅", 3),
    ("钟", 3), ("姜", 3), ("崔", 3), ("谭", 3), ("廖", 2), ("范", 2), ("汪", 2), ("陆", 2),
    ("金", 2), ("石", 2), ("戴", 2), ("贾", 2), ("韦", 2), ("夏", 2), ("邱", 2), ("方", 2),
    ("侯", 2), ("邹", 2), ("熊", 2), ("孟", 2), ("秦", 2), ("白", 2), ("江", 2), ("薛", 2),
    ("尹", 2), ("段", 2), ("雷", 2), ("黎", 2), ("史", 2), ("陶", 2), ("贺", 2), ("顾", 2),
    ("毛", 2), ("龚", 2), ("邵", 2), ("万", 2), ("钱", 2), ("欧阳", 1), ("上官", 1),
)  # fmt: skip

# Given names: one character, or two drawn from a first and a second pool.
FEMALE_SINGLE = "芳娜敏静丽艳娟霞玲丹萍红燕婷雪琳洁颖倩佳欣怡悦雅晶慧莉璐梦瑶琪蕾菲蓉兰"
FEMALE_FIRST = "婉晓雅欣思梦雨佳丽秀春海玉美慧静子若诗紫嘉可心语"
FEMALE_SECOND = "琪婷怡涵萱妍彤琳颖雯玲梅华娟芳洁兰霞云悦宁薇月"
MALE_SINGLE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳东峰"
MALE_FIRST = "志建俊子浩宇明国永家文海嘉天博晨立德泽一振晓"
MALE_SECOND = "强华伟杰轩然航辉平军斌涛峰鹏宁凯豪诚洋阳林安"

# (province, city, districts, streets): where members live.
PLACES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("浙江省", "杭州市", ("西湖区", "拱墅区", "滨江区", "余杭区"), ("文三路", "学院路", "江南大道", "文一西路")),
    ("上海市", "上海市", ("浦东新区", "徐汇区", "静安区", "闵行区"), ("张杨路", "漕溪北路", "南京西路", "莘庄路")),
    ("广东省", "深圳市", ("南山区", "福田区", "宝安区", "龙岗区"), ("科技园路", "深南大道", "新安路", "龙翔大道")),
    ("广东省", "广州市", ("天河区", "海珠区", "越秀区", "番禺区"), ("天河路", "江南大道中", "中山五路", "市桥路")),
    ("北京市", "北京市", ("朝阳区", "海淀区", "丰台区", "西城区"), ("建国路", "中关村大街", "丰台路", "西单北大街")),
    ("江苏省", "南京市", ("鼓楼区", "玄武区", "建邺区", "江宁区"), ("中山北路", "北京东路", "江东中路", "双龙大道")),
    ("江苏省", "苏州市", ("姑苏区", "吴中区", "相城区"), ("人民路", "东吴北路", "阳澄湖路")),
    ("四川省", "成都市", ("武侯区", "锦江区", "青羊区", "成华区"), ("人民南路", "春熙路", "青华路", "建设路")),
    ("湖北省", "武汉市", ("武昌区", "洪山区", "江汉区"), ("中南路", "珞喻路", "解放大道")),
    ("云南省", "昆明市", ("五华区", "盘龙区", "官渡区"), ("东风西路", "北京路", "春城路")),
    ("福建省", "厦门市", ("思明区", "湖里区", "集美区"), ("厦禾路", "湖滨南路", "集美大道")),
    ("山东省", "青岛市", ("市南区", "崂山区", "黄岛区"), ("香港中路", "海尔路", "长江中路")),
    ("陕西省", "西安市", ("雁塔区", "碑林区", "未央区"), ("小寨西路", "南大街", "凤城八路")),
    ("湖南省", "长沙市", ("岳麓区", "天心区", "开福区"), ("麓山南路", "五一大道", "芙蓉中路")),
    ("重庆市", "重庆市", ("渝中区", "江北区", "南岸区"), ("解放碑步行街", "观音桥步行街", "南坪正街")),
)  # fmt: skip

# (carrier, prefix, digits): couriers and the shape of their tracking numbers.
CARRIERS: tuple[tuple[str, str, int], ...] = (
    ("顺丰速运", "SF", 13),
    ("中通快递", "7", 14),
    ("圆通速递", "YT", 13),
    ("韵达快递", "43", 13),
    ("京东物流", "JDX", 12),
)


def _weighted_surname(rng: random.Random) -> str:
    names = [name for name, _ in SURNAMES]
    weights = [weight for _, weight in SURNAMES]
    return rng.choices(names, weights)[0]


def _given_name(rng: random.Random, *, female: bool) -> str:
    single, first, second = (
        (FEMALE_SINGLE, FEMALE_FIRST, FEMALE_SECOND)
        if female
        else (MALE_SINGLE, MALE_FIRST, MALE_SECOND)
    )
    if rng.random() < 0.35:
        return rng.choice(single)
    return rng.choice(first) + rng.choice(second)


def person_names(rng: random.Random, count: int, *, taken: Iterable[str] = ()) -> list[str]:
    """``count`` different full names (about two women for every man, as among the shop's
    buyers), none of them in ``taken``."""
    seen = set(taken)
    names: list[str] = []
    while len(names) < count:
        name = _weighted_surname(rng) + _given_name(rng, female=rng.random() < 0.65)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def member_phone(number: int) -> str:
    """The phone of generated member ``number`` (1, 2, …): ``136`` then eight digits, next to
    the demo's other made-up numbers (operator 138…, members 139…, suppliers 137…)."""
    return f"136{number:08d}"


def address(rng: random.Random, name: str, phone: str) -> dict[str, str]:
    """A delivery address for ``name`` somewhere in one of :data:`PLACES`."""
    province, city, districts, streets = rng.choice(PLACES)
    building = rng.randint(1, 30)
    return {
        "name": name,
        "phone": phone,
        "province": province,
        "city": city,
        "district": rng.choice(districts),
        "line1": f"{rng.choice(streets)}{rng.randint(1, 999)}号",
        "line2": f"{building}栋{rng.randint(1, 4)}单元{rng.randint(1, 32)}0{rng.randint(1, 6)}室",
    }


def tracking(rng: random.Random, carrier: str | None = None) -> tuple[str, str]:
    """A courier (``carrier``, or any of :data:`CARRIERS`) and a tracking number of its
    shape."""
    name, prefix, digits = next(
        (entry for entry in CARRIERS if entry[0] == carrier), rng.choice(CARRIERS)
    )
    return name, prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits))


# What share links are opened with: WeChat's browser on iPhones and Android phones.
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI "
    "Language/zh_CN",
    "Mozilla/5.0 (Linux; Android 14; V2309A Build/UP1A.231005.007; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 "
    "MicroMessenger/8.0.48.2580(0x28003036) WeChat/arm64 Weixin NetType/4G Language/zh_CN",
    "Mozilla/5.0 (Linux; Android 13; 22081212C Build/TKQ1.220829.002; wv) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile "
    "Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F35) NetType/WIFI Language/zh_CN",
)
