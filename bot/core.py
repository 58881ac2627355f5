"""What a front end may ask of the core besides handing it events (AdapterContext.dispatch):
one call per use case, each in one transaction the core opens. Adapters get one of these
(AdapterContext.core) and never the database.

- `leads` (bot/commands/desk.py): lead requests from a web form or the command line, the same
  typed requests a chat line parses into, and what the leads' pages show.
- `access` (bot/access/desk.py): personal pages, joining, unsubscribing, a person's own data,
  the board by its link, leads signing in and out, and the emails owed by email.
"""

from __future__ import annotations

from bot.access.desk import AccessDesk
from bot.commands.desk import LeadDesk


class Core:
    """The core's front doors, filled in by the assembly once every platform is known (an
    adapter is built with this object, and uses it only once the bot runs)."""

    leads: LeadDesk
    access: AccessDesk
