"""Base templates, home page (public map), report form and static assets."""
