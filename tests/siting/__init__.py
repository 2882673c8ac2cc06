"""Tests of the siting optimiser (issue 5)."""
