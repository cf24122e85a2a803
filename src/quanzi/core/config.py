"""Configuration from ``QUANZI_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting can be overridden by ``QUANZI_<NAME>`` (e.g. ``QUANZI_DATABASE_URL``)."""

    model_config = SettingsConfigDict(env_prefix="QUANZI_", env_file=None, extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./quanzi.db"
    database_pool_size: int = 10
    # Largest request body read (the supplier's tracking CSV is the largest honest one).
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    base_url: str = "http://127.0.0.1:8000"
    shop_timezone: str = "Asia/Shanghai"

    # Orders
    payment_window_minutes: int = Field(default=15, ge=1)
    auto_complete_days: int = Field(default=10, ge=1)
    shipping_fee_fen: int = Field(default=1000, ge=0)
    free_shipping_threshold_fen: int = Field(default=9900, ge=0)
    max_line_quantity: int = Field(default=999, ge=1)
    max_order_lines: int = Field(default=50, ge=1)

    # Accounts
    token_ttl_hours: int = Field(default=24 * 30, ge=1)

    # Payments
    payment_provider: Literal["sandbox", "wechatpay"] = "sandbox"
    wechatpay_mchid: str = ""
    wechatpay_appid: str = ""
    wechatpay_private_key_path: str = ""
    wechatpay_cert_serial_no: str = ""
    wechatpay_apiv3_key: str = ""
    wechatpay_public_key_path: str = ""
    wechatpay_public_key_id: str = ""
    wechatpay_notify_url: str = ""
    wechatpay_timestamp_tolerance_seconds: int = Field(default=300, ge=1)
    # Empty: {base_url}/api/v1/payments/notify/wechatpay/refund.
    wechatpay_refund_notify_url: str = ""
    # Only changed to point the SDK at a stand-in of the WeChat Pay API (tests).
    wechatpay_api_base_url: str = "https://api.mch.weixin.qq.com"
    wechatpay_timeout_seconds: float = Field(default=10.0, gt=0)

    # Worker
    run_worker_in_process: bool = True
    worker_interval_seconds: float = Field(default=5.0, gt=0)
    worker_batch_size: int = Field(default=200, ge=1)

    # Webhooks
    webhook_allow_private_targets: bool = False
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 12

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.shop_timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between runs)."""
    get_settings.cache_clear()
