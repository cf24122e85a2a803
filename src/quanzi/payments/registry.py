"""Which provider object serves a provider name."""

from __future__ import annotations

from quanzi.core.config import get_settings
from quanzi.core.errors import Conflict
from quanzi.payments.provider import PaymentProvider
from quanzi.payments.sandbox import SandboxProvider

_providers: dict[str, PaymentProvider] = {"sandbox": SandboxProvider()}


def register(provider: PaymentProvider) -> None:
    """Install ``provider`` under its name (tests install a WeChat Pay with local keys)."""
    _providers[provider.name] = provider


def default_name() -> str:
    return get_settings().payment_provider


def get(name: str) -> PaymentProvider:
    provider = _providers.get(name)
    if provider is None and name == "wechatpay":
        from quanzi.payments.wechatpay import WeChatPayProvider

        provider = WeChatPayProvider.from_settings(get_settings())
        _providers[name] = provider
    if provider is None:
        raise Conflict(f"Payment provider {name!r} is not configured.", code="provider_unavailable")
    return provider
