"""The demo shop's set-up: the operator and the four demo members, two suppliers with their
staff, twenty products, the shop-owner membership plan, the group campaigns and a first
referral tree.

Idempotent: every account, supplier, product, plan and campaign is looked up before it is
created, so running the set-up again creates nothing new. Everything goes through the
modules' services (the same rules as the API).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from quanzi.catalog import service as catalog
from quanzi.catalog.queries import get_product_view
from quanzi.catalog.rules import SkuDraft
from quanzi.groupbuy import campaigns
from quanzi.identity import service as identity
from quanzi.membership import service as membership
from quanzi.referral import rules as referral_rules
from quanzi.referral import service as referral
from quanzi.referral.binding import bind_quietly

PASSWORD = "quanzi-demo"
OPERATOR = ("13800000000", "圈子运营")
MEMBERS = (
    ("13900000001", "王小梅"),
    ("13900000002", "李晓明"),
    ("13900000003", "张伟"),
    ("13900000004", "陈静"),
)


# The default paid membership (Yunji's ¥398 shop owner, seed §3).
SHOP_OWNER_PLAN = ("Shop owner", 39800, 365)


@dataclass(frozen=True)
class DemoSupplier:
    name: str
    staff_phone: str
    staff_name: str


@dataclass(frozen=True)
class DemoProduct:
    supplier: str
    title: str
    category: str
    image: str
    description: str
    skus: tuple[SkuDraft, ...]


TEA_FACTORY = "云南普洱茶厂"
TEXTILE_FACTORY = "宁波家纺工厂"

SUPPLIERS = (
    DemoSupplier(TEA_FACTORY, "13700000001", "刘师傅"),
    DemoSupplier(TEXTILE_FACTORY, "13700000002", "陈经理"),
)


def _sku(
    name: str, price_fen: int, stock: int, *, member: int | None = None, supply: int = 0
) -> SkuDraft:
    return SkuDraft(
        name=name,
        price_fen=price_fen,
        stock=stock,
        member_price_fen=member,
        supply_price_fen=supply,
    )


PRODUCTS = (
    DemoProduct(
        TEA_FACTORY,
        "2018年勐海古树普洱生茶饼",
        "茶叶",
        "tea-puer-raw-cake",
        "勐海百年古树春料，传统石磨压制，每饼357克。汤色金黄透亮，回甘持久，适合收藏与日常品饮。",
        (
            _sku("357g 单饼", 29800, 200, member=25800, supply=15000),
            _sku("整提 7 饼", 198000, 50, member=178000, supply=100000),
        ),
    ),
    DemoProduct(
        TEA_FACTORY,
        "宫廷级普洱熟茶散茶",
        "茶叶",
        "tea-puer-ripe",
        "选用勐海一级芽头渥堆发酵，汤色红浓，入口醇滑，无堆味。冲泡方便，办公室常备。",
        (
            _sku("250g 罐装", 8800, 300, member=7800, supply=4200),
            _sku("500g 袋装", 15800, 150, member=13800, supply=7600),
        ),
    ),
    DemoProduct(
        TEA_FACTORY,
        "凤庆滇红金芽红茶",
        "茶叶",
        "tea-dianhong",
        "凤庆大叶种单芽制作，满披金毫，蜜香浓郁。热饮冷泡皆宜，可加奶做奶茶。",
        (
            _sku("100g 罐装", 12800, 240, member=10800, supply=6000),
            _sku("250g 礼盒", 29800, 80, member=26800, supply=14000),
        ),
    ),
    DemoProduct(
        TEA_FACTORY,
        "景谷月光白茶饼",
        "茶叶",
        "tea-moonlight-white",
        "景谷大白茶月下萎凋，一面白一面黑，花香甜润。200克一饼，可煮可泡。",
        (_sku("200g 饼", 16800, 120, supply=8000),),
    ),
    DemoProduct(
        TEA_FACTORY,
        "新会小青柑普洱茶",
        "茶叶",
        "tea-citrus-puer",
        "新会青柑皮包裹宫廷普洱熟茶，柑香清新、茶汤醇厚。独立小包装，一颗一泡。",
        (
            _sku("10 颗装", 6800, 400, member=5800, supply=3000),
            _sku("30 颗礼盒", 18800, 120, member=16800, supply=8500),
        ),
    ),
    DemoProduct(
        TEA_FACTORY,
        "云南高山蓝莓",
        "水果",
        "fruit-blueberry",
        "澄江高原种植，果粉完整，单果直径 15mm 以上。冷链直发，坏果包赔。",
        (
            _sku("125g × 4 盒", 6990, 300, member=5990, supply=3800),
            _sku("125g × 8 盒", 12990, 150, member=10990, supply=7200),
        ),
    ),
    DemoProduct(
        TEA_FACTORY,
        "华坪金沙江晚熟芒果",
        "水果",
        "fruit-mango",
        "金沙江干热河谷种植，自然成熟后采摘，果肉细腻少纤维，香甜多汁。",
        (
            _sku("5 斤装", 5990, 500, member=4990, supply=3000),
            _sku("10 斤装", 9990, 260, member=8990, supply=5600),
        ),
    ),
    DemoProduct(
        TEA_FACTORY,
        "云南高原冰糖橙",
        "水果",
        "fruit-orange",
        "高原日照充足，皮薄易剥，酸甜适口。产地当天采摘，顺丰发货。",
        (
            _sku("5 斤装", 4990, 400, member=3990, supply=2500),
            _sku("10 斤装", 8990, 200, supply=4600),
        ),
    ),
    DemoProduct(
        TEA_FACTORY,
        "蒙自甜石榴",
        "水果",
        "fruit-pomegranate",
        "蒙自红土地出产，籽粒饱满，汁多味甜。每箱 8 个，单果 300 克以上。",
        (_sku("8 个装", 5980, 180, member=4980, supply=3200),),
    ),
    DemoProduct(
        TEXTILE_FACTORY,
        "新疆长绒棉四件套",
        "家纺",
        "home-bedding-set",
        "60 支新疆长绒棉贡缎，亲肤柔滑，越洗越软。含被套、床单和两只枕套。",
        (
            _sku("1.5m 床", 39900, 120, member=34900, supply=18000),
            _sku("1.8m 床", 45900, 100, member=39900, supply=21000),
        ),
    ),
    DemoProduct(
        TEXTILE_FACTORY,
        "95% 白鹅绒羽绒被",
        "家纺",
        "home-down-duvet",
        "95% 白鹅绒，蓬松度 800+，全棉防钻绒面料。轻盈保暖，适合冬季。",
        (
            _sku("150 × 200cm", 89900, 60, member=79900, supply=42000),
            _sku("200 × 230cm", 119900, 50, member=99900, supply=56000),
        ),
    ),
    DemoProduct(
        TEXTILE_FACTORY,
        "泰国天然乳胶枕",
        "家纺",
        "home-latex-pillow",
        "天然乳胶含量 93%，人体工学曲线，支撑颈椎。透气孔设计，不易闷热。",
        (
            _sku("单只装", 12900, 300, member=9900, supply=5200),
            _sku("一对装", 23900, 150, member=18900, supply=10000),
        ),
    ),
    DemoProduct(
        TEXTILE_FACTORY,
        "A 类纯棉毛巾三条装",
        "家纺",
        "home-towels",
        "A 类婴幼儿标准，32 支纯棉，吸水不掉毛。三条不同颜色，全家分用。",
        (_sku("三条装", 3990, 500, member=2990, supply=1500),),
    ),
    DemoProduct(
        TEXTILE_FACTORY,
        "冰丝凉席三件套",
        "家纺",
        "home-summer-mat",
        "冰丝面料，触感清凉，可机洗可折叠。含凉席一张、枕套两只。",
        (
            _sku("1.5m 床", 19900, 200, member=16900, supply=8000),
            _sku("1.8m 床", 22900, 160, supply=9500),
        ),
    ),
    DemoProduct(
        TEXTILE_FACTORY,
        "无患子天然洗衣液",
        "日用",
        "daily-laundry",
        "无患子植物提取，低泡易漂，无荧光增白剂。婴儿衣物也能放心洗。",
        (
            _sku("2kg 瓶装", 4990, 400, member=3990, supply=2000),
            _sku("2kg × 2 瓶", 8990, 200, member=7490, supply=3800),
        ),
    ),
    DemoProduct(
        TEXTILE_FACTORY,
        "竹浆本色抽纸",
        "日用",
        "daily-tissue",
        "100% 竹浆，不添加漂白剂，柔韧不易破。3 层 120 抽，整箱 24 包。",
        (_sku("24 包整箱", 5990, 350, member=4990, supply=3000),),
    ),
    DemoProduct(
        TEXTILE_FACTORY,
        "316 不锈钢保温杯 500ml",
        "日用",
        "daily-thermos",
        "316 医用级不锈钢内胆，12 小时保温，一键开盖防漏。",
        (
            _sku("象牙白", 12900, 220, member=9900, supply=4800),
            _sku("墨黑", 12900, 220, member=9900, supply=4800),
            _sku("雾霾蓝", 12900, 150, member=9900, supply=4800),
        ),
    ),
    DemoProduct(
        TEXTILE_FACTORY,
        "65W 氮化镓快充充电器",
        "数码配件",
        "digital-charger",
        "氮化镓芯片，体积小巧，2C1A 三口输出，笔记本、平板和手机同时充。",
        (
            _sku("充电头", 12900, 300, member=9900, supply=5500),
            _sku("充电头 + 1m 数据线", 14900, 200, member=11900, supply=6500),
        ),
    ),
    DemoProduct(
        TEXTILE_FACTORY,
        "USB-C 编织快充数据线",
        "数码配件",
        "digital-cable",
        "USB-C to USB-C，支持 60W PD 快充，编织线身耐弯折 20000 次以上。",
        (
            _sku("1m", 2990, 500, supply=900),
            _sku("2m", 3990, 400, member=2990, supply=1200),
        ),
    ),
    DemoProduct(
        TEXTILE_FACTORY,
        "磁吸无线充电宝 10000mAh",
        "数码配件",
        "digital-powerbank",
        "磁吸即充，支持 15W 无线快充和 20W 有线快充，机身仅 200 克。",
        (_sku("10000mAh", 19900, 180, member=15900, supply=9000),),
    ),
)


@dataclass(frozen=True)
class DemoCampaign:
    """A group deal on one demo SKU (shown on the home and product pages). The operator runs
    each for a month at a time and starts the next one when it ends."""

    product: str
    sku: str
    group_price_fen: int
    group_size: int
    duration_minutes: int
    leader_discount_fen: int = 0
    per_user_limit: int = 1
    platform_fill_seats: int = 0


CAMPAIGNS = (
    DemoCampaign(
        "2018年勐海古树普洱生茶饼", "357g 单饼", 19900, 3, 24 * 60, leader_discount_fen=1000
    ),
    DemoCampaign("云南高山蓝莓", "125g × 4 盒", 4990, 2, 24 * 60),
    # The platform pays the last seat of a mango group that ends one short (平台补位).
    DemoCampaign("华坪金沙江晚熟芒果", "5 斤装", 3990, 3, 24 * 60, platform_fill_seats=1),
    DemoCampaign("泰国天然乳胶枕", "单只装", 8900, 2, 24 * 60, per_user_limit=2),
    DemoCampaign("A 类纯棉毛巾三条装", "三条装", 2590, 3, 24 * 60, per_user_limit=3),
    DemoCampaign("新会小青柑普洱茶", "10 颗装", 4500, 2, 12 * 60),
)


@dataclass
class SeedReport:
    """What the seed found or made; ``created`` counts only what this run added."""

    created: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, *, new: bool) -> None:
        self.totals[kind] = self.totals.get(kind, 0) + 1
        if new:
            self.created[kind] = self.created.get(kind, 0) + 1


@dataclass(frozen=True)
class Shop:
    """The ids the history needs from the set-up."""

    operator_id: uuid.UUID
    plan_id: uuid.UUID
    product_ids: dict[str, uuid.UUID]
    staff_ids: dict[uuid.UUID, uuid.UUID]
    """Supplier id → the staff member who runs its portal."""


async def _ensure_member(
    session: AsyncSession, phone: str, display_name: str, report: SeedReport
) -> uuid.UUID:
    existing = await identity.find_by_phone(session, phone)
    if existing is None:
        existing = await identity.create_user(
            session, phone=phone, password=PASSWORD, display_name=display_name
        )
        report.count("accounts", new=True)
    else:
        report.count("accounts", new=False)
    return existing.id


async def _ensure_operator(session: AsyncSession, report: SeedReport) -> uuid.UUID:
    phone, name = OPERATOR
    existing = await identity.find_by_phone(session, phone)
    if existing is None or "operator" not in existing.roles:
        operator = await identity.ensure_operator(
            session, phone=phone, password=PASSWORD, display_name=name
        )
    else:
        operator = existing
    report.count("accounts", new=existing is None)
    return operator.id


async def set_up(session: AsyncSession, report: SeedReport) -> Shop:
    """Make (or find) everything the shop sells with and the people who run it."""
    operator_id = await _ensure_operator(session, report)
    for phone, name in MEMBERS:
        await _ensure_member(session, phone, name, report)

    supplier_ids = {}
    staff_ids = {}
    for demo_supplier in SUPPLIERS:
        supplier = await catalog.find_supplier_by_name(session, demo_supplier.name)
        if supplier is None:
            supplier = await catalog.create_supplier(session, name=demo_supplier.name)
            report.count("suppliers", new=True)
        else:
            report.count("suppliers", new=False)
        supplier_ids[demo_supplier.name] = supplier.id
        staff_ids[supplier.id] = await _ensure_member(
            session,
            demo_supplier.staff_phone,
            f"{demo_supplier.staff_name}（{demo_supplier.name}）",
            report,
        )
        await catalog.add_staff(session, supplier.id, phone=demo_supplier.staff_phone)

    product_ids = {}
    for demo in PRODUCTS:
        supplier_id = supplier_ids[demo.supplier]
        existing = await catalog.find_product(session, supplier_id=supplier_id, title=demo.title)
        if existing is not None:
            product_ids[demo.title] = existing.id
        else:
            created = await catalog.create_product(
                session,
                supplier_id=supplier_id,
                title=demo.title,
                category=demo.category,
                description=demo.description,
                images=[f"/static/demo/{demo.image}.svg"],
                skus=demo.skus,
            )
            product_ids[demo.title] = created.product.id
        report.count("products", new=existing is None)
    await ensure_campaigns(session, product_ids, report)

    name, price_fen, duration_days = SHOP_OWNER_PLAN
    plan = await membership.find_plan_by_name(session, name)
    if plan is None:
        plan = (
            await membership.create_plan(
                session, name=name, price_fen=price_fen, duration_days=duration_days
            )
        ).plan
        report.count("membership plans", new=True)
    else:
        report.count("membership plans", new=False)
    await _ensure_referrals(session, list(product_ids.values()))
    return Shop(operator_id, plan.id, product_ids, staff_ids)


# Who invited whom among the demo members (invitee, referrer), and who shares what.
REFERRALS = (
    ("13900000002", "13900000001"),
    ("13900000003", "13900000001"),
    ("13900000004", "13900000002"),
)
SHARER = "13900000001"


async def _ensure_referrals(session: AsyncSession, product_ids: list[uuid.UUID]) -> None:
    """A small referral tree (王小梅 <- 李晓明 <- 陈静, 王小梅 <- 张伟) and 王小梅's share links
    to the first two products. Binding is first touch and links are reused, so a second
    run changes nothing."""
    for invitee_phone, referrer_phone in REFERRALS:
        invitee = await identity.find_by_phone(session, invitee_phone)
        referrer = await identity.find_by_phone(session, referrer_phone)
        if invitee is not None and referrer is not None:
            await bind_quietly(session, invitee.id, referrer.id, via=referral_rules.VIA_INVITE)
    sharer = await identity.find_by_phone(session, SHARER)
    if sharer is not None:
        for product_id in product_ids[:2]:
            await referral.create_link(
                session, sharer.id, target_kind=referral_rules.PRODUCT, target_id=product_id
            )


async def ensure_campaigns(
    session: AsyncSession, product_ids: dict[str, uuid.UUID], report: SeedReport
) -> None:
    """A running group campaign on each of :data:`CAMPAIGNS`' SKUs (a new one once the
    previous one has ended)."""
    running = {c.sku_id for c in await campaigns.list_campaigns(session, running_only=True)}
    for deal in CAMPAIGNS:
        view = await get_product_view(session, product_ids[deal.product], public=False)
        sku = next(sku for sku in view.skus if sku.name == deal.sku)
        if sku.id not in running:
            await campaigns.create_campaign(
                session,
                sku_id=sku.id,
                group_price_fen=deal.group_price_fen,
                group_size=deal.group_size,
                duration_minutes=deal.duration_minutes,
                leader_discount_fen=deal.leader_discount_fen,
                per_user_limit=deal.per_user_limit,
                platform_fill_seats=deal.platform_fill_seats,
            )
        report.count("group campaigns", new=sku.id not in running)
