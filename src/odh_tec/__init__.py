"""Open Data Hub Tools & Extensions Companion."""

__version__ = "0.1.0"
