"""The pages' words in Simplified Chinese (the default) and English.

A page picks its language from ``?lang=`` (which also sets the ``lang`` cookie), else the
cookie, else Chinese. Templates call ``_('key')``; refusals from the services are shown
through :data:`PROBLEMS` by their stable ``code``, falling back to the service's own
(English) detail for a code this catalogue does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
HTML_LANG = {"zh": "zh-CN", "en": "en"}

# key: (中文, English). Placeholders use str.format names.
MESSAGES: Mapping[str, tuple[str, str]] = {
    # frame
    "shop_name": ("圈子", "Quanzi"),
    "tagline": ("好物拼着买，越多人越便宜", "Better together: group deals on good things"),
    "nav_home": ("首页", "Home"),
    "nav_orders": ("我的订单", "My orders"),
    "nav_login": ("登录", "Log in"),
    "nav_register": ("注册", "Sign up"),
    "nav_logout": ("退出", "Log out"),
    "switch_lang": ("English", "中文"),
    "skip_to_content": ("跳到正文", "Skip to content"),
    "search_label": ("搜索商品", "Search products"),
    "search_placeholder": ("搜索茶叶、水果、家纺…", "Search tea, fruit, bedding…"),
    "search_button": ("搜索", "Search"),
    "hello_user": ("你好，{name}", "Hi, {name}"),
    "footer_note": (
        "圈子演示商城 · 支付为沙箱环境，不会产生真实扣款",
        "Quanzi demo shop · payments run in a sandbox, no real money moves",
    ),
    # home and lists
    "categories": ("分类", "Categories"),
    "hot_items": ("爆款拼团", "Hot group deals"),
    "hot_items_none": ("暂时没有进行中的拼团。", "No group deals are running right now."),
    "new_arrivals": ("新品上架", "New arrivals"),
    "all_products": ("全部商品", "All products"),
    "search_results": ("“{q}”的搜索结果", "Results for “{q}”"),
    "no_products": ("没有找到商品。", "No products found."),
    "load_more": ("加载更多", "Load more"),
    "people_group": ("{n}人团", "Group of {n}"),
    "group_price_badge": ("拼团价 {price}", "Group {price}"),
    # product page
    "solo_price": ("单买价", "Price"),
    "member_price": ("会员价", "Member price"),
    "member_price_note": ("开通会员，自购更省", "Members pay less on their own orders"),
    "member_price_yours": (
        "你是会员，下单按会员价结算",
        "You are a member: you pay the member price",
    ),
    "group_price": ("拼团价", "Group price"),
    "choose_sku": ("选择规格", "Choose a variant"),
    "out_of_stock": ("已售罄", "Sold out"),
    "in_stock": ("库存 {n}", "{n} in stock"),
    "quantity": ("数量", "Quantity"),
    "buy_alone": ("单独购买", "Buy alone"),
    "start_group": ("发起拼团", "Start a group"),
    "group_terms": (
        "{size}人成团，{hours}内凑齐即按拼团价发货，凑不齐全额退款",
        "{size} people per group; fill it within {hours} and it ships at the group price, "
        "otherwise you get a full refund",
    ),
    "leader_discount": ("团长再减 {amount}", "The leader saves another {amount}"),
    "join_nearby": ("附近的团，可直接参与", "Groups you can join now"),
    "join_nearby_none": (
        "还没有人开团，发起一个吧。",
        "No open groups yet: start one.",
    ),
    "group_of_leader": ("{name}的团", "{name}'s group"),
    "seats_missing": ("还差 {n} 人", "{n} more needed"),
    "join_group": ("去参团", "Join"),
    "view_group": ("查看", "View"),
    "supplier": ("供应商：{name}", "Supplier: {name}"),
    "description": ("商品详情", "Details"),
    "free_shipping_group": ("拼团包邮", "Free delivery for group orders"),
    # accounts
    "login_title": ("登录", "Log in"),
    "register_title": ("注册", "Sign up"),
    "phone": ("手机号", "Mobile number"),
    "password": ("密码", "Password"),
    "password_hint": ("至少 8 位", "At least 8 characters"),
    "display_name": ("昵称", "Display name"),
    "invite_code": ("邀请码（选填）", "Invite code (optional)"),
    "login_button": ("登录", "Log in"),
    "register_button": ("注册并登录", "Sign up"),
    "no_account": ("还没有账号？", "No account yet?"),
    "have_account": ("已有账号？", "Already have an account?"),
    "login_to_continue": ("请先登录，再继续。", "Log in first to continue."),
    "logout_title": ("退出登录", "Log out"),
    "logout_confirm": ("确定要退出登录吗？", "Log out of this browser?"),
    # checkout and payment
    "checkout_title": ("确认订单", "Checkout"),
    "checkout_solo": ("单独购买", "Buying alone"),
    "checkout_open": ("发起拼团（你是团长）", "Starting a group (you lead it)"),
    "checkout_join": ("参加拼团", "Joining a group"),
    "address": ("收货地址", "Delivery address"),
    "address_name": ("收货人", "Recipient"),
    "address_phone": ("联系电话", "Phone"),
    "address_province": ("省份", "Province"),
    "address_city": ("城市", "City"),
    "address_district": ("区县", "District"),
    "address_line1": ("详细地址", "Street address"),
    "address_line2": ("门牌、楼层（选填）", "Flat, floor (optional)"),
    "shipping_note": (
        "运费 {fee}，满 {threshold} 包邮（以提交时为准）",
        "Delivery {fee}, free from {threshold} (settled when you submit)",
    ),
    "place_order": ("提交订单", "Place order"),
    "pay_title": ("支付", "Payment"),
    "sandbox_notice": (
        "这是沙箱支付：点击下方按钮即视为付款成功，不会扣除真实的钱。",
        "This is the sandbox: the button below counts as a successful payment, "
        "no real money moves.",
    ),
    "amount_due": ("应付金额", "Amount due"),
    "pay_sandbox": ("确认支付（沙箱）", "Pay (sandbox)"),
    "payment_done": ("已支付", "Paid"),
    "payment_closed": ("这笔支付已关闭，订单不能再付款。", "This payment is closed."),
    "payment_other_provider": (
        "请在微信中打开此订单完成支付。",
        "Open this order in WeChat to pay.",
    ),
    "continue": ("继续", "Continue"),
    # orders
    "orders_title": ("我的订单", "My orders"),
    "orders_none": ("还没有订单，去逛逛吧。", "No orders yet."),
    "my_groups": ("我的拼团", "My groups"),
    "order_title": ("订单详情", "Order"),
    "order_number": ("订单号", "Order number"),
    "order_placed_at": ("下单时间", "Placed"),
    "order_total": ("实付", "Total"),
    "order_discount": ("优惠", "Discount"),
    "order_shipping": ("运费", "Delivery"),
    "order_refunded": ("已退款 {amount}", "Refunded {amount}"),
    "shipment": ("物流", "Shipment"),
    "carrier": ("快递公司", "Carrier"),
    "tracking_no": ("运单号", "Tracking number"),
    "not_shipped": ("尚未发货", "Not shipped yet"),
    "pay_now": ("去支付", "Pay now"),
    "pay_before": ("请在 {time} 前支付", "Pay before {time}"),
    "cancel_order": ("取消订单", "Cancel order"),
    "confirm_receipt": ("确认收货", "Confirm receipt"),
    "group_order": ("拼团订单", "Group order"),
    "quantity_x": ("× {n}", "× {n}"),
    "status_pending_payment": ("待支付", "Awaiting payment"),
    "status_paid": ("已付款", "Paid"),
    "status_grouping": ("拼团中", "Grouping"),
    "status_confirmed": ("已成团，待发货", "Confirmed, to ship"),
    "status_shipped": ("已发货", "Shipped"),
    "status_completed": ("已完成", "Completed"),
    "status_cancelled": ("已取消", "Cancelled"),
    "status_refunded": ("已退款", "Refunded"),
    # groups
    "group_title": ("拼团", "Group"),
    "group_status_pending": ("等待团长付款", "Waiting for the leader to pay"),
    "group_status_open": ("拼团中", "Filling"),
    "group_status_succeeded": ("拼团成功", "Group succeeded"),
    "group_status_failed": ("拼团失败", "Group failed"),
    "group_seats": ("{paid}/{size} 人已付款", "{paid}/{size} paid"),
    "seat_empty": ("空位", "Empty seat"),
    "seat_leader": ("团长", "Leader"),
    "seat_unpaid": ("待付款", "Not paid yet"),
    "seat_platform": ("平台补位", "Platform seat"),
    "platform_filled": (
        "平台补位 {n} 人：差的名额由平台出钱补齐，没有虚构的成员。",
        "The platform filled {n} seat(s): it paid for the missing seats; no member was made up.",
    ),
    "countdown_label": ("距结束", "Ends in"),
    "countdown_over": ("已结束", "Ended"),
    "share_title": ("邀请好友参团", "Invite friends"),
    "share_hint": (
        "把链接发给好友，或让对方扫码。",
        "Send the link to friends, or let them scan the code.",
    ),
    "share_link": ("分享链接", "Share link"),
    "copy_link": ("复制链接", "Copy link"),
    "copied": ("已复制", "Copied"),
    "qr_alt": ("拼团链接二维码", "QR code of the group link"),
    "you_are_in": ("你已在这个团里。", "You are in this group."),
    "money_succeeded": (
        "款项已确认，工厂按拼团订单生产并直接发货给每位成员。",
        "Payments are confirmed; the factory makes the order and ships to each member.",
    ),
    "money_failed": (
        "时间到了人没凑齐：已付款的成员已全额退款到原支付方式。",
        "Time ran out: everyone who paid is refunded in full to the original payment method.",
    ),
    "money_open": (
        "凑齐前款项由平台暂存；到时未凑齐将全额原路退回。",
        "Until the group fills, payments are held; if it does not fill in time, "
        "they are refunded in full.",
    ),
    "money_pending": (
        "团长付款后，这个团开始计时。",
        "The group starts its countdown once the leader has paid.",
    ),
    "group_price_each": ("拼团价 {price}/件", "Group price {price} each"),
    # errors
    "error_title": ("出错了", "Something went wrong"),
    "error_back_home": ("返回首页", "Back to the home page"),
    "error_code": ("错误代码：{code}", "Error code: {code}"),
}

# Refusals by their stable problem code: what a shopper reads instead of the API's detail.
PROBLEMS: Mapping[str, tuple[str, str]] = {
    "not_found": ("页面不存在。", "This page does not exist."),
    "product_not_found": ("商品不存在或已下架。", "This product does not exist or is gone."),
    "group_not_found": ("这个拼团不存在。", "This group does not exist."),
    "order_not_found": ("订单不存在。", "This order does not exist."),
    "payment_not_found": ("支付单不存在。", "This payment does not exist."),
    "campaign_not_found": ("拼团活动不存在。", "This group deal does not exist."),
    "sku_not_found": ("这个规格不存在。", "This variant does not exist."),
    "group_full": ("这个团已经满员了，换一个团或自己开团吧。", "This group is full."),
    "group_closed": ("这个团已经结束了。", "This group has ended."),
    "already_joined": ("你已经在这个团里了。", "You are already in this group."),
    "limit_reached": ("你在这个活动中的名额已用完。", "You have used your seats in this deal."),
    "campaign_not_running": ("这个拼团活动没有在进行中。", "This group deal is not running."),
    "campaign_sold_out": ("拼团名额已抢光。", "This group deal is sold out."),
    "insufficient_stock": ("库存不足。", "Not enough stock left."),
    "sku_unavailable": ("这个规格暂不销售。", "This variant is not on sale."),
    "invalid_quantity": ("购买数量不正确。", "That quantity is not possible."),
    "invalid_address": ("请把收货地址填写完整。", "Please complete the delivery address."),
    "invalid_phone": ("请输入正确的 11 位手机号。", "Enter a valid 11-digit mobile number."),
    "phone_taken": ("这个手机号已注册，请直接登录。", "This number has an account: log in."),
    "weak_password": (
        "密码至少 8 位，且不能太简单。",
        "Use at least 8 characters, not too simple.",
    ),
    "invalid_display_name": ("请填写昵称。", "Please enter a display name."),
    "invite_code_unknown": ("邀请码不存在。", "That invite code does not exist."),
    "invalid_credentials": ("手机号或密码不正确。", "Wrong mobile number or password."),
    "account_disabled": ("该账号已停用。", "This account is disabled."),
    "payment_closed": ("订单已超时关闭，不能再付款。", "This order closed before payment."),
    "payment_not_pending": ("这笔支付已经处理过了。", "This payment was already handled."),
    "illegal_transition": ("订单当前状态不能这样操作。", "The order cannot do that now."),
    "csrf_failed": (
        "页面已过期，请返回刷新后重试。",
        "This form has expired: go back, reload and try again.",
    ),
    "idempotency_key_reused": (
        "这个表单已经提交过了，请重新打开后再试。",
        "This form was already sent; open it again to retry.",
    ),
    "invalid_cursor": ("翻页参数不正确。", "That page link is not valid."),
    "validation_error": ("提交的内容不正确。", "Some of what was sent is not valid."),
    "bad_request": ("请求不正确。", "That request is not valid."),
    "method_not_allowed": ("不支持这样访问该页面。", "This page cannot be used that way."),
    "busy": ("现在人太多了，什么都没有保存，请稍后重试。", "Busy right now; nothing was saved."),
    "internal_error": (
        "系统出了点问题，什么都没有保存，请稍后再试。",
        "Something went wrong on our side; nothing was saved.",
    ),
}


def pick_lang(query: str | None, cookie: str | None) -> str:
    """The page language: an explicit ``?lang=`` wins, then the cookie, then Chinese."""
    for candidate in (query, cookie):
        if candidate in LANGS:
            return candidate
    return DEFAULT_LANG


def translate(lang: str, key: str, **values: Any) -> str:
    """The text of ``key`` in ``lang``; unknown keys raise (a test checks the templates)."""
    zh, en = MESSAGES[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def problem_text(lang: str, code: str, detail: str) -> str:
    """What a shopper reads for a refusal with ``code``."""
    known = PROBLEMS.get(code)
    if known is None:
        return detail
    return known[1] if lang == "en" else known[0]
