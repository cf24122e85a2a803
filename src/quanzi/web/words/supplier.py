"""Supplier portal words: production batches, produced, tracking upload."""

from __future__ import annotations

from collections.abc import Mapping

from quanzi.production.rules import MAX_SHIPMENT_ROWS

# key: (中文, English). Placeholders use str.format names.
MESSAGES: Mapping[str, tuple[str, str]] = {
    # frame (and the storefront header's link for supplier staff)
    "supplier_portal": ("供应商门户", "Supplier portal"),
    "supplier_account": ("账号", "Account"),
    "supplier_sections": ("批次状态", "Batches by status"),
    "supplier_to_shop": ("回到商城", "To the shop"),
    "supplier_of": ("供应商：{name}", "Supplier: {name}"),
    "supplier_nav_all": ("全部批次", "All batches"),
    "supplier_status_created": ("已截单·待生产", "Cut, to start"),
    "supplier_status_in_production": ("生产中", "In production"),
    "supplier_status_produced": ("已生产", "Produced"),
    # the batch list
    "supplier_batches_title": ("生产批次", "Production batches"),
    "supplier_batches_intro": (
        "拼团成功的订单按商品规格汇总成批次（以需定产）。截单后在这里开始生产、标记已生产，"
        "再把每一单直接发给买家。",
        "Orders of succeeded groups are gathered per SKU into batches (made to demand). "
        "Once a batch is cut, start it here, mark it produced, then ship each order straight "
        "to its buyer.",
    ),
    "supplier_col_product": ("商品 / 规格", "Product / SKU"),
    "supplier_col_status": ("状态", "Status"),
    "supplier_col_quantity": ("数量", "Quantity"),
    "supplier_col_orders": ("订单数", "Orders"),
    "supplier_col_cut_at": ("截单时间", "Cut"),
    "supplier_col_shipping": ("发货", "Shipping"),
    "supplier_col_order": ("订单", "Order"),
    "supplier_col_address": ("收货人与地址", "Deliver to"),
    "supplier_col_tracking": ("物流", "Tracking"),
    "supplier_shipped_of": ("已发 {shipped}/{total}", "{shipped}/{total} shipped"),
    "supplier_to_ship": ("待发 {n}", "{n} to ship"),
    "supplier_all_shipped": ("已全部发货", "All shipped"),
    "supplier_not_yet": ("—", "—"),
    "supplier_batches_none": ("还没有截单的批次。", "No batch has been cut yet."),
    "supplier_batches_none_status": ("没有这个状态的批次。", "No batch is in this status."),
    "supplier_next_page": ("下一页", "Next page"),
    "supplier_prev_page": ("上一页", "Previous page"),
    "supplier_first_page": ("回到第一页", "First page"),
    # one batch
    "supplier_back": ("返回批次列表", "Back to the batches"),
    "supplier_batch_number": ("批次号", "Batch number"),
    "supplier_sku": ("规格", "SKU"),
    "supplier_quantity_total": ("总数量", "Total quantity"),
    "supplier_collecting_since": ("开始汇总", "Collecting since"),
    "supplier_started_at": ("开始生产", "Production started"),
    "supplier_produced_at": ("生产完成", "Produced"),
    "supplier_payable_ordered": ("货款（按下单）", "Supply cost as ordered"),
    "supplier_payable_booked": ("已记应付货款", "Booked as payable"),
    "supplier_steps": ("生产", "Production"),
    "supplier_start": ("开始生产", "Start production"),
    "supplier_start_hint": (
        "开工后批次进入「生产中」。",
        "The batch moves to “In production”.",
    ),
    "supplier_mark_produced": ("标记已生产", "Mark produced"),
    "supplier_mark_produced_hint": (
        "货已做好：标记后本批订单的货款（扣除退款）记为应付给你，不能撤销。",
        "The goods are made: the batch's supply cost (net of refunds) is booked as payable "
        "to you. This cannot be undone.",
    ),
    "supplier_ready_to_ship": (
        "可以发货了：逐单填写运单号，或下载发货单填好后上传。",
        "Ready to ship: enter tracking per order, or fill in the shipping list and upload it.",
    ),
    "supplier_ship_after_produced": (
        "批次标记已生产后才能发货。收货地址可以先下载备货。",
        "Orders ship once the batch is marked produced; the addresses can be downloaded now.",
    ),
    "supplier_done_started": ("已开始生产。", "Production started."),
    "supplier_done_produced": (
        "已标记为已生产，应付货款 {amount} 已入账。",
        "Marked produced: {amount} booked as payable.",
    ),
    "supplier_done_shipped": (
        "运单号已保存，买家在订单里可以看到物流。",
        "Tracking saved: the buyer sees it on the order.",
    ),
    "supplier_done_uploaded": (
        "上传完成：新发货 {shipped} 单，{unchanged} 单此前已是同一运单号。",
        "Upload done: {shipped} order(s) shipped, {unchanged} already had that tracking number.",
    ),
    "supplier_refused_start": (
        "这个批次现在是「{status}」，不能再开始生产。",
        "This batch is “{status}” now: production cannot be started again.",
    ),
    "supplier_refused_produced": (
        "这个批次现在是「{status}」，不能标记为已生产（应付货款只记一次）。",
        "This batch is “{status}” now: it cannot be marked produced (the payable is booked once).",
    ),
    "supplier_refusal_detail": ("详情：{detail}", "Details: {detail}"),
    "supplier_orders_title": ("订单与收货地址", "Orders and delivery addresses"),
    "supplier_orders_note": (
        "厂家直发：按下面的地址把货直接寄给每位买家。",
        "Direct shipment: send each order straight to its buyer at the address below.",
    ),
    "supplier_orders_range": (
        "第 {first}–{last} 单，共 {total} 单",
        "Orders {first}–{last} of {total}",
    ),
    "supplier_orders_none": ("这个批次没有订单。", "This batch holds no orders."),
    "supplier_refunded_do_not_ship": ("已退款，不要发货", "Refunded: do not ship"),
    "supplier_shipped_at": ("{time} 发货", "Shipped {time}"),
    "supplier_ship": ("保存运单号", "Save tracking"),
    "supplier_ship_for": ("订单 {order} 的物流", "Tracking for order {order}"),
    "supplier_csv_title": ("批量发货（CSV）", "Ship from a CSV file"),
    "supplier_csv_download": ("下载发货单（CSV）", "Download the shipping list (CSV)"),
    "supplier_csv_help": (
        "发货单列出每一单的收货地址；在 carrier（快递公司）和 tracking_no（运单号）两列填好后"
        "上传。文件须为 UTF-8 编码，最大 {size} KB；只要有一行不对，整份文件都不会保存。",
        "The list holds each order's address; fill in the carrier and tracking_no columns and "
        "upload it. UTF-8, at most {size} KB; if any row is wrong, nothing in the file is saved.",
    ),
    "supplier_csv_file": ("CSV 文件", "CSV file"),
    "supplier_csv_upload": ("上传并发货", "Upload and ship"),
    "supplier_rows_refused": (
        "有 {n} 行不能使用，整份文件都没有保存。请改正后重新上传：",
        "{n} row(s) cannot be used, so nothing in the file was saved. Fix them and upload again:",
    ),
    "supplier_order_refused": ("订单 {order}：{reason}", "Order {order}: {reason}"),
    "supplier_row_line": ("第 {row} 行", "Line {row}"),
    "supplier_row_order": ("订单 {order}", "order {order}"),
    # why a shipment row was refused (production.rules codes)
    "supplier_row_invalid_order_id": ("订单号不对。", "The order_id is not an order id."),
    "supplier_row_missing_carrier": ("缺少快递公司。", "The carrier is missing."),
    "supplier_row_missing_tracking_no": ("缺少运单号。", "The tracking number is missing."),
    "supplier_row_carrier_too_long": (
        "快递公司最多 {n} 个字。",
        "The carrier may be at most {n} characters.",
    ),
    "supplier_row_tracking_no_too_long": (
        "运单号最多 {n} 个字符。",
        "The tracking number may be at most {n} characters.",
    ),
    "supplier_row_duplicate_order": (
        "这个订单在第 {row} 行已经出现过。",
        "This order is already listed on line {row}.",
    ),
    "supplier_row_missing_fields": ("这一行的列数不够。", "This line has too few fields."),
    "supplier_row_not_in_batch": ("这个订单不在本批次里。", "This order is not in this batch."),
    "supplier_row_already_shipped": (
        "这个订单已经用 {carrier} {tracking_no} 发货了。",
        "This order already shipped with {carrier} {tracking_no}.",
    ),
    "supplier_row_order_refunded": (
        "这个订单已退款，不要发货。",
        "This order was refunded: do not ship it.",
    ),
    "supplier_row_order_not_shippable": (
        "这个订单现在是「{status}」，不能发货。",
        "This order is “{status}”: it cannot ship.",
    ),
}

