"""Agora: a build-time generator for multilingual community hubs and their newsletters."""

__version__ = "0.1.0"
