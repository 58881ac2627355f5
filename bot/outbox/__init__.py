"""The outbox: every message the bot owes someone is a row, queued once and sent once."""
