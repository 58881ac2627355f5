"""`python -m bot` runs the maturity-bot command line."""

from adapters.cli import main

raise SystemExit(main())
