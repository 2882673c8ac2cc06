"""Open311 GeoReport v2 endpoint over the reports."""
