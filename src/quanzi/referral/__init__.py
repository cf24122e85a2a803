"""Referral (分销): who brought whom (binding), share links and attribution, team counts,
ranks, team views; commissions and base pay live in the ``commission`` sub-package.

Import the public functions from :mod:`quanzi.referral.service`. The design, in short:

Tree (``tree.py``)
    One ``referral_nodes`` row per user: ``parent_id`` (the referrer), the binding's
    ``bound_at``/``expires_at``/``bound_via``, and counts kept for the member. Chains are
    walked by a recursive CTE seeded at the user and bounded by the depth asked for, one
    primary-key probe per level, on SQLite and PostgreSQL alike: ``uplines(user, 3)`` is one
    statement and three index lookups at 1M members and any tree depth. Parent pointers
    rather than stored ancestor paths or a closure table, because a rebinding (``latest``
    mode, lapsed ``days`` bindings) would have to rewrite the paths of the whole team it
    moves; with parent pointers it rewrites one row plus O(depth) counters.

Counts
    ``direct_count`` (invitees), ``direct_owner_count`` (shop owners among them),
    ``team_size`` (everyone below), ``team_count`` (shop owners below), ``own_sales_fen`` and
    ``team_sales_fen`` (goods amount of paid orders, net of refunds, of the member / of
    everyone below). They change by deltas along the ancestors, one UPDATE per change,
    when a binding is made, moved or lapses and when a membership starts or ends; never by
    recounting. Sales are queued by the payment's transaction and rolled up in batches by
    the ``roll_up_team_sales`` sweep so that paid orders do not all queue behind the row
    lock of a big team's root. Tests hold the counts against a full recount.

Binding (``binding.py``)
    By invite code (at registration, or later with ``POST /api/v1/me/referrer``), by a share
    link opened by a logged-in visitor, by the share code on a paid order, or by a share
    code sent to ``POST /api/v1/me/referrer`` after registering (the landing page leaves it
    in the ``qz_share`` cookie). The operator's mode decides what a new arrival does:
    ``first_touch`` (default) keeps the first binding for good; ``days`` keeps it for
    ``binding_days`` — it lapses then, stops counting for attribution and commission at
    once, and the ``lapse_expired_bindings`` sweep moves the team counts — and a later
    arrival binds anew; ``latest`` rebinds on every arrival through someone else. A mode
    change applies to bindings made from then on.

Loops
    Binding X under Y is refused with 409 ``binding_cycle`` if X is Y or any ancestor of Y
    (the whole chain, not a few levels). Race-safety on PostgreSQL: every writer locks all
    rows of the chains it reads or changes, FOR NO KEY UPDATE, in ``user_id`` order in one
    statement, then re-reads them; two bindings that would close a loop together therefore
    meet on a common row and the second sees the first. SQLite serialises writers.

Share links and attribution (``shares.py``)
    One link per member and product (or group), reused. ``GET /s/{code}`` records the click
    (visitor if logged in, else a hashed anonymous visitor cookie, user agent, time) and
    redirects to ``/p/{product_id}`` or ``/g/{group_id}``. An order is attributed to the
    sharer of its share code, else to the buyer's last click on someone else's link inside
    the attribution window (default 7 days); never to the buyer's own link.

Ranks (``ranks.py``)
    member -> shop owner (an active membership) -> sales manager -> service manager, at the
    commission plan's thresholds (default 90 / 900) over its counting rule (``team``: shop
    owners anywhere below; ``direct``: among direct invitees). Stored per member, changed
    in the transaction that changed the counts, logged with the counts. Ranks follow the
    current team: a manager whose team shrinks below the threshold, or whose own membership
    ends, is demoted (and logged), so base pay goes to teams that exist now. A change of
    thresholds re-ranks the affected members on the next rank read.
"""
