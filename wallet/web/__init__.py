"""The wallet's local web page (FastAPI + Jinja2, Japanese and English)."""

from wallet.web.app import create_app

__all__ = ["create_app"]
