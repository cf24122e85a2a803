"""Commissions (分享赚), base pay (底薪) and the commission plan with its compliance guard.

Import from the modules (``plans``, ``service``), not from this package: the referral tree
reads ``plans`` while ``accrual`` reads the referral tree.
"""
