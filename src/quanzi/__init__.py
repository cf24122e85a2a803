"""Quanzi (圈子): a social-commerce engine."""

__version__ = "0.1.0"
