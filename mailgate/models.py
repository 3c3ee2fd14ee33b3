"""Mailgate models: mailboxes, stored raw messages and the outbox (mailgate issue)."""
