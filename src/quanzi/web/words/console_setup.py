"""Operator console words for setting the shop up: catalog, group campaigns and live groups,
production batches, membership plans and the commission plan editor."""

from __future__ import annotations

from collections.abc import Mapping

# key: (中文, English). Placeholders use str.format names.
MESSAGES: Mapping[str, tuple[str, str]] = {
    # shared by the setup pages
    "console_setup_pages": ("翻页", "Pages"),
    "console_setup_first_page": ("回到第一页", "First page"),
    "console_setup_next_page": ("下一页", "Next page"),
    "console_setup_save": ("保存", "Save"),
    "console_setup_yuan_hint": ("单位元，最多两位小数", "In yuan, at most two decimals"),
    # catalog
    "console_catalog_title": ("商品管理", "Catalog"),
    "console_catalog_new": ("新建商品", "New product"),
    "console_catalog_filter": ("筛选", "Filter"),
    "console_catalog_search": ("搜索标题或描述", "Search title or description"),
    "console_catalog_category": ("分类", "Category"),
    "console_catalog_status": ("状态", "Status"),
    "console_catalog_status_all": ("全部", "All"),
    "console_catalog_status_active": ("在售", "On sale"),
    "console_catalog_status_archived": ("已下架", "Off sale"),
    "console_catalog_product": ("商品", "Product"),
    "console_catalog_supplier": ("供应商", "Supplier"),
    "console_catalog_skus": ("规格", "SKUs"),
    "console_catalog_price": ("售价", "Price"),
    "console_catalog_stock": ("可售库存", "Stock"),
    "console_catalog_reserved": ("待付款占用", "Held by unpaid orders"),
    "console_catalog_sold": ("已售", "Sold"),
    "console_catalog_updated": ("更新时间", "Updated"),
    "console_catalog_none": ("没有符合条件的商品。", "No products match."),
    "console_catalog_title_field": ("商品标题", "Title"),
    "console_catalog_supplier_pick": ("— 选择供应商 —", "— Pick a supplier —"),
    "console_catalog_new_supplier": ("或新供应商名称", "Or a new supplier's name"),
    "console_catalog_new_supplier_hint": (
        "填写后以此名称为准；没有这个供应商时会新建",
        "When filled in, this name is used; a supplier with it is created if none exists",
    ),
    "console_catalog_description": ("商品描述", "Description"),
    "console_catalog_images": ("图片地址", "Image URLs"),
    "console_catalog_images_hint": (
        "每行一个，http(s) 地址或以 / 开头的站内路径，最多 10 张",
        "One per line: http(s) URLs or paths on this site starting with /, at most 10",
    ),
    "console_catalog_first_sku": ("第一个规格", "First SKU"),
    "console_catalog_sku_name": ("规格名称", "SKU name"),
    "console_catalog_sku_name_hint": ("如 357g 单饼", "e.g. 357 g cake"),
    "console_catalog_sku_price": ("售价", "Price"),
    "console_catalog_member_price": ("会员价", "Member price"),
    "console_catalog_member_price_hint": (
        "可不填；不能高于售价，留空即取消会员价",
        "Optional; not above the price. Leave blank for none",
    ),
    "console_catalog_supply_price": ("供货价", "Supply price"),
    "console_catalog_supply_price_hint": (
        "付给供应商的单价，留空为 0",
        "What the supplier is paid per unit; blank means 0",
    ),
    "console_catalog_opening_stock": ("初始库存", "Opening stock"),
    "console_catalog_create": ("创建商品", "Create product"),
    "console_catalog_details": ("商品信息", "Product details"),
    "console_catalog_publish": ("上架", "Put on sale"),
    "console_catalog_unpublish": ("下架", "Take off sale"),
    "console_catalog_sku_off": ("停售", "Not on sale"),
    "console_catalog_edit_sku": ("编辑规格 {name}", "Edit SKU {name}"),
    "console_catalog_sku_active": ("在售", "On sale"),
    "console_catalog_adjust_stock": ("调整库存", "Adjust stock"),
    "console_catalog_stock_delta": ("库存增减", "Units to add or remove"),
    "console_catalog_stock_delta_hint": (
        "正数补货，负数减少；待付款和已售的件数不受影响",
        "Positive restocks, negative removes; units held by orders are never touched",
    ),
    "console_catalog_start_campaign": (
        "用这个规格发起拼团活动",
        "Start a group campaign on this SKU",
    ),
    "console_catalog_add_sku": ("新增规格", "Add a SKU"),
    "console_catalog_done_created": ("商品已创建。", "Product created."),
    "console_catalog_done_saved": ("商品信息已保存。", "Product saved."),
    "console_catalog_done_published": ("商品已上架。", "The product is on sale."),
    "console_catalog_done_unpublished": (
        "商品已下架，已下的订单不受影响。",
        "The product is off sale; orders already placed are not affected.",
    ),
    "console_catalog_done_sku_added": ("规格已添加。", "SKU added."),
    "console_catalog_done_sku_saved": (
        "规格已保存，新价格只用于此后下的订单。",
        "SKU saved; new prices apply to orders placed from now on.",
    ),
    "console_catalog_done_stock": ("库存已调整。", "Stock adjusted."),
    # group campaigns
    "console_campaign_title": ("拼团活动", "Group campaigns"),
    "console_campaign_new": ("新建拼团活动", "New group campaign"),
    "console_campaign_name": ("活动", "Campaign"),
    "console_campaign_state": ("状态", "State"),
    "console_campaign_phase_running": ("进行中", "Running"),
    "console_campaign_phase_scheduled": ("未开始", "Not started"),
    "console_campaign_phase_over": ("已到期", "Past its end"),
    "console_campaign_phase_paused": ("已暂停", "Paused"),
    "console_campaign_phase_ended": ("已结束", "Ended"),
    "console_campaign_group_price": ("拼团价", "Group price"),
    "console_campaign_group_size": ("成团人数", "Group size"),
    "console_campaign_seats": ("已占名额 / 配额", "Seats held / allotment"),
    "console_campaign_live_groups": ("进行中的团", "Live groups"),
    "console_campaign_succeeded_failed": ("成团 / 失败", "Succeeded / failed"),
    "console_campaign_sold": ("成团售出件数", "Units sold in groups"),
    "console_campaign_ends_at": ("结束时间", "Ends"),
    "console_campaign_starts_at": ("开始时间", "Starts"),
    "console_campaign_none": ("还没有拼团活动。", "No group campaigns yet."),
    "console_campaign_latest": (
        "只列出最近 {n} 个活动。",
        "Only the latest {n} campaigns are listed.",
    ),
    "console_campaign_offer": ("拼团条件", "The offer"),
    "console_campaign_sku": ("商品规格", "SKU"),
    "console_campaign_sku_pick": ("— 选择在售规格 —", "— Pick a SKU on sale —"),
    "console_campaign_sku_hint": (
        "列出最新上架商品的在售规格（含单买价）",
        "SKUs on sale of the newest products, with their solo price",
    ),
    "console_campaign_group_price_hint": (
        "单位元，必须低于单买价",
        "In yuan, below the SKU's solo price",
    ),
    "console_campaign_group_size_hint": ("2 到 100 人", "2 to 100 people"),
    "console_campaign_duration": ("成团时限（分钟）", "Time to fill a group (minutes)"),
    "console_campaign_duration_hint": (
        "开团后多久内凑齐，如 1440 = 24 小时，最长 7 天",
        "How long a group has to fill, e.g. 1440 = 24 hours; at most 7 days",
    ),
    "console_campaign_when": ("活动时间", "When"),
    "console_campaign_starts_at_hint": (
        "店铺时区 {tz}；留空即刻开始",
        "Shop time zone {tz}; blank starts now",
    ),
    "console_campaign_ends_at_hint": (
        "留空则开始后 {days} 天结束",
        "Blank ends it {days} days after the start",
    ),
    "console_campaign_limits": ("名额与福利", "Seats and perks"),
    "console_campaign_allotment": ("活动配额（件）", "Allotment (units)"),
    "console_campaign_allotment_hint": (
        "所有团合计最多占用的名额，留空为当前可售库存",
        "Seats all groups together may hold; blank means the SKU's free stock now",
    ),
    "console_campaign_per_user_limit": ("每人限购", "Limit per person"),
    "console_campaign_per_user_limit_hint": ("1 到 1000", "1 to 1000"),
    "console_campaign_leader_discount": ("团长优惠", "Leader perk"),
    "console_campaign_leader_discount_hint": (
        "团长在拼团价上再减的金额（元），须低于拼团价",
        "Taken off the group price for the leader (yuan); below the group price",
    ),
    "console_campaign_platform_fill": ("平台补位人数", "Platform fill (seats)"),
    "console_campaign_platform_fill_hint": (
        "到期时最多差几人由平台补齐（公开显示），须少于成团人数",
        "Missing seats the platform pays for at the deadline (shown openly); below the group size",
    ),
    "console_campaign_create": ("创建活动", "Create campaign"),
    "console_campaign_rule_group_price": (
        "拼团价必须大于 0 且低于单买价 {solo}。",
        "The group price must be above zero and below the solo price {solo}.",
    ),
    "console_campaign_rule_group_size": (
        "成团人数必须在 {low} 到 {high} 之间。",
        "A group has {low} to {high} people.",
    ),
    "console_campaign_rule_duration": (
        "成团时限必须在 1 到 {longest} 分钟之间。",
        "The time to fill must be 1 to {longest} minutes.",
    ),
    "console_campaign_rule_ends_at": (
        "结束时间必须晚于开始时间。",
        "The end must come after the start.",
    ),
    "console_campaign_rule_allotment": (
        "配额至少要够一个满团。",
        "The allotment must cover at least one full group.",
    ),
    "console_campaign_rule_per_user_limit": (
        "每人限购至少为 1。",
        "The limit per person is at least 1.",
    ),
    "console_campaign_rule_leader_discount": (
        "团长优惠必须低于拼团价（团长仍需付款）。",
        "The leader perk must be below the group price (the leader still pays).",
    ),
    "console_campaign_rule_platform_fill": (
        "平台补位人数必须少于成团人数（大部分名额由会员凑齐）。",
        "Platform fill must be below the group size (members fill most seats).",
    ),
    "console_campaign_pause": ("暂停", "Pause"),
    "console_campaign_resume": ("恢复", "Resume"),
    "console_campaign_end": ("结束活动（不可恢复）", "End for good"),
    "console_campaign_leader_pays": ("团长付 {price}", "leader pays {price}"),
    "console_campaign_live": ("进行中的团", "Live groups"),
    "console_campaign_closed": ("已结束的团", "Closed groups"),
    "console_campaign_group": ("团", "Group"),
    "console_campaign_paid_seats": ("已付款 / 人数", "Paid / size"),
    "console_campaign_paid_of": ("{paid}/{size}", "{paid}/{size}"),
    "console_campaign_unpaid": ("另 {n} 人待付款", "{n} more unpaid"),
    "console_campaign_filled": ("平台补位 {n}", "{n} filled by the platform"),
    "console_campaign_leader": ("团长", "Leader"),
    "console_campaign_expires_in": ("剩余时间", "Expires in"),
    "console_campaign_closed_at": ("结束于", "Closed at"),
    "console_campaign_awaiting_leader": ("等团长付款", "Waiting for the leader to pay"),
    "console_campaign_no_groups": ("暂无。", "None."),
    "console_campaign_settings": ("调整活动", "Change the campaign"),
    "console_campaign_ended_note": (
        "活动已结束，不能再修改。",
        "The campaign has ended and can no longer be changed.",
    ),
    "console_campaign_allotment_taken": (
        "不能低于已占用的 {n} 个名额",
        "Not below the {n} seats already held",
    ),
    "console_campaign_done_created": ("拼团活动已创建。", "Group campaign created."),
    "console_campaign_done_saved": ("活动已保存。", "Campaign saved."),
    "console_campaign_done_paused": (
        "活动已暂停：不能开新团或参团。",
        "Campaign paused: no new groups or joins.",
    ),
    "console_campaign_done_resumed": ("活动已恢复。", "Campaign resumed."),
    "console_campaign_done_ended": ("活动已结束。", "Campaign ended."),
    # production batches
    "console_batch_title": ("生产批次", "Production batches"),
    "console_batch_status": ("状态", "Status"),
    "console_batch_status_all": ("全部", "All"),
    "console_batch_status_collecting": ("汇总中", "Collecting"),
    "console_batch_status_created": ("已截单", "Cut"),
    "console_batch_status_in_production": ("生产中", "In production"),
    "console_batch_status_produced": ("已生产", "Produced"),
    "console_batch_product": ("商品 · 规格", "Product · SKU"),
    "console_batch_supplier": ("供应商", "Supplier"),
    "console_batch_quantity": ("数量", "Quantity"),
    "console_batch_orders": ("订单", "Orders"),
    "console_batch_payable": ("供货成本", "Supply cost"),
    "console_batch_booked": ("应付供应商", "Owed to the supplier"),
    "console_batch_collecting_since": ("开始汇总", "Collecting since"),
    "console_batch_cut_at": ("截单时间", "Cut at"),
    "console_batch_started_at": ("开始生产", "Production started"),
    "console_batch_produced_at": ("生产完成", "Produced at"),
    "console_batch_shipped": ("已发货", "Shipped"),
    "console_batch_none": ("没有批次。", "No batches."),
    "console_batch_cut_now": ("立即截单", "Cut now"),
    "console_batch_order": ("订单", "Order"),
    "console_batch_order_status": ("订单状态", "Order status"),
    "console_batch_ship_to": ("收货人", "Ship to"),
    "console_batch_tracking": ("物流", "Shipment"),
    "console_batch_not_shipped": ("未发货", "Not shipped"),
    "console_batch_refunded": ("已退款", "Refunded"),
    "console_batch_no_orders": ("这个批次还没有订单。", "This batch has no orders yet."),
    "console_batch_rule": ("截单规则", "Cut rule"),
    "console_batch_rule_now_daily": (
        "当前：每天零点（店铺时区）截单。",
        "Now: batches are cut at midnight, shop time.",
    ),
    "console_batch_rule_now_threshold": (
        "当前：一个批次达到 {n} 件立即截单，余量零点截单。",
        "Now: a batch is cut as soon as it holds {n} units; the rest at midnight.",
    ),
    "console_batch_rule_mode": ("截单方式", "How batches are cut"),
    "console_batch_rule_daily": ("每天零点", "Daily at midnight"),
    "console_batch_rule_threshold": ("达到数量即截单", "As soon as a quantity is reached"),
    "console_batch_rule_quantity": ("截单数量", "Cut quantity"),
    "console_batch_rule_quantity_hint": (
        "仅“达到数量即截单”时需要",
        "Only needed for “as soon as a quantity is reached”",
    ),
    "console_batch_done_cut": (
        "批次已截单，供应商现在可以看到它。",
        "Batch cut; the supplier can see it now.",
    ),
    "console_batch_done_rule": ("截单规则已保存。", "Cut rule saved."),
    # membership plans
    "console_plan_title": ("会员方案", "Membership plans"),
    "console_plan_new": ("新建会员方案", "New membership plan"),
    "console_plan_name": ("方案名称", "Plan name"),
    "console_plan_state": ("状态", "State"),
    "console_plan_on_sale": ("在售", "On sale"),
    "console_plan_off_sale": ("已停售", "Off sale"),
    "console_plan_price": ("价格", "Price"),
    "console_plan_duration": ("有效期（天）", "Duration (days)"),
    "console_plan_duration_hint": ("1 到 3660 天", "1 to 3660 days"),
    "console_plan_days": ("{n} 天", "{n} days"),
    "console_plan_benefits_short": ("权益", "Benefits"),
    "console_plan_member_prices": ("享受会员价（自购省）", "Member prices on own purchases"),
    "console_plan_member_prices_short": ("会员价", "Member prices"),
    "console_plan_free_shipping": ("包邮门槛", "Free shipping from"),
    "console_plan_free_shipping_hint": (
        "单位元，留空为无此权益，0 为全部包邮",
        "In yuan; blank for none, 0 for free shipping on every order",
    ),
    "console_plan_free_shipping_over": ("满 {amount} 包邮", "free shipping from {amount}"),
    "console_plan_benefits": ("合作品牌权益", "Partner benefits"),
    "console_plan_benefits_hint": (
        "每行一个：品牌 | 说明。删去一行即停止发放该权益（已发的码保留）",
        "One per line: partner | description. Removing a line retires the benefit (codes given stay)",
    ),
    "console_plan_benefit_too_long": (
        "第 {line} 行的说明超过 {most} 个字。",
        "The description on line {line} is longer than {most} characters.",
    ),
    "console_plan_codes_left": ("剩 {n} 个码", "{n} codes left"),
    "console_plan_none": ("还没有会员方案。", "No membership plans yet."),
    "console_plan_active_now": ("创建后立即开售", "On sale once created"),
    "console_plan_create": ("创建方案", "Create plan"),
    "console_plan_activate": ("开售", "Put on sale"),
    "console_plan_deactivate": ("停售", "Take off sale"),
    "console_plan_terms": ("方案条款", "Terms"),
    "console_plan_changes_note": (
        "价格和有效期的修改只用于此后的购买，已购会员不受影响。",
        "Price and duration changes apply to purchases from now on; members keep what they bought.",
    ),
    "console_plan_partners": ("合作品牌与兑换码", "Partners and their codes"),
    "console_plan_partner": ("合作品牌", "Partner"),
    "console_plan_benefit_active": ("发放中", "Granted"),
    "console_plan_benefit_retired": ("已停止", "Retired"),
    "console_plan_codes_available": ("可用码", "Codes left"),
    "console_plan_codes_issued": ("已发放", "Issued"),
    "console_plan_grants_waiting": ("等待发码", "Members waiting"),
    "console_plan_no_partners": ("没有合作品牌权益。", "No partner benefits."),
    "console_plan_upload_codes": ("上传兑换码", "Upload codes"),
    "console_plan_codes": ("兑换码", "Codes"),
    "console_plan_codes_hint": (
        "每行一个，最多 5000 个；已有的码会跳过，等待中的会员会立即拿到",
        "One per line, at most 5000; codes already there are skipped, waiting members get theirs at once",
    ),
    "console_plan_upload": ("上传", "Upload"),
    "console_plan_uploaded": (
        "新增 {added} 个，重复 {duplicates} 个，立即发放 {issued} 个。",
        "{added} added, {duplicates} already there, {issued} handed out at once.",
    ),
    "console_plan_done_created": ("会员方案已创建。", "Membership plan created."),
    "console_plan_done_saved": ("会员方案已保存。", "Membership plan saved."),
    "console_plan_done_activated": ("方案已开售。", "The plan is on sale."),
    "console_plan_done_deactivated": (
        "方案已停售，已购会员不受影响。",
        "The plan is off sale; members keep what they bought.",
    ),
    "console_plan_done_codes": ("兑换码已上传：", "Codes uploaded:"),
    # commission plan
    "console_commission_title": ("佣金方案", "Commission plan"),
    "console_commission_version": ("第 {n} 版", "Version {n}"),
    "console_commission_version_col": ("版本", "Version"),
    "console_commission_in_force": ("生效中", "In force"),
    "console_commission_saved": (
        "已保存为第 {n} 版，此后付款的订单按它计佣。",
        "Saved as version {n}; orders paid from now on earn under it.",
    ),
    "console_commission_checks": ("合规检查", "Compliance check"),
    "console_commission_draft_warnings": ("这份方案的提醒", "Warnings about this plan"),
    "console_commission_current_warnings": (
        "第 {n} 版（生效中）的提醒",
        "Warnings about version {n} (in force)",
    ),
    "console_commission_warnings": ("提醒", "Warnings"),
    "console_commission_no_warnings": ("没有提醒。", "No warnings."),
    "console_commission_rules_summary": (
        "保存前会按《禁止传销条例》检查：最多 {most} 级计佣（分享者为第 1 级），各级合计不超过 50%，"
        "不得按会员费或拉人头计酬。",
        "Before saving, the plan is checked against China's Regulations on Prohibition of "
        "Pyramid Selling: at most {most} paid levels (the sharer is level 1), all levels "
        "together at most 50 %, nothing paid on membership fees or for recruiting.",
    ),
    "console_commission_levels": ("分享与层级", "Sharer and levels"),
    "console_commission_share_rate": ("分享佣金（第 1 级）", "Share commission (level 1)"),
    "console_commission_percent_hint": ("百分比，最多两位小数", "Percent, at most two decimals"),
    "console_commission_override": (
        "第 {level} 级（上 {up} 级）",
        "Level {level} ({up} up)",
    ),
    "console_commission_override_hint": (
        "留空即不计佣；层级须连续",
        "Blank means the level is not paid; levels follow one another",
    ),
    "console_commission_level_gap": (
        "第 {level} 级之前有未填写的层级：层级须连续。",
        "A level before level {level} is blank: levels follow one another.",
    ),
    "console_commission_payout": ("结算", "Payout"),
    "console_commission_freeze_days": ("冻结期（天）", "Freeze days"),
    "console_commission_freeze_days_hint": (
        "订单完成后多少天佣金可提现，0 到 365",
        "Days after completion before commission can be withdrawn, 0 to 365",
    ),
    "console_commission_earning": ("谁能赚佣金", "Who earns"),
    "console_commission_earning_members": (
        "仅付费会员（店主）",
        "Paying members (shop owners) only",
    ),
    "console_commission_earning_everyone": ("所有用户", "Every user"),
    "console_commission_ranks": ("职级", "Ranks"),
    "console_commission_rank_counting": ("职级按谁计算", "Ranks count"),
    "console_commission_counting_team": ("整个团队的店主", "Shop owners in the whole team"),
    "console_commission_counting_direct": ("直接邀请的店主", "Directly invited shop owners"),
    "console_commission_rank_sales_manager": ("销售经理", "Sales manager"),
    "console_commission_rank_service_manager": ("服务经理", "Service manager"),
    "console_commission_threshold": ("{rank}所需店主数", "Shop owners for {rank}"),
    "console_commission_base_pay": ("{rank}月底薪", "{rank} monthly base pay"),
    "console_commission_rank_override": ("{rank}团队额外佣金（%）", "{rank} team override (%)"),
    "console_commission_team_volume": ("团队业绩规则", "Team-volume rule"),
    "console_commission_team_volume_on": (
        "底薪须团队上月达到销售额",
        "Base pay needs last month's team sales",
    ),
    "console_commission_team_volume_hint": (
        "按团队业绩计酬会收到合规提醒",
        "Pay tied to team sales gets a compliance warning",
    ),
    "console_commission_team_volume_min": ("团队月销售额门槛", "Monthly team sales needed"),
    "console_commission_special_rates": ("分类与单品费率", "Category and SKU rates"),
    "console_commission_category_rates": ("分类分享佣金", "Share rate by category"),
    "console_commission_category_rates_hint": (
        "每行一个：分类 = 百分比，如 茶叶 = 12",
        "One per line: category = percent, e.g. 茶叶 = 12",
    ),
    "console_commission_sku_rates": ("单品分享佣金", "Share rate by SKU"),
    "console_commission_sku_rates_hint": (
        "每行一个：规格 ID = 百分比",
        "One per line: SKU id = percent",
    ),
    "console_commission_bad_line": (
        "第 {line} 行看不懂：请写成“名称 = 百分比”。",
        "Line {line} cannot be read: write “name = percent”.",
    ),
    "console_commission_too_many_lines": ("最多 {most} 行。", "At most {most} lines."),
    "console_commission_forbidden": ("禁止项", "Not allowed"),
    "console_commission_forbidden_hint": (
        "须为 0：按会员费或拉人头计酬属于入门费式传销",
        "Must be 0: pay on membership fees or for recruiting is an entry-fee scheme",
    ),
    "console_commission_membership_fee_rate": ("会员费提成（%）", "Share of membership fees (%)"),
    "console_commission_recruit_reward": ("拉新奖励", "Reward per recruit"),
    "console_commission_save": ("检查并保存为新版本", "Check and save as a new version"),
    "console_commission_history": ("历史版本", "History"),
    "console_commission_rates": ("各级费率", "Level rates"),
    "console_commission_set_by": ("设置人", "Set by"),
    "console_commission_set_at": ("设置时间", "Set at"),
    "console_commission_built_in": ("系统默认", "Built in"),
    "console_commission_depth": ("计佣层级", "Levels paid"),
    "console_commission_start_from": ("以此版本为基础编辑", "Edit starting from this version"),
    "console_commission_refusal_max_depth": (
        "规则 max_depth：这份方案给 {depth} 级计佣，最多只能 {most} 级（分享者为第 1 级）。"
        "按多层招募关系计酬是《禁止传销条例》认定传销的典型特征。",
        "Rule max_depth: this plan pays {depth} levels, but at most {most} may be paid (the "
        "sharer is level 1). Pay drawn from many levels of a recruitment chain is the hallmark "
        "of pyramid selling under China's Regulations on Prohibition of Pyramid Selling.",
    ),
    "console_commission_refusal_no_entry_fee_reward": (
        "规则 no_entry_fee_reward：方案按会员费（{fee}%）或拉新（{reward}）计酬。"
        "从下线缴纳的会员费中提成是《禁止传销条例》禁止的入门费模式，佣金只能来自商品销售。",
        "Rule no_entry_fee_reward: this plan pays on membership fees ({fee} %) or for "
        "recruiting ({reward}). Paying out of the fees of those brought in is the entry-fee "
        "scheme the Regulations prohibit; commission may only come from goods sold.",
    ),
    "console_commission_refusal_rate_range": (
        "规则 rate_range：每个费率都必须在 0% 到 100% 之间。",
        "Rule rate_range: every rate must be between 0 % and 100 %.",
    ),
    "console_commission_refusal_max_total_rate": (
        "规则 max_total_rate：各级合计最多可能拿走订单金额的 {total}%（最高分享费率、各级上级"
        "佣金及每级的职级额外佣金），上限是 {cap}%。超出商品所能承受的链条靠招募而非销售维持。",
        "Rule max_total_rate: all levels together could take {total} % of a line (the highest "
        "share rate, every override and a rank override on every upline level); the cap is "
        "{cap} %. A chain paid more than the goods can bear lives on recruitment, not sales.",
    ),
    "console_commission_refusal_rank_thresholds": (
        "规则 rank_thresholds：销售经理和服务经理的店主数都要填写，且 1 ≤ 销售经理 < 服务经理。",
        "Rule rank_thresholds: give both ranks, with 1 ≤ sales manager < service manager.",
    ),
    "console_commission_refusal_base_pay": (
        "规则 base_pay：两个职级的底薪都要填写，且不小于 0。",
        "Rule base_pay: give both ranks a base pay of 0 or more.",
    ),
    "console_commission_refusal_rank_override": (
        "规则 rank_override：只有销售经理和服务经理有团队额外佣金。",
        "Rule rank_override: only sales and service managers earn a team override.",
    ),
    "console_commission_refusal_rank_counting": (
        "规则 rank_counting：职级只能按整个团队或直接邀请计算。",
        "Rule rank_counting: ranks count either the whole team or direct invites.",
    ),
    "console_commission_refusal_earning": (
        "规则 earning：只能是付费会员或所有用户赚佣金。",
        "Rule earning: either paying members or every user earns commission.",
    ),
    "console_commission_warning_team_volume": (
        "提醒 team_volume：方案按团队业绩（团队计酬）发放底薪。《禁止传销条例》把按下线业绩计酬"
        "列为传销特征之一，请确保只与实际售出并送达的商品挂钩。",
        "Warning team_volume: this plan pays on team sales volume (团队计酬). The Regulations "
        "list pay computed from a downline's sales as a sign of pyramid selling; keep it tied "
        "to goods actually sold and delivered.",
    ),
    "console_commission_warning_rank_override": (
        "提醒 rank_override：经理按团队销售拿额外佣金，属于团队计酬，虽在 {most} 级以内，"
        "请保持费率适度。",
        "Warning rank_override: managers earn an override on their team's sales, a team-volume "
        "rule; it stays inside the {most}-level limit, but keep the rates modest.",
    ),
    "console_commission_warning_short_freeze": (
        "提醒 short_freeze：佣金在订单完成 {days} 天后即可提现，短于 {window} 天无理由退货期，"
        "退款时常常要追回会员已拿到的钱。",
        "Warning short_freeze: commission can be withdrawn {days} days after completion, inside "
        "the {window}-day return window; refunds will often claw back money members already hold.",
    ),
}

