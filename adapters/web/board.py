"""The partnership board's HTML: the core's BoardView laid out as one read-only page, with the
same layout, stylesheet and standards as the answer pages (no script, WCAG 2.2 AA, a plain
page when printed). Each chart comes after a table of the same figures, and its alt text
says so; the charts themselves are PNGs the bot serves from the board's own address."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.web.pages import esc, layout, message_page
from bot.board.view import BoardView, CategoryRow, LatestRound, TrendTable
from bot.model import LEVELS

NOT_VALID = "This board link is not valid"
NOT_VALID_HTML = (
    "<p>A lead of the partnership may have replaced the link or turned the board off. Ask a "
    "lead for the current link.</p>"
)
CHART_WIDTH, CHART_HEIGHT = 1600, 1000  # bot/summary/charts.py draws at this size
PORTRAIT_WIDTH = 780  # its portrait drawing, for phones (its height follows the names' lines)
NARROW = "(max-width: 40em)"  # where the portrait drawing is shown


def service(community: str) -> str:
    return f"{community} self-assessment"


def not_valid_page() -> str:
    return message_page(NOT_VALID, "Self-assessment", NOT_VALID_HTML)


def _table(
    key: str, title: str, head: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]]
) -> str:
    """A table of figures under its title, in a region that scrolls sideways by itself on a
    narrow screen (reachable by keyboard), so the page never does. The title is a heading
    outside the table, so that it wraps on a phone however wide the table is."""
    header = "".join(f'<th scope="col">{esc(h)}</th>' for h in head)
    body = "".join(
        f'<tr><th scope="row">{esc(title)}</th>'
        + "".join(f"<td>{esc(cell)}</td>" for cell in cells)
        + "</tr>"
        for title, cells in rows
    )
    return (
        f'<h3 id="{key}-title">{esc(title)}</h3>'
        f'<div class="table-wrap" role="region" aria-labelledby="{key}-title" tabindex="0">'
        f'<table class="figures" aria-labelledby="{key}-title">'
        f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _row_cells(row: CategoryRow) -> list[str]:
    if not row.shown:
        return ["not enough answers", ""]
    return [f"{row.median}, {row.consensus}", row.change or "—"]


def _figure(src: str, alt: str, narrow_src: str = "") -> str:
    """A chart; with narrow_src, phones get that (portrait) drawing of it instead."""
    narrow = (
        f'<source media="{NARROW}" srcset="{esc(narrow_src)}" width="{PORTRAIT_WIDTH}">'
        if narrow_src
        else ""
    )
    return (
        f'<figure class="chart"><picture>{narrow}<img src="{esc(src)}" alt="{esc(alt)}" '
        f'width="{CHART_WIDTH}" height="{CHART_HEIGHT}"></picture></figure>'
    )


def latest_section(latest: LatestRound | None, chart_src: str) -> str:
    if latest is None:
        return (
            '<h2 id="latest">The latest round</h2><p>No round has closed yet. The board shows '
            "the group's summary once the first round closes.</p>"
        )
    out = [f'<h2 id="latest">{esc(latest.heading)}, {esc(latest.dates)}</h2>']
    out += [f"<p>{esc(note)}</p>" for note in latest.notes]
    if not latest.enough:
        return "".join(out)
    since = f"change since round {latest.previous}" if latest.previous else "change"
    out.append(
        _table(
            "summary",
            f"By category: the median level (1 to 5), whether people agreed, and the {since}",
            ("Category", "Median, agreed or split", since.capitalize()),
            [(row.title, _row_cells(row)) for row in latest.rows],
        )
    )
    counted = [row for row in latest.rows if row.counts is not None]
    if counted:
        out.append(
            _table(
                "counts",
                "How many chose each level, in the categories with enough answers for counts",
                ("Category", *(f"Level {lv}" for lv in LEVELS), "Not sure"),
                [
                    (row.title, [*(str(n) for n in row.counts or ()), str(row.not_sure or 0)])
                    for row in counted
                ],
            )
        )
    if latest.chart is not None:
        alt = f"{latest.chart_alt} The tables above give the same figures."
        out.append(_figure(chart_src, alt, chart_src.replace("chart.png", "chart-portrait.png")))
    out.append('<h2 id="priorities">The group\'s priorities</h2>')
    out.append(f"<p>{esc(latest.priorities or 'This round did not ask for priorities.')}</p>")
    if latest.focus:
        out.append('<h2 id="focus">Where to focus next</h2><ul class="list">')
        out += [f"<li>{esc(line)}</li>" for line in latest.focus]
        out.append("</ul>")
    out.append(perspectives_section(latest))
    return "".join(out)


def perspectives_section(latest: LatestRound) -> str:
    """Where perspectives differ, and each category's medians by group (only what
    bot/summary/perspectives.py let through)."""
    words = latest.perspectives
    if words is None:
        return ""
    out = ['<h2 id="perspectives">Where perspectives differ</h2>']
    out.append(f"<p>{esc(words.note[:1].upper() + words.note[1:])}</p>")
    if words.differences:
        out.append('<ul class="list">')
        out += [f"<li>{esc(sentence)}</li>" for sentence in words.differences]
        out.append("</ul>")
    out += [f"<p>{esc(line)}</p>" for line in words.closing]
    if words.by_group:
        out.append('<h3 id="by-group">Medians by group</h3><ul class="list">')
        out += [f"<li>{esc(line)}</li>" for line in words.by_group]
        out.append("</ul>")
    return "".join(out)


def trend_section(table: TrendTable | None, trend_src: str) -> str:
    if table is None:
        return ""
    rows = [(title, list(medians)) for title, medians in table.rows]
    return (
        '<h2 id="trend">The trend</h2>'
        + _table(
            "trend",
            "Each category's median level, round by round",
            ("Category", *table.rounds),
            rows,
        )
        + _figure(
            trend_src,
            "Chart: each category's median level round by round, one small panel per category. "
            "The table above gives the same figures.",
        )
    )


def _actions(view: BoardView) -> str:
    out = ['<h2 id="actions">Actions</h2>']
    if not view.open_actions and not view.done_actions:
        return out[0] + "<p>No open actions.</p>"
    for heading, lines in (("Open", view.open_actions), ("Done recently", view.done_actions)):
        if lines:
            out.append(f'<h3>{heading}</h3><ul class="list">')
            out += [f"<li>{esc(line)}</li>" for line in lines]
            out.append("</ul>")
    return "".join(out)


def board_page(view: BoardView, base: str, as_of: str) -> str:
    """The whole board; `base` is the board's own path (its charts hang below it)."""
    body = (
        f"<h1>{esc(view.community)}: partnership board</h1>"
        '<p class="hint">Where the partnership stands, from its self-assessment rounds. Only '
        "what the group's summary shows: never anyone's answers or comments.</p>"
        f'<h2 id="next">The next round</h2><p>{esc(view.next_round)}</p>'
        + latest_section(view.latest, f"{base}/chart.png")
        + trend_section(view.trend_table, f"{base}/trend.png")
        + _actions(view)
    )
    footer = f"<p>As of {esc(as_of)}. This page is read-only.</p>"
    return layout(f"{view.community}: partnership board", service(view.community), body, footer)
