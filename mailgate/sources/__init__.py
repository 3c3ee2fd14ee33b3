"""Inbound sources. Each only stores raw bytes and hands over to ``mailgate.pipeline``."""
