"""Every page router, for ``quanzi.app`` to include in one go.

How a page is written (the shop-owner center, supplier portal and console follow suit):

- A router per area with ``route_class=TransactionalRoute`` and ``include_in_schema=False``:
  one page request is one transaction, like an API call.
- The handler takes ``visitor: PageVisitor`` (``quanzi.web.auth``): the session, the
  logged-in user or ``None``, the language and the CSRF token. ``visitor.require_user()``
  sends a stranger to ``/login`` and back afterwards.
- It calls the modules' services and queries (never SQL here) and answers with
  ``render(visitor, "template.html", {...})`` or, after a POST, ``redirect(visitor, url)``.
- A POST reads ``read_form(request)`` and calls ``check_csrf(visitor, form)`` first; every
  form template includes ``{{ m.csrf() }}``. A refusal to show on the same form: catch the
  ``ProblemError``, ``await visitor.start_over()`` (nothing of the attempt is kept), render
  the form again with the error and the error's status. Other refusals simply raise: the
  visitor gets ``error.html`` in their language with the problem's ``code``.
- Texts live in ``quanzi.web.i18n.MESSAGES`` in both languages (a test checks every
  ``_('key')`` in the templates); refusals read from ``PROBLEMS`` by code.
- Pages work without JavaScript (links, forms, redirects); htmx attributes only enhance.
"""

from __future__ import annotations

from fastapi import APIRouter

from quanzi.web import accounts, checkout, grouppage, myorders, owner, shop, supplier
from quanzi.web.console import operations as console_operations
from quanzi.web.console import setup as console_setup

router = APIRouter(include_in_schema=False)
for part in (shop.router, accounts.router, checkout.router, myorders.router, grouppage.router):
    router.include_router(part)
router.include_router(owner.router)
router.include_router(supplier.router)
router.include_router(console_setup.router)
router.include_router(console_operations.router)
