"""Catalog request and response bodies. Inputs forbid unknown fields and bound every
number; money is strict JSON integers in fen (no ``"100"``, no ``1.5``, no ``true``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from quanzi.catalog import rules
from quanzi.core.money import MAX_AMOUNT_FEN

PriceFen = Annotated[int, Field(strict=True, gt=0, le=MAX_AMOUNT_FEN)]
SupplyPriceFen = Annotated[int, Field(strict=True, ge=0, le=MAX_AMOUNT_FEN)]
Stock = Annotated[int, Field(strict=True, ge=0, le=rules.MAX_STOCK)]
ImageUrl = Annotated[str, Field(min_length=1, max_length=rules.MAX_IMAGE_URL)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Patch(_Input):
    """A partial update: absent fields stay as they are; ``null`` is only accepted where
    the field can really be empty (listed in ``nullable``)."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> _Patch:
        for name in self.model_fields_set:
            if getattr(self, name) is None and name not in self.nullable:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


# --- suppliers ------------------------------------------------------------------------


class SupplierIn(_Input):
    name: str = Field(min_length=1, max_length=rules.MAX_SUPPLIER_NAME, examples=["云南普洱茶厂"])


class SupplierPatch(_Patch):
    name: str | None = Field(default=None, min_length=1, max_length=rules.MAX_SUPPLIER_NAME)


class SupplierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    created_at: datetime


class SupplierPage(BaseModel):
    items: list[SupplierOut]
    next_cursor: str | None


class StaffIn(_Input):
    phone: str = Field(min_length=1, max_length=32, examples=["13700000001"])


class StaffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    supplier_id: uuid.UUID
    user_id: uuid.UUID
    phone: str
    display_name: str
    created_at: datetime


class StaffList(BaseModel):
    items: list[StaffOut]


# --- products and SKUs (operator input) -------------------------------------------------


class SkuIn(_Input):
    name: str = Field(min_length=1, max_length=rules.MAX_SKU_NAME, examples=["357g 单饼"])
    price_fen: PriceFen
    member_price_fen: PriceFen | None = None
    supply_price_fen: SupplyPriceFen = 0
    stock: Stock

    def draft(self) -> rules.SkuDraft:
        return rules.SkuDraft(
            name=self.name,
            price_fen=self.price_fen,
            member_price_fen=self.member_price_fen,
            supply_price_fen=self.supply_price_fen,
            stock=self.stock,
        )


class ProductIn(_Input):
    title: str = Field(min_length=1, max_length=rules.MAX_TITLE)
    supplier_id: uuid.UUID
    category: str = Field(min_length=1, max_length=rules.MAX_CATEGORY, examples=["茶叶"])
    description: str = Field(default="", max_length=rules.MAX_DESCRIPTION)
    images: list[ImageUrl] = Field(default_factory=list, max_length=rules.MAX_IMAGES)
    skus: list[SkuIn] = Field(min_length=1, max_length=rules.MAX_SKUS_PER_PRODUCT)


class ProductPatch(_Patch):
    title: str | None = Field(default=None, min_length=1, max_length=rules.MAX_TITLE)
    description: str | None = Field(default=None, max_length=rules.MAX_DESCRIPTION)
    category: str | None = Field(default=None, min_length=1, max_length=rules.MAX_CATEGORY)
    images: list[ImageUrl] | None = Field(default=None, max_length=rules.MAX_IMAGES)
    status: Literal["active", "archived"] | None = None


class SkuPatch(_Patch):
    nullable: ClassVar[frozenset[str]] = frozenset({"member_price_fen"})

    name: str | None = Field(default=None, min_length=1, max_length=rules.MAX_SKU_NAME)
    price_fen: PriceFen | None = None
    member_price_fen: PriceFen | None = None
    supply_price_fen: SupplyPriceFen | None = None
    active: Annotated[bool, Field(strict=True)] | None = None


class StockAdjustIn(_Input):
    delta: int = Field(
        strict=True,
        ge=-rules.MAX_STOCK,
        le=rules.MAX_STOCK,
        description="Units to add (positive) or remove (negative) from reservable stock.",
    )

    @model_validator(mode="after")
    def _non_zero(self) -> StockAdjustIn:
        if self.delta == 0:
            raise ValueError("delta must not be zero")
        return self


class StockOut(BaseModel):
    sku_id: uuid.UUID
    stock: int
    reserved: int
    sold: int


# --- products and SKUs (output) ---------------------------------------------------------


class SkuPublicOut(BaseModel):
    id: uuid.UUID
    name: str
    price_fen: int
    member_price_fen: int | None
    stock: int = Field(description="Units that can still be ordered.")
    in_stock: bool


class SkuAdminOut(SkuPublicOut):
    supply_price_fen: int
    reserved: int = Field(description="Units held by unpaid orders.")
    sold: int = Field(description="Units in paid orders.")
    active: bool
    position: int


class _ProductBase(BaseModel):
    id: uuid.UUID
    supplier_id: uuid.UUID
    supplier_name: str
    title: str
    description: str
    category: str
    images: list[str]
    created_at: datetime


class ProductPublicOut(_ProductBase):
    price_fen: int | None = Field(description="Lowest price among the SKUs on sale.")
    member_price_fen: int | None = Field(
        description="Lowest price a member pays, if any SKU on sale has a member price."
    )
    in_stock: bool
    skus: list[SkuPublicOut]


class ProductAdminOut(_ProductBase):
    status: str
    updated_at: datetime
    skus: list[SkuAdminOut]


class ProductPublicPage(BaseModel):
    items: list[ProductPublicOut]
    next_cursor: str | None


class ProductAdminPage(BaseModel):
    items: list[ProductAdminOut]
    next_cursor: str | None


class CategoryOut(BaseModel):
    name: str
    product_count: int


class CategoryList(BaseModel):
    items: list[CategoryOut]
