"""Tests of the citizens' panel lottery."""
