"""Shop-owner center words: membership, share links, earnings, withdrawals, team, leaderboard."""

from __future__ import annotations

from collections.abc import Mapping

# key: (中文, English). Placeholders use str.format names.
MESSAGES: Mapping[str, tuple[str, str]] = {
    # frame and menu
    "owner_nav_shop": ("我的店铺", "My shop"),
    "owner_menu": ("店主中心", "Shop-owner center"),
    "owner_center_title": ("我的店铺", "My shop"),
    "owner_section_center": ("总览", "Overview"),
    "owner_section_membership": ("会员", "Membership"),
    "owner_section_shares": ("分享链接", "Share links"),
    "owner_section_earnings": ("收益", "Earnings"),
    "owner_section_withdraw": ("提现", "Withdraw"),
    "owner_section_team": ("我的团队", "My team"),
    "owner_section_leaderboard": ("明星店主", "Star shop owners"),
    "owner_tile_shares": (
        "把好物分享给朋友，成交即赚佣金",
        "Share products with friends and earn on what they buy",
    ),
    "owner_tile_team": ("邀请好友开店，晋升经理", "Invite friends to open shops and rise in rank"),
    "owner_tile_leaderboard": ("本月分享销售排行", "This month's sharing sales ranking"),
    "owner_more": ("更多", "More"),
    "owner_copy": ("复制链接", "Copy link"),
    "owner_copied": ("已复制", "Copied"),
    # ranks
    "owner_rank_member": ("普通会员", "Member"),
    "owner_rank_shop_owner": ("店主", "Shop owner"),
    "owner_rank_sales_manager": ("销售经理", "Sales manager"),
    "owner_rank_service_manager": ("服务经理", "Service manager"),
    # membership
    "owner_membership_title": ("开通会员", "Membership"),
    "owner_my_membership": ("我的会员", "My membership"),
    "owner_member_until": ("{plan}：有效期至 {date}", "{plan}: active until {date}"),
    "owner_member_ended": (
        "你的会员已于 {date} 结束，续费即可恢复店主权益。",
        "Your membership ended on {date}; renew to be a shop owner again.",
    ),
    "owner_not_member": (
        "你还不是会员。开通后即成为店主：自购省钱，分享赚钱。",
        "You are not a member yet. Join to become a shop owner: save on your own orders, "
        "earn on what you share.",
    ),
    "owner_become_member": ("开通会员", "Become a member"),
    "owner_renew": ("续费", "Renew"),
    "owner_renew_note": (
        "提前续费不浪费：新的天数从当前到期日往后顺延。",
        "Renewing early loses nothing: the new days start at your current expiry.",
    ),
    "owner_partner_codes": ("合作品牌权益", "Partner benefits"),
    "owner_code_waiting": (
        "兑换码补货中，到货后自动发放",
        "Code on its way: issued when stock arrives",
    ),
    "owner_what_you_gain": ("开通会员，你将获得", "What you get as a member"),
    "owner_gain_member_price": (
        "自购省：带会员价的商品按会员价下单",
        "Member prices on your own orders",
    ),
    "owner_gain_share": (
        "分享赚：好友通过你的链接下单，你通常可得实付金额的 {rate}% 佣金",
        "Share to earn: usually {rate}% of what friends pay through your links",
    ),
    "owner_gain_team": (
        "邀请好友开店，团队壮大后晋升销售经理、服务经理，享月度底薪",
        "Invite friends to open shops; a growing team makes you sales or service manager, "
        "with monthly base pay",
    ),
    "owner_plans": ("会员方案", "Plans"),
    "owner_no_plans": ("暂时没有在售的会员方案。", "No membership plan is on sale right now."),
    "owner_days": ("{n} 天", "{n} days"),
    "owner_benefit_member_prices": ("自购享会员价", "Member prices on your own orders"),
    "owner_benefit_free_shipping": ("满 {amount} 包邮", "Free delivery from {amount}"),
    "owner_benefit_free_shipping_all": ("全场包邮", "Free delivery on every order"),
    "owner_benefit_partner": ("{partner} 会员权益", "{partner} membership benefit"),
    "owner_valid_until": ("现在购买，有效期至 {date}", "Bought now, valid until {date}"),
    "owner_buy_plan": ("立即开通 {price}", "Join for {price}"),
    "owner_renew_plan": ("续费 {price}", "Renew for {price}"),
    # share links
    "owner_shares_title": ("我的分享链接", "My share links"),
    "owner_share_new": ("生成分享链接", "Make a share link"),
    "owner_share_product": ("选择商品", "Product"),
    "owner_share_choose": ("请选择商品", "Choose a product"),
    "owner_share_hint": (
        "列表中是最新上架的商品；任何商品页上的“分享赚”按钮也能生成链接。",
        "The newest products are listed; the “Share to earn” button on any product page "
        "makes a link too.",
    ),
    "owner_share_create": ("生成链接", "Make the link"),
    "owner_share_not_owner": (
        "你的链接会记录好友的下单，但只有店主（有效会员）才能得到佣金。",
        "Your links record what friends buy, but only shop owners (active members) earn "
        "commission.",
    ),
    "owner_my_links": ("我的链接", "My links"),
    "owner_no_links": ("还没有分享链接。", "No share links yet."),
    "owner_share_gone": ("（商品已下架）", "(no longer on sale)"),
    "owner_share_url": ("分享链接", "Share link"),
    "owner_clicks": ("点击", "Clicks"),
    "owner_conversions": ("成交订单", "Orders"),
    "owner_sales": ("成交金额", "Sales"),
    "owner_share_title": ("分享链接", "Share link"),
    "owner_share_send": (
        "把链接发给好友或让对方扫码，好友通过它下单就算你的。",
        "Send the link or let friends scan the code: what they buy through it counts for you.",
    ),
    "owner_share_qr_alt": ("分享链接二维码", "QR code of the share link"),
    "owner_share_created": ("生成于 {date}", "Made on {date}"),
    "owner_back_to_links": ("返回我的链接", "Back to my links"),
    "owner_share_to_earn": ("分享赚", "Share to earn"),
    "owner_share_earn_each": (
        "好友按单买价下单，每件约赚 {amount}",
        "About {amount} per item a friend buys at this price",
    ),
    # earnings
    "owner_earnings_title": ("我的收益", "My earnings"),
    "owner_balances": ("余额", "Balances"),
    "owner_pending": ("待结算", "Pending"),
    "owner_available": ("可提现", "Available"),
    "owner_withdrawn": ("已提现", "Withdrawn"),
    "owner_withdrawing": ("提现中", "Being withdrawn"),
    "owner_debt": ("待抵扣", "Owed"),
    "owner_debt_note": (
        "退款追回的佣金超过了可提现余额，差额会从以后的收益中抵扣。",
        "Refunds took back more commission than was available; the rest comes off future earnings.",
    ),
    "owner_pending_note": (
        "佣金在订单确认收货并过了冻结期后转为可提现；订单退款会按比例扣回。",
        "Commission becomes available once the order is received and the freeze period has "
        "passed; refunds take back their share.",
    ),
    "owner_see_history": ("收益明细", "History"),
    "owner_history": ("收支明细", "History"),
    "owner_no_history": ("还没有收益记录。", "Nothing here yet."),
    "owner_kind_commission": ("分享佣金（待结算）", "Commission (pending)"),
    "owner_kind_commission_release": ("佣金解冻", "Commission released"),
    "owner_kind_commission_reversal": ("退款扣回佣金", "Commission reversed (refund)"),
    "owner_kind_commission_clawback": ("退款追回佣金", "Commission clawed back (refund)"),
    "owner_kind_base_pay": ("月度底薪", "Monthly base pay"),
    "owner_kind_withdrawal": ("申请提现", "Withdrawal requested"),
    "owner_kind_withdrawal_returned": ("提现退回", "Withdrawal returned"),
    "owner_kind_other": ("其他变动", "Other movement"),
    # withdrawals
    "owner_withdraw_title": ("提现", "Withdraw"),
    "owner_amount": ("提现金额（元）", "Amount (yuan)"),
    "owner_amount_hint": ("例如 100 或 12.50", "e.g. 100 or 12.50"),
    "owner_fee_preview": (
        "手续费 {fee}，到账 {arrives}，共从余额扣除 {total}",
        "Fee {fee}; you receive {arrives}; {total} leaves your balance",
    ),
    "owner_terms_min": ("单笔最低 {amount}", "At least {amount} per withdrawal"),
    "owner_terms_daily": ("每天最多 {amount}", "At most {amount} per day"),
    "owner_terms_fee": (
        "手续费为金额的 {rate}%，最低 {minimum}，在提现金额之外另扣",
        "Fee {rate}% of the amount, at least {minimum}, taken on top",
    ),
    "owner_terms_no_fee": ("提现免手续费", "No fee"),
    "owner_terms_review": (
        "提交后由平台审核，通过后打款到账。",
        "The shop reviews each request, then pays it out.",
    ),
    "owner_withdraw_button": ("申请提现", "Withdraw"),
    "owner_my_withdrawals": ("提现记录", "My withdrawals"),
    "owner_no_withdrawals": ("还没有提现记录。", "No withdrawals yet."),
    "owner_fee_short": ("手续费 {fee}", "fee {fee}"),
    "owner_withdrawal_title": ("提现详情", "Withdrawal"),
    "owner_withdrawal_requested": ("待审核", "Awaiting approval"),
    "owner_withdrawal_approved": ("已通过，打款中", "Approved, being paid"),
    "owner_withdrawal_paid": ("已到账", "Paid"),
    "owner_withdrawal_rejected": ("未通过", "Rejected"),
    "owner_withdrawal_failed": ("打款失败", "Payout failed"),
    "owner_withdrawal_note_requested": (
        "金额和手续费已从可提现余额中冻结，审核通过后打款。",
        "The amount and fee are held from your balance until the request is approved.",
    ),
    "owner_withdrawal_note_approved": (
        "已通过审核，正在打款。",
        "Approved; the payout is on its way.",
    ),
    "owner_withdrawal_note_paid": ("已打款到账。", "Paid out."),
    "owner_withdrawal_note_rejected": (
        "金额和手续费已退回可提现余额。",
        "The amount and fee went back to your available balance.",
    ),
    "owner_withdrawal_note_failed": (
        "打款失败，金额和手续费已退回可提现余额。",
        "The payout failed; the amount and fee went back to your available balance.",
    ),
    "owner_withdrawal_reason": ("原因：{reason}", "Reason: {reason}"),
    "owner_arrives": ("到账金额", "You receive"),
    "owner_fee": ("手续费", "Fee"),
    "owner_taken": ("从余额扣除", "Taken from balance"),
    "owner_requested_at": ("申请时间", "Requested"),
    "owner_decided_at": ("审核时间", "Decided"),
    "owner_paid_at": ("到账时间", "Paid"),
    "owner_back_to_withdraw": ("返回提现", "Back to withdrawals"),
    # team
    "owner_team_title": ("我的团队", "My team"),
    "owner_my_rank": ("我的等级", "My rank"),
    "owner_next_owner": (
        "开通会员即成为店主，开始分享赚钱、组建团队。",
        "Become a member to be a shop owner: share to earn and build a team.",
    ),
    "owner_progress": (
        "已有 {counted}/{threshold} 位店主，再邀请 {needed} 位即可晋升{rank}",
        "{counted}/{threshold} shop owners: {needed} more to become {rank}",
    ),
    "owner_top_rank": ("你已是最高等级。", "You hold the top rank."),
    "owner_rank_threshold": ("{n} 位店主", "{n} shop owners"),
    "owner_rank_membership": ("开通会员", "A membership"),
    "owner_counting_team": (
        "统计你团队中（含间接邀请）的店主人数。",
        "Counts the shop owners anywhere in your team.",
    ),
    "owner_counting_direct": (
        "统计你直接邀请的好友中的店主人数。",
        "Counts the shop owners among the friends you invited yourself.",
    ),
    "owner_team_counts": ("团队人数", "Team"),
    "owner_direct_count": ("直接邀请", "Invited by me"),
    "owner_direct_owner_count": ("其中店主", "Of them shop owners"),
    "owner_team_size": ("团队总人数", "Team size"),
    "owner_team_count": ("团队店主", "Shop owners in team"),
    "owner_team_sales": ("团队累计销售 {amount}", "Team sales so far {amount}"),
    "owner_invited_by": ("邀请人：{name}", "Invited by {name}"),
    "owner_invite_title": ("邀请好友", "Invite friends"),
    "owner_invite_code": ("我的邀请码", "My invite code"),
    "owner_invite_link": ("邀请注册链接", "Sign-up link"),
    "owner_invite_hint": (
        "好友通过这个链接注册，就会加入你的团队。",
        "Friends who sign up from this link join your team.",
    ),
    "owner_invite_qr_alt": ("邀请注册二维码", "QR code of the sign-up link"),
    "owner_direct_recruits": ("我邀请的好友", "Friends I invited"),
    "owner_no_recruits": ("还没有邀请到好友。", "Nobody has joined through you yet."),
    "owner_joined": ("{date} 加入", "joined {date}"),
    "owner_their_team": ("团队 {n} 人", "team of {n}"),
    # leaderboard
    "owner_leaderboard_title": ("明星店主榜", "Star shop owners"),
    "owner_months": ("月份", "Months"),
    "owner_leaderboard_note": (
        "按当月通过分享链接成交的金额排名（扣除退款）。",
        "Ranked by the month's sales through share links, net of refunds.",
    ),
    "owner_my_position": ("你本月排第 {n} 名，分享成交 {sales}", "You are #{n} with {sales}"),
    "owner_not_on_board": (
        "你还没有上榜：分享好物，成交后即可上榜。",
        "You are not on the board yet: share products and make sales.",
    ),
    "owner_orders_n": ("{n} 单", "{n} orders"),
    "owner_board_empty": ("这个月还没有人上榜。", "Nobody is on the board this month yet."),
}

