"""The wallet's public service surface (API, worker, tests). The rules live by concept:

- balances: :func:`summary`, :func:`history`, :func:`available_balance`
- withdrawals: :func:`request_withdrawal`, :func:`approve`, :func:`reject`,
  :func:`submit_payout`, :func:`retry_payouts`, :func:`list_withdrawals`,
  :func:`get_withdrawal`, :func:`get_terms`, :func:`set_terms`
"""

from __future__ import annotations

from quanzi.wallet.balances import (
    Entry,
    HistoryPage,
    WalletSummary,
    available_balance,
    history,
    summary,
)
from quanzi.wallet.withdrawals import (
    WithdrawalPage,
    approve,
    get_terms,
    get_withdrawal,
    list_withdrawals,
    record_payout,
    reject,
    request_withdrawal,
    retry_payouts,
    set_terms,
    submit_payout,
)

__all__ = [
    "Entry",
    "HistoryPage",
    "WalletSummary",
    "WithdrawalPage",
    "approve",
    "available_balance",
    "get_terms",
    "get_withdrawal",
    "history",
    "list_withdrawals",
    "record_payout",
    "reject",
    "request_withdrawal",
    "retry_payouts",
    "set_terms",
    "submit_payout",
    "summary",
]
