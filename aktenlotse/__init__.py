"""Aktenlotse: search portal and Aktenplan assistant over a town administration's file shares."""

__version__ = "0.1.0"
