"""The pure code of common: the proof-of-work check, no Django."""