# Refusals by their stable problem code: what the reader sees instead of the API's detail.
PROBLEMS: Mapping[str, tuple[str, str]] = {
    # refusals of the wallet, membership and referral services seen in the center
    "withdrawal_below_minimum": (
        "低于单笔最低提现金额。",
        "This is below the smallest withdrawal.",
    ),
    "daily_limit_exceeded": ("超过了今天的提现额度。", "This goes over today's withdrawal limit."),
    "insufficient_balance": (
        "可提现余额不足（手续费另扣）。",
        "Your available balance does not cover this amount and its fee.",
    ),
    "withdrawal_not_found": ("提现记录不存在。", "This withdrawal does not exist."),
    "plan_not_found": ("这个会员方案不存在。", "This membership plan does not exist."),
    "plan_inactive": ("这个会员方案已停售。", "This membership plan is no longer on sale."),
    "membership_prepaid_limit": (
        "你的会员已预付得足够久了，临近到期再续费吧。",
        "Your membership is already paid far ahead; renew closer to its end.",
    ),
    "share_link_not_found": ("这个分享链接不存在。", "This share link does not exist."),
    "product_not_on_sale": ("这个商品已下架，不能分享。", "This product is no longer on sale."),
    "invalid_month": ("月份格式不正确。", "That month is not valid."),
    "idempotency_key_required": (
        "页面已过期，请刷新后重新提交。",
        "This form has expired: reload the page and send it again.",
    ),
}
