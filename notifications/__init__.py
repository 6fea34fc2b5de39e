"""Outgoing mail: the outbox, templates, preferences and senders."""
