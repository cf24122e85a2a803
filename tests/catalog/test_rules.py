from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quanzi.catalog import rules
from quanzi.catalog.rules import SkuDraft
from quanzi.core.errors import BadRequest, Unprocessable
from quanzi.core.money import MAX_AMOUNT_FEN


def _code(exc: pytest.ExceptionInfo[Unprocessable] | pytest.ExceptionInfo[BadRequest]) -> str:
    return exc.value.code


@pytest.mark.parametrize(
    "url",
    [
        "/static/demo/tea.svg",
        "/a",
        "https://img.example.com/p/1.jpg?x=1",
        "http://127.0.0.1:8000/static/x.svg",
    ],
)
def test_accepted_image_urls(url: str) -> None:
    assert rules.is_image_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "static/x.svg",
        "//evil.example/x.svg",
        "javascript:alert(1)",
        "data:image/svg+xml,<svg/>",
        "ftp://example.com/x.png",
        "https://",
        "https:///path",
        " /static/x.svg",
        "/static/a b.svg",
        "/static/a\nb.svg",
        "/static\\x.svg",
        "https://[::1",
        "/" + "a" * rules.MAX_IMAGE_URL,
    ],
)
def test_refused_image_urls(url: str) -> None:
    assert not rules.is_image_url(url)


def test_clean_images_limits_and_duplicates() -> None:
    assert rules.clean_images(["/a", "/b"]) == ["/a", "/b"]
    with pytest.raises(Unprocessable) as dup:
        rules.clean_images(["/a", "/a"])
    assert _code(dup) == "invalid_image_url"
    with pytest.raises(Unprocessable) as many:
        rules.clean_images([f"/{i}" for i in range(rules.MAX_IMAGES + 1)])
    assert _code(many) == "too_many_images"


@pytest.mark.parametrize(
    ("price", "member", "supply", "code"),
    [
        (0, None, 0, "invalid_price"),
        (-1, None, 0, "invalid_price"),
        (MAX_AMOUNT_FEN + 1, None, 0, "invalid_price"),
        (100, 0, 0, "invalid_price"),
        (100, 101, 0, "member_price_above_price"),
        (100, None, -1, "invalid_price"),
        (100, None, MAX_AMOUNT_FEN + 1, "invalid_price"),
    ],
)
def test_refused_prices(price: int, member: int | None, supply: int, code: str) -> None:
    with pytest.raises(Unprocessable) as exc:
        rules.check_prices(price, member, supply)
    assert _code(exc) == code


def test_accepted_prices() -> None:
    rules.check_prices(1, None, 0)
    rules.check_prices(100, 100, 0)
    rules.check_prices(MAX_AMOUNT_FEN, 1, MAX_AMOUNT_FEN)
    # Selling below supply price is a business choice (hot items), not an input error.
    rules.check_prices(100, 80, 150)


def test_stock_bounds() -> None:
    rules.check_stock(0)
    rules.check_stock(rules.MAX_STOCK)
    for bad in (-1, rules.MAX_STOCK + 1):
        with pytest.raises(Unprocessable):
            rules.check_stock(bad)
    for bad in (0, rules.MAX_STOCK + 1, -rules.MAX_STOCK - 1):
        with pytest.raises(Unprocessable) as exc:
            rules.check_stock_delta(bad)
        assert _code(exc) == "invalid_stock_delta"
    rules.check_stock_delta(-rules.MAX_STOCK)


def test_clean_skus() -> None:
    cleaned = rules.clean_skus([SkuDraft(name="  250g ", price_fen=100, stock=1)])
    assert cleaned == [SkuDraft(name="250g", price_fen=100, stock=1)]
    with pytest.raises(Unprocessable) as none:
        rules.clean_skus([])
    assert _code(none) == "invalid_sku_count"
    with pytest.raises(Unprocessable) as dup:
        rules.clean_skus([SkuDraft("A", 1, 1), SkuDraft(" A", 2, 2)])
    assert _code(dup) == "duplicate_sku_name"
    too_many = [SkuDraft(f"s{i}", 1, 1) for i in range(rules.MAX_SKUS_PER_PRODUCT + 1)]
    with pytest.raises(Unprocessable):
        rules.clean_skus(too_many)


def test_clean_line_and_description() -> None:
    assert rules.clean_line("  普洱  ", field="title", max_length=10) == "普洱"
    for bad in ("", "   ", "a\x00b", "a\nb", "a\u0085b", "x" * 11):
        with pytest.raises(Unprocessable) as exc:
            rules.clean_line(bad, field="title", max_length=10)
        assert _code(exc) == "invalid_title"
    assert rules.clean_description(" 第一行\n\t第二行 ") == "第一行\n\t第二行"
    with pytest.raises(Unprocessable):
        rules.clean_description("a\x00")
    assert rules.clean_search(None) is None
    assert rules.clean_search("  ") is None
    assert rules.clean_search(" Pu'er ") == "Pu'er"


@given(st.uuids())
def test_cursor_round_trip(value: uuid.UUID) -> None:
    token = rules.encode_cursor(value)
    assert "=" not in token
    assert "/" not in token
    assert "+" not in token
    assert rules.decode_cursor(token) == value


@given(st.text(max_size=60))
def test_any_text_is_a_cursor_or_a_400(text: str) -> None:
    code = None
    try:
        rules.decode_cursor(text)
    except BadRequest as exc:
        code = exc.code
    assert code in (None, "invalid_cursor")


def test_cursor_decoding_is_strict() -> None:
    token = rules.encode_cursor(uuid.UUID(int=7))
    assert rules.decode_cursor(token + "=") == uuid.UUID(int=7)
    for bad in (token[:-1], token + "A", "!" + token, token.replace("c", "+", 1), "p1:" + "0" * 16):
        with pytest.raises(BadRequest):
            rules.decode_cursor(bad)
