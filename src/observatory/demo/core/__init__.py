"""The pure code of demo: the fictional reports, rounds and places, no Django."""
