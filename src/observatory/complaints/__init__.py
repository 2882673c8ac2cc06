"""Complaints of people who use drugs: filed, answered, followed with a code (docs/complaints.md)."""
