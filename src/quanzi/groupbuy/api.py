from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, status
from fastapi.responses import JSONResponse

from quanzi.core import idempotency
from quanzi.core.db import TransactionalRoute
from quanzi.groupbuy import campaigns, queries, seats
from quanzi.groupbuy.models import Group
from quanzi.groupbuy.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignPageOut,
    CampaignPatch,
    GroupOrderOut,
    GroupOut,
    GroupStatus,
    GroupSummaryOut,
    JoinGroupIn,
    OpenGroupIn,
    campaign_out,
    campaign_page_out,
    group_out,
    group_summary,
)
from quanzi.identity.deps import CurrentPrincipal, Operator, Session
from quanzi.orders import service as orders
from quanzi.orders.schemas import order_out

router = APIRouter(prefix="/api/v1", tags=["group buying"], route_class=TransactionalRoute)
admin_router = APIRouter(
    prefix="/api/v1/admin", tags=["group buying (admin)"], route_class=TransactionalRoute
)

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
Limit = Annotated[int, Query(ge=1, le=200)]


def _group_order(group: Group, view: orders.OrderView) -> dict[str, Any]:
    return GroupOrderOut(group=group_summary(group), order=order_out(view)).model_dump(mode="json")


@router.get("/group-campaigns")
async def running_campaigns(session: Session, limit: Limit = 50) -> list[CampaignOut]:
    """Campaigns shoppers can open or join groups in now."""
    return [
        campaign_out(c)
        for c in await campaigns.list_campaigns(session, running_only=True, limit=limit)
    ]


@router.get("/group-campaigns/{campaign_id}")
async def campaign_page(campaign_id: uuid.UUID, session: Session) -> CampaignPageOut:
    """A campaign with the open groups a stranger can join, closest to full first."""
    return campaign_page_out(await queries.campaign_view(session, campaign_id))


@router.get("/groups/{group_id}")
async def group_page(group_id: uuid.UUID, session: Session) -> GroupOut:
    """A group as anyone with its share link sees it (display names only)."""
    return group_out(await queries.group_view(session, group_id))


@router.post("/groups", status_code=status.HTTP_201_CREATED, response_model=GroupOrderOut)
async def open_group(
    body: OpenGroupIn,
    principal: CurrentPrincipal,
    session: Session,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Open a group as its leader; it opens to others once the leader's order is paid."""

    async def work() -> dict[str, Any]:
        group, view = await seats.open_group(
            session,
            campaign_id=body.campaign_id,
            leader_id=principal.user.id,
            address=body.address.model_dump(),
            share_code=body.share_code,
        )
        return _group_order(group, view)

    return await idempotency.respond_once(
        session,
        scope="groups.open",
        owner_id=principal.user.id,
        key=idempotency_key,
        payload=body.model_dump(mode="json"),
        status_code=status.HTTP_201_CREATED,
        work=work,
    )


@router.post(
    "/groups/{group_id}/join", status_code=status.HTTP_201_CREATED, response_model=GroupOrderOut
)
async def join_group(
    group_id: uuid.UUID,
    body: JoinGroupIn,
    principal: CurrentPrincipal,
    session: Session,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Take a seat: 409 ``group_full``/``group_closed``/``already_joined`` take nothing."""

    async def work() -> dict[str, Any]:
        group, view = await seats.join_group(
            session,
            group_id=group_id,
            user_id=principal.user.id,
            address=body.address.model_dump(),
            share_code=body.share_code,
        )
        return _group_order(group, view)

    return await idempotency.respond_once(
        session,
        scope="groups.join",
        owner_id=principal.user.id,
        key=idempotency_key,
        payload={"group_id": str(group_id), **body.model_dump(mode="json")},
        status_code=status.HTTP_201_CREATED,
        work=work,
    )


@router.get("/me/groups")
async def my_groups(principal: CurrentPrincipal, session: Session) -> list[GroupSummaryOut]:
    return [group_summary(g) for g in await queries.groups_of_user(session, principal.user.id)]


@admin_router.post("/group-campaigns", status_code=status.HTTP_201_CREATED)
async def create_campaign(body: CampaignIn, _: Operator, session: Session) -> CampaignOut:
    campaign = await campaigns.create_campaign(session, **body.model_dump())
    return campaign_out(campaign)


@admin_router.get("/group-campaigns")
async def all_campaigns(_: Operator, session: Session, limit: Limit = 50) -> list[CampaignOut]:
    return [
        campaign_out(c)
        for c in await campaigns.list_campaigns(session, running_only=False, limit=limit)
    ]


@admin_router.get("/group-campaigns/{campaign_id}")
async def get_campaign(campaign_id: uuid.UUID, _: Operator, session: Session) -> CampaignPageOut:
    return campaign_page_out(await queries.campaign_view(session, campaign_id))


@admin_router.patch("/group-campaigns/{campaign_id}")
async def update_campaign(
    campaign_id: uuid.UUID, body: CampaignPatch, _: Operator, session: Session
) -> CampaignOut:
    campaign = await campaigns.update_campaign(
        session, campaign_id, **body.model_dump(exclude_unset=True)
    )
    return campaign_out(campaign)


@admin_router.get("/groups")
async def all_groups(
    _: Operator,
    session: Session,
    campaign_id: uuid.UUID | None = None,
    status_filter: Annotated[GroupStatus | None, Query(alias="status")] = None,
    limit: Limit = 50,
) -> list[GroupSummaryOut]:
    groups = await queries.list_groups(
        session, campaign_id=campaign_id, status=status_filter, limit=limit
    )
    return [group_summary(group) for group in groups]
