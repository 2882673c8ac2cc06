"""Accounts and roles (Django groups)."""