# Refusals by their stable problem code: what the reader sees instead of the API's detail.
PROBLEMS: Mapping[str, tuple[str, str]] = {
    "batch_not_found": ("这个生产批次不存在。", "This production batch does not exist."),
    "batch_not_produced": (
        "批次标记已生产后才能发货。",
        "Orders ship once their batch is marked produced.",
    ),
    "invalid_shipments": (
        "有的行不能使用，什么都没有保存。",
        "Some rows cannot be used; nothing was saved.",
    ),
    "invalid_csv": (
        "文件读不了：请上传 UTF-8 编码的 CSV，第一行写明 order_id、carrier、tracking_no 三列。"
        "什么都没有保存。",
        "The file cannot be read: upload a UTF-8 CSV whose first line names order_id, "
        "carrier and tracking_no. Nothing was saved.",
    ),
    "too_many_rows": (
        f"一份文件最多 {MAX_SHIPMENT_ROWS} 行，请分几次上传。什么都没有保存。",
        f"At most {MAX_SHIPMENT_ROWS} rows per file: split it. Nothing was saved.",
    ),
    "invalid_upload": ("请选择要上传的 CSV 文件。", "Choose a CSV file to upload."),
    "payload_too_large": ("文件太大了，什么都没有保存。", "That is too large; nothing was saved."),
    "not_supplier_staff": (
        "这个账号还没有关联到供应商，请联系平台运营。",
        "This account is not linked to a supplier yet: ask the platform's operators.",
    ),
}
