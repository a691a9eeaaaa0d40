"""Frontline: news articles in, withdrawal and territorial-control events and tables out."""

__version__ = "0.1.0"
