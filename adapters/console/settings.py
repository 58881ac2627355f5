"""The console's settings: where its text comes from and goes, and where charts are saved."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

PLATFORM = "console"


@dataclass(frozen=True)
class ConsoleSettings:
    charts: Path = Path("charts")  # a terminal cannot show images: they are saved here
    stdin: TextIO = field(default=sys.stdin, repr=False)
    stdout: TextIO = field(default=sys.stdout, repr=False)
    platform: str = PLATFORM
