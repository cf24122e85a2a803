"""Money is an integer number of fen. Rates are basis points. No floats, ever."""

from __future__ import annotations

from collections.abc import Sequence

BP_DENOMINATOR = 10_000
# A single amount must fit comfortably in PostgreSQL BIGINT even after summing many.
MAX_AMOUNT_FEN = 10**12


def apply_rate(base_fen: int, rate_bp: int) -> int:
    """``floor(base × rate / 10000)``: round down to the fen, the platform keeps the fraction."""
    if base_fen < 0 or rate_bp < 0:
        raise ValueError("base and rate must be non-negative")
    return base_fen * rate_bp // BP_DENOMINATOR


def proportional_part(amount_fen: int, part_fen: int, whole_fen: int) -> int:
    """``floor(amount × part / whole)`` — the share of ``amount`` that ``part`` of ``whole`` is."""
    if whole_fen <= 0:
        raise ValueError("whole must be positive")
    return amount_fen * part_fen // whole_fen


def spread(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_fen`` over ``weights`` in proportion, the last weight taking the remainder.

    Used to spread discounts over order lines and refunds over ledger splits, so that the
    parts always add up to the total exactly.
    """
    if not weights:
        raise ValueError("nothing to spread over")
    whole = sum(weights)
    if whole <= 0:
        parts = [0] * len(weights)
        parts[-1] = total_fen
        return parts
    parts = [total_fen * w // whole for w in weights[:-1]]
    parts.append(total_fen - sum(parts))
    return parts


def format_yuan(amount_fen: int) -> str:
    """``12345`` → ``"¥123.45"`` for pages and messages."""
    sign = "-" if amount_fen < 0 else ""
    yuan, fen = divmod(abs(amount_fen), 100)
    return f"{sign}¥{yuan}.{fen:02d}"