# Refusals by their stable problem code: what the operator reads instead of the API's detail.
PROBLEMS: Mapping[str, tuple[str, str]] = {
    # typed values
    "invalid_number": ("请填写整数。", "Type a whole number."),
    "number_out_of_range": ("数字超出允许范围。", "The number is out of the allowed range."),
    "invalid_percent": (
        "请填写百分比，最多两位小数。",
        "Type a percentage with at most two decimals.",
    ),
    "percent_out_of_range": ("百分比最多 100。", "A percentage is at most 100."),
    "invalid_time": (
        "请填写 2000 到 2100 年间的日期和时间。",
        "Pick a date and time between 2000 and 2100.",
    ),
    "invalid_choice": ("请从选项中选择。", "Pick one of the choices."),
    # catalog
    "invalid_title": (
        "标题不能为空、不能超过 200 字，也不能含控制字符。",
        "The title must be 1–200 characters without control characters.",
    ),
    "invalid_category": (
        "分类不能为空、不能超过 60 字，也不能含控制字符。",
        "The category must be 1–60 characters without control characters.",
    ),
    "invalid_description": (
        "描述最多 5000 字，且不能含控制字符。",
        "The description has at most 5000 characters, without control characters.",
    ),
    "invalid_query": (
        "搜索词不能超过 100 字，也不能含控制字符。",
        "The search text must be at most 100 characters, without control characters.",
    ),
    "invalid_image_url": (
        "图片须为 http(s) 地址或以 / 开头的站内路径，且不能重复。",
        "Images must be http(s) URLs or paths on this site starting with /, each once.",
    ),
    "too_many_images": ("最多 10 张图片。", "At most 10 images."),
    "supplier_required": ("请选择或填写供应商。", "Pick or name a supplier."),
    "supplier_not_found": ("没有这个供应商。", "No such supplier."),
    "invalid_supplier_name": (
        "供应商名称不能为空，且不超过 120 字。",
        "A supplier's name is 1–120 characters.",
    ),
    "supplier_name_taken": ("已有同名供应商。", "A supplier with this name exists."),
    "invalid_sku_name": ("规格名称不能为空，且不超过 120 字。", "A SKU name is 1–120 characters."),
    "sku_name_taken": ("这个商品已有同名规格。", "This product already has a SKU with this name."),
    "too_many_skus": ("一个商品最多 50 个规格。", "A product has at most 50 SKUs."),
    "invalid_price": ("价格超出允许范围。", "The price is out of the allowed range."),
    "member_price_above_price": (
        "会员价不能高于售价。",
        "The member price cannot be above the price.",
    ),
    "invalid_stock": ("库存须在 0 到 10,000,000 之间。", "Stock must be 0 to 10,000,000."),
    "invalid_stock_delta": (
        "请填写非 0 的增减数量（±10,000,000 以内）。",
        "Type a non-zero change within ±10,000,000.",
    ),
    "stock_limit_exceeded": ("库存不能超过 10,000,000。", "Stock cannot exceed 10,000,000."),
    "invalid_status": ("未知的状态。", "Unknown status."),
    # group campaigns
    "sku_required": ("请选择商品规格。", "Pick a SKU."),
    "invalid_campaign": (
        "活动条件不符合规则，见各项说明。",
        "The campaign's terms break a rule; see the fields.",
    ),
    "allotment_below_taken": (
        "配额不能低于已被占用的名额。",
        "The allotment cannot go below the seats already held.",
    ),
    "campaign_ended": ("活动已结束，不能重新开启。", "An ended campaign cannot be reopened."),
    # production
    "invalid_mode": ("请选择截单方式。", "Pick how batches are cut."),
    # membership plans
    "plan_name_taken": ("已有同名会员方案。", "Another plan already has this name."),
    "invalid_duration": ("有效期须为 1 到 3660 天。", "A plan lasts 1 to 3660 days."),
    "invalid_free_shipping": (
        "包邮门槛超出允许范围。",
        "The free-shipping threshold is out of range.",
    ),
    "invalid_plan": (
        "名称或合作品牌不符合要求（不能为空、不能太长，最多 20 个品牌）。",
        "A name or partner is not valid (not blank, not too long, at most 20 partners).",
    ),
    "duplicate_partner": ("同一个合作品牌写了两次。", "A partner is listed twice."),
    "invalid_code": (
        "兑换码须为 1 到 120 个可打印字符。",
        "Codes must be 1 to 120 printable characters.",
    ),
    "too_many_codes": ("一次最多上传 5000 个码。", "Upload at most 5000 codes at a time."),
    "no_codes": ("请至少粘贴一个兑换码。", "Paste at least one code."),
    "benefit_not_found": ("这个方案没有该合作品牌权益。", "This plan has no such partner benefit."),
    # commission plan
    "plan_not_compliant": (
        "佣金方案未通过合规检查，没有保存：",
        "The commission plan failed the compliance check and was not saved:",
    ),
    "plan_version_not_found": ("没有这个版本的佣金方案。", "There is no such plan version."),
    "level_gap": ("层级须连续。", "Levels follow one another."),
    "invalid_rate_line": ("这一行看不懂。", "This line cannot be read."),
}
