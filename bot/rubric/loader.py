"""Load, check and snapshot a maturity model ("rubric") kept in a TOML file.

The file holds a name, a question, the scale's two labels and a list of categories, each
with five level descriptors (see rubric.toml at the project root). Everything is checked
up front, so a bad file stops the bot at start-up with one line saying what is wrong,
rather than a card failing to send halfway through a round.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.model import LEVELS, Category, Rubric
from bot.platforms import MessageLimits

DEFAULT_LIMITS = MessageLimits()
MESSAGE_LIMIT = DEFAULT_LIMITS.text_chars
SECTION_LIMIT = DEFAULT_LIMITS.detail_chars
CARD_RESERVE = 300  # kept free on a card for the progress line, current answer and hints

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column \d+\)\s*$")


class RubricError(Exception):
    """A rubric that cannot be used; its str is one line naming file, category and problem."""

    def __init__(
        self, source: str, problem: str, *, category: str = "", line: int | None = None
    ) -> None:
        self.source = source
        self.problem = problem
        self.category = category  # e.g. "category 'vision' (#1)", or "" if not about one
        self.line = line
        parts = [source, f"line {line}" if line is not None else "", category, problem]
        message = ": ".join(part for part in parts if part)
        super().__init__(" ".join(message.split()))  # one line, whatever the parts held


def _type_name(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _card_length(question: str, category: Category) -> int:
    """Characters one category's card needs (question with its scale labels), including the
    room reserved for extras."""
    parts = [f"{category.number}. {category.title}", question]
    parts += [f"{level} — {category.levels[level]}" for level in LEVELS]
    return len("\n\n".join(parts)) + CARD_RESERVE


class _Checker:
    """Builds RubricErrors that carry the file name and the category being checked."""

    def __init__(self, source: str, limits: MessageLimits) -> None:
        self.source = source
        self.limits = limits
        self.category_id: str | None = None
        self.number: int | None = None
        self.position: int | None = None

    def error(self, problem: str) -> RubricError:
        where = ""
        if self.category_id is not None and self.number is not None:
            where = f"category {self.category_id!r} (#{self.number})"
        elif self.category_id is not None:
            where = f"category {self.category_id!r}"
        elif self.number is not None:
            where = f"category #{self.number}"
        elif self.position is not None:
            where = f"category at position {self.position}"
        return RubricError(self.source, problem, category=where)

    def text(self, table: Mapping[str, Any], key: str, label: str) -> str:
        """A required, non-empty string field of table, stripped."""
        if key not in table:
            raise self.error(f"{label} is missing")
        value = table[key]
        if not isinstance(value, str):
            raise self.error(f"{label} must be text, not {_type_name(value)}")
        if not value.strip():
            raise self.error(f"{label} is empty")
        return value.strip()


def rubric_from_dict(
    data: Mapping[str, Any], source: str = "rubric", limits: MessageLimits = DEFAULT_LIMITS
) -> Rubric:
    """Check a rubric given as plain data (parsed TOML or a snapshot) and build it; every card
    must fit a message within the limits (those of every platform the bot knows)."""
    check = _Checker(source, limits)
    if not isinstance(data, Mapping):
        raise check.error(f"a rubric must be a table, not {_type_name(data)}")
    name = check.text(data, "name", "'name'")
    question = check.text(data, "question", "'question'")
    scale = data.get("scale")
    if scale is None:
        raise check.error("[scale] is missing")
    if not isinstance(scale, Mapping):
        raise check.error(f"'scale' must be a table, not {_type_name(scale)}")
    low = check.text(scale, "low", "'scale.low'")
    high = check.text(scale, "high", "'scale.high'")

    raw_categories = data.get("categories")
    if raw_categories is None or raw_categories == []:
        raise check.error("no categories")
    if not isinstance(raw_categories, list):
        kind = _type_name(raw_categories)
        raise check.error(f"'categories' must be a list of tables ([[categories]]), not {kind}")

    categories: list[Category] = []
    seen_ids: dict[str, int] = {}
    seen_numbers: dict[int, str] = {}
    for position, raw in enumerate(raw_categories, start=1):
        check.category_id, check.number, check.position = None, None, position
        if not isinstance(raw, Mapping):
            raise check.error(f"must be a table, not {_type_name(raw)}")
        category = _category(check, raw, f"{question} (1 = {low}, 5 = {high})")  # as shown
        if category.id in seen_ids:
            raise check.error(f"duplicate id (#{seen_ids[category.id]} has it too)")
        if category.number in seen_numbers:
            other = seen_numbers[category.number]
            raise check.error(f"duplicate number ({other!r} has it too)")
        seen_ids[category.id] = category.number
        seen_numbers[category.number] = category.id
        categories.append(category)
    return Rubric(
        name=name, question=question, low_label=low, high_label=high, categories=tuple(categories)
    )


def _category(check: _Checker, raw: Mapping[str, Any], question: str) -> Category:
    number = raw.get("number")
    if isinstance(number, int) and not isinstance(number, bool) and number >= 1:
        check.number = number
    raw_id = raw.get("id")
    if isinstance(raw_id, str) and raw_id:
        check.category_id = raw_id
    category_id = check.text(raw, "id", "'id'")
    if not _SLUG.fullmatch(category_id):
        raise check.error(
            "'id' must be at most 32 characters of a-z, 0-9 and '-', not starting with '-'"
        )
    if "number" not in raw:
        raise check.error("'number' is missing")
    if check.number is None:
        raise check.error(f"'number' must be a whole number from 1 up, not {number!r}")
    title = check.text(raw, "title", "'title'")
    levels = _levels(check, raw.get("levels"))
    category = Category(id=category_id, number=check.number, title=title, levels=levels)
    length = _card_length(question, category)
    if length > check.limits.text_chars:
        raise check.error(
            f"card too long: {length} characters with {CARD_RESERVE} reserved "
            f"(a message holds {check.limits.text_chars}); shorten the descriptors"
        )
    return category


def _levels(check: _Checker, raw: object) -> dict[int, str]:
    if raw is None:
        raise check.error("[categories.levels] is missing")
    if not isinstance(raw, Mapping):
        raise check.error(f"'levels' must be a table, not {_type_name(raw)}")
    levels: dict[int, str] = {}
    for key, value in raw.items():
        level = _level_key(key)
        if level not in LEVELS:
            raise check.error(f"unexpected level {key} (levels are 1 to 5)")
        if level in levels:
            raise check.error(f"level {level} is given twice")
        if not isinstance(value, str):
            raise check.error(f"level {level} must be text, not {_type_name(value)}")
        text = _normalise(value)
        if not text:
            raise check.error(f"level {level} is empty")
        if len(text) > check.limits.detail_chars:
            raise check.error(
                f"level {level} is {len(text)} characters (a descriptor beside its button "
                f"holds {check.limits.detail_chars})"
            )
        levels[level] = text
    missing = [str(level) for level in LEVELS if level not in levels]
    if missing:
        word = "level" if len(missing) == 1 else "levels"
        raise check.error(f"{word} {', '.join(missing)} missing (need levels 1 to 5)")
    return {level: levels[level] for level in LEVELS}


def _level_key(key: object) -> int | None:
    if isinstance(key, int) and not isinstance(key, bool):
        return key
    if isinstance(key, str) and key.strip().isdecimal() and len(key) < 10:
        return int(key)
    return None


def rubric_to_dict(rubric: Rubric) -> dict[str, Any]:
    """A JSON-safe dict in the TOML file's shape; rubric_from_dict turns it back."""
    return {
        "name": rubric.name,
        "question": rubric.question,
        "scale": {"low": rubric.low_label, "high": rubric.high_label},
        "categories": [
            {
                "id": category.id,
                "number": category.number,
                "title": category.title,
                "levels": {str(level): category.levels[level] for level in LEVELS},
            }
            for category in rubric.categories
        ],
    }


