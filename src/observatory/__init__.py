"""Observatory: a platform for citizen observatories of open drug scenes."""

__version__ = "0.1.0"
