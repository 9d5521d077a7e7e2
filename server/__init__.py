"""Scion: a language server for code templates that get better by being used."""

__version__ = "0.1.0"