def load_rubric(path: Path | str, limits: MessageLimits = DEFAULT_LIMITS) -> Rubric:
    """Read and check a rubric TOML file; any problem raises a one-line RubricError."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise RubricError(source, "file not found") from None
    except IsADirectoryError:
        raise RubricError(source, "is a directory, not a file") from None
    except OSError as exc:
        raise RubricError(source, f"cannot read file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise RubricError(source, f"not UTF-8 text ({exc.reason})") from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise RubricError(source, "invalid TOML (nested too deeply)") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line = int(found.group(1)) if found else None
        detail = _TOML_POSITION.sub("", message) if found else message
        raise RubricError(source, f"invalid TOML ({detail})", line=line) from None
    return rubric_from_dict(data, source=source, limits=limits)


def default_rubric_path() -> Path:
    """RUBRIC_PATH from the environment if set; else rubric.toml at the project root (a
    checkout); else the copy an installed package keeps in <prefix>/share/maturity-bot."""
    configured = os.environ.get("RUBRIC_PATH")
    if configured:
        return Path(configured)
    in_checkout = Path(__file__).resolve().parents[2] / "rubric.toml"
    if in_checkout.is_file():
        return in_checkout
    return Path(sys.prefix) / "share" / "maturity-bot" / "rubric.toml"
