"""The partnership board: a read-only page of where a community stands, behind a link the
leads give out (access.py), and what that page shows (view.py)."""
