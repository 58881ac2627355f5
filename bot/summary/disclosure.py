"""How much of a category any view may show, by how many scored answers it has: the one rule
the summary text, the charts, the exports and every later view follow.

A lead who answers knows their own answers, and one who controls other accounts knows theirs
too. Per-level counts (and n, "not sure", the mean and the spread, from which counts follow)
minus the answers a lead knows leave the others' answers; in a small group that is one person's
answer. So counts appear only where at least COUNTS_FLOOR people scored (and never below the
round's min_responses); below that a category shows its median and whether people agreed.
"""

from __future__ import annotations

import enum
import math

COUNTS_FLOOR = 5  # scored answers before per-level counts are shown
COMMENTS_FLOOR = 5  # comments in a round before any of them reach leads


class Detail(enum.Enum):
    """What a category's summary shows."""

    NOTHING = "not enough answers"  # fewer scored answers than min_responses
    MEDIAN = "median and agreement"  # the median and agreed/split only
    COUNTS = "counts"  # also per-level counts, n, "not sure", mean and spread


def counts_floor(min_responses: float) -> float:
    """Scored answers a category needs before its per-level counts are shown."""
    return max(min_responses, COUNTS_FLOOR)


def detail_for(scored: int, min_responses: float) -> Detail:
    """How much a category with this many scored answers may show (min_responses may be
    infinite: a round with too few completed shows nothing)."""
    if math.isinf(min_responses) or scored < min_responses:
        return Detail.NOTHING
    if scored < counts_floor(min_responses):
        return Detail.MEDIAN
    return Detail.COUNTS


def comments_allowed(comments: int, min_responses: int) -> bool:
    """Whether a round's comments may reach leads: enough of them that none singles its
    writer out."""
    return comments >= max(min_responses, COMMENTS_FLOOR)
