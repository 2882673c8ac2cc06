"""Citizen reports: model, intake (form, API, Open311, import), moderation and public output."""
