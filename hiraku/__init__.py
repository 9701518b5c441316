"""Hiraku (ひらく): an open-data and civic-tech platform for Japanese municipalities."""

__version__ = "0.1.0"
