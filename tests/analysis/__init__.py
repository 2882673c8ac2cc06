"""Tests of the analysis capability (pure modules and CLI)."""
