"""Tests for bot.rubric: the shipped model, the seed text, broken files and snapshots."""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.model import Rubric
from bot.rubric.loader import (
    MESSAGE_LIMIT,
    SECTION_LIMIT,
    RubricError,
    default_rubric_path,
    load_rubric,
    rubric_from_dict,
    rubric_to_dict,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "rubric.toml"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rubrics"
SEED = Path(__file__).resolve().parents[2] / "shared/seed/system-maturity-model.txt"

IDS = [
    "vision",
    "collaboration",
    "accountability",
    "involvement",
    "planning",
    "finance",
    "service-delivery",
    "workforce",
    "learning",
]
TITLES = [
    "Vision",
    "Collaboration",
    "Accountability",
    "Involvement",
    "Planning / strategy / programming",
    "Finance",
    "Service delivery",
    "Workforce development",
    "Learning, evaluation and continuous improvement",
]


def _normalise(text: str) -> str:
    return " ".join(text.split())


# --- the shipped model -------------------------------------------------------------------


def test_shipped_rubric_loads() -> None:
    rubric = load_rubric(SHIPPED)
    assert rubric.name == "System Maturity Model"
    assert rubric.question == "Which description fits your local system best today?"
    assert (rubric.low_label, rubric.high_label) == ("just getting started", "really doing well")
    assert [c.number for c in rubric.categories] == list(range(1, 10))
    assert [c.id for c in rubric.categories] == IDS
    assert [c.title for c in rubric.categories] == TITLES
    for category in rubric.categories:
        assert list(category.levels) == [1, 2, 3, 4, 5]
        assert all(text and text == _normalise(text) for text in category.levels.values())


def test_default_path_is_shipped_rubric(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUBRIC_PATH", raising=False)
    assert default_rubric_path() == SHIPPED
    monkeypatch.setenv("RUBRIC_PATH", "/somewhere/else.toml")
    assert default_rubric_path() == Path("/somewhere/else.toml")


def _seed_table() -> list[list[str]]:
    if not SEED.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"seed text missing: {SEED}")
        pytest.skip(f"seed text not available at {SEED}")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Category\t5\t4\t3\t2\t1"))
    rows = [re.sub(r"</?p>", "", line) for line in lines[start + 1 :] if line.strip()]
    return [row.split("\t") for row in rows]


def test_shipped_rubric_matches_seed_word_for_word() -> None:
    table = _seed_table()
    rubric = load_rubric(SHIPPED)
    assert len(table) == len(rubric.categories) == 9
    for cells, category in zip(table, rubric.categories, strict=True):
        assert len(cells) == 6, cells[0]
        assert cells[0].startswith(f"{category.number}. ")
        for level, text in zip((5, 4, 3, 2, 1), cells[1:], strict=True):
            assert category.levels[level] == _normalise(text), (category.id, level)


def test_other_model_in_same_format_loads_unchanged() -> None:
    rubric = load_rubric(FIXTURES / "three-category-model.toml")
    assert rubric.name == "Neighbourhood Garden Maturity Model"
    assert (rubric.low_label, rubric.high_label) == ("seeds in the ground", "in full bloom")
    assert [c.id for c in rubric.categories] == ["soil", "water", "people-and-skills"]
    assert [c.number for c in rubric.categories] == [1, 2, 3]
    water = rubric.categories[1]
    assert water.levels[5] == (
        "Rain harvesting covers the whole summer, "
        "and the group helps other gardens set up the same."
    )
    assert rubric.category("soil") is rubric.categories[0]


# --- snapshots ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SHIPPED, FIXTURES / "three-category-model.toml"])
def test_rubric_to_dict_round_trips_through_json(path: Path) -> None:
    rubric = load_rubric(path)
    data = json.loads(json.dumps(rubric_to_dict(rubric)))
    assert list(data["categories"][0]["levels"]) == ["1", "2", "3", "4", "5"]
    again = rubric_from_dict(data)
    assert again == rubric
    assert [c.id for c in again.categories] == [c.id for c in rubric.categories]


def test_descriptor_whitespace_is_normalised_and_int_level_keys_accepted() -> None:
    data = _base()
    data["categories"][0]["levels"] = {
        1: "  one\n  two\tthree  ",
        2: "b",
        3: "c",
        4: "d",
        5: "e",
    }
    rubric = rubric_from_dict(data)
    assert rubric.categories[0].levels[1] == "one two three"


# --- broken rubrics ----------------------------------------------------------------------


def _base() -> dict[str, Any]:
    """A small valid rubric with two categories."""

    def levels(word: str) -> dict[str, str]:
        return {str(n): f"{word} level {n}." for n in range(1, 6)}

    return {
        "name": "Tiny",
        "question": "Which fits best?",
        "scale": {"low": "low", "high": "high"},
        "categories": [
            {"id": "alpha", "number": 1, "title": "Alpha", "levels": levels("Alpha")},
            {"id": "beta", "number": 2, "title": "Beta", "levels": levels("Beta")},
        ],
    }


def _toml(data: dict[str, Any]) -> str:
    """Just enough of a TOML writer for the rubric shape (values may be of any TOML type)."""
    out: list[str] = []

    def key(name: str) -> str:
        return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)

    def is_tables(value: object) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)

    def table(data: dict[str, Any], prefix: str) -> None:
        for name, value in data.items():
            if not isinstance(value, dict) and not is_tables(value):
                out.append(f"{key(name)} = {json.dumps(value)}")
        for name, value in data.items():
            if isinstance(value, dict):
                out.append(f"[{prefix}{key(name)}]")
                table(value, f"{prefix}{key(name)}.")
            elif is_tables(value):
                for item in value:
                    out.append(f"[[{prefix}{key(name)}]]")
                    table(item, f"{prefix}{key(name)}.")

    table(data, "")
    return "\n".join(out) + "\n"


def test_base_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "base.toml"
    path.write_text(_toml(_base()), encoding="utf-8")
    rubric = load_rubric(path)
    assert [c.id for c in rubric.categories] == ["alpha", "beta"]
    assert rubric == rubric_from_dict(_base())


def _set(*keys: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for part in keys[:-1]:
            target = target[part]
        target[keys[-1]] = value

    return change


def _drop(*keys: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for part in keys[:-1]:
            target = target[part]
        del target[keys[-1]]

    return change


def _whole_card_too_long(data: dict[str, Any]) -> None:
    data["categories"][1]["levels"] = {str(n): "y" * 800 for n in range(1, 6)}


BETA = "category 'beta' (#2)"
LEVELS_OF_BETA = ("categories", 1, "levels")

BROKEN: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("no categories", _set("categories", value=[]), "", "no categories"),
    ("categories key missing", _drop("categories"), "", "no categories"),
    ("categories not a list", _set("categories", value="alpha"), "", "must be a list"),
    (
        "category not a table",
        _set("categories", value=[1]),
        "category at position 1",
        "must be a table, not int",
    ),
    ("missing id", _drop("categories", 1, "id"), "category #2", "'id' is missing"),
    ("id not a slug", _set("categories", 1, "id", value="Beta Two"), "#2", "'id' must be"),
    (
        "id too long",
        _set("categories", 1, "id", value="b" * 33),
        "#2",
        "at most 32 characters",
    ),
    (
        "duplicate id",
        _set("categories", 1, "id", value="alpha"),
        "'alpha' (#2)",
        "duplicate id (#1 has it too)",
    ),
    (
        "duplicate number",
        _set("categories", 1, "number", value=1),
        "category 'beta' (#1)",
        "duplicate number ('alpha' has it too)",
    ),
    ("missing number", _drop("categories", 1, "number"), "category 'beta'", "'number' is missing"),
    (
        "number not an int",
        _set("categories", 1, "number", value="2"),
        "category 'beta'",
        "'number' must be a whole number",
    ),
    ("four levels", _drop(*LEVELS_OF_BETA, "5"), BETA, "level 5 missing"),
    ("three levels", _drop(*LEVELS_OF_BETA, "1"), BETA, "level 1 missing"),
    ("six levels", _set(*LEVELS_OF_BETA, "6", value="Six."), BETA, "unexpected level 6"),
    ("level 0", _set(*LEVELS_OF_BETA, "0", value="Zero."), BETA, "unexpected level 0"),
    ("level not a number", _set(*LEVELS_OF_BETA, "top", value="x"), BETA, "unexpected level top"),
    ("empty descriptor", _set(*LEVELS_OF_BETA, "3", value="  \n "), BETA, "level 3 is empty"),
    (
        "descriptor too long",
        _set(*LEVELS_OF_BETA, "2", value="x" * (SECTION_LIMIT + 1)),
        BETA,
        f"level 2 is {SECTION_LIMIT + 1} characters",
    ),
    ("whole card too long", _whole_card_too_long, BETA, "card too long"),
    ("descriptor a number", _set(*LEVELS_OF_BETA, "3", value=42), BETA, "level 3 must be text"),
    ("descriptor a list", _set(*LEVELS_OF_BETA, "4", value=["a"]), BETA, "level 4 must be text"),
    ("levels not a table", _set("categories", 1, "levels", value="x"), BETA, "must be a table"),
    ("levels missing", _drop("categories", 1, "levels"), BETA, "levels] is missing"),
    ("empty title", _set("categories", 1, "title", value=" "), BETA, "'title' is empty"),
    ("missing title", _drop("categories", 1, "title"), BETA, "'title' is missing"),
    ("missing question", _drop("question"), "", "'question' is missing"),
    ("empty question", _set("question", value=""), "", "'question' is empty"),
    ("missing name", _drop("name"), "", "'name' is missing"),
    ("name not text", _set("name", value=3), "", "'name' must be text"),
    ("missing scale", _drop("scale"), "", "[scale] is missing"),
    ("scale not a table", _set("scale", value="low-high"), "", "'scale' must be a table"),
    ("missing scale.low", _drop("scale", "low"), "", "'scale.low' is missing"),
    ("empty scale.high", _set("scale", "high", value=""), "", "'scale.high' is empty"),
]


@pytest.mark.parametrize(
    ("change", "category", "problem"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_rubric_gives_one_line_error(
    tmp_path: Path,
    change: Callable[[dict[str, Any]], None],
    category: str,
    problem: str,
) -> None:
    data = _base()
    change(data)
    path = tmp_path / "rubric.toml"
    path.write_text(_toml(data), encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert category in message
    if not category:
        assert "category" not in message
    assert problem in message


def test_descriptor_at_section_limit_is_fine() -> None:
    data = _base()
    data["categories"][1]["levels"]["2"] = "x" * SECTION_LIMIT
    assert len(rubric_from_dict(data).categories[1].levels[2]) == SECTION_LIMIT


def test_card_limit_counts_the_whole_card() -> None:
    data = _base()
    # Each descriptor is well under a Slack section, but five of them overflow a message.
    per_level = MESSAGE_LIMIT // 5
    assert per_level < SECTION_LIMIT
    data["categories"][0]["levels"] = {str(n): "z" * per_level for n in range(1, 6)}
    with pytest.raises(RubricError, match=r"^rubric: category 'alpha' \(#1\): card too long"):
        rubric_from_dict(data)


def test_card_limit_counts_the_scale_labels() -> None:
    data = _base()
    data["scale"] = {"low": "l" * 2000, "high": "h" * 2000}
    with pytest.raises(RubricError, match="card too long"):
        rubric_from_dict(data)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(RubricError, match=r"nowhere\.toml: file not found$"):
        load_rubric(path)
    with pytest.raises(RubricError, match="is a directory"):
        load_rubric(tmp_path)


def test_bad_toml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "rubric.toml"
    path.write_text('name = "x"\nquestion = "q"\n[scale\nlow = "a"\n', encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rubric(str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: line 3: invalid TOML (")
    assert "\n" not in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(RubricError, match=r"latin1\.toml: not UTF-8"):
        load_rubric(path)


def test_error_message_never_has_a_newline() -> None:
    data = _base()
    data["categories"][0]["id"] = "bad\nid"
    with pytest.raises(RubricError) as caught:
        rubric_from_dict(data, source="some\nfile.toml")
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("some file.toml: ")


WEIRD_VALUES: list[Any] = [None, 0, True, 1.5, "", "x", [], [1], {}, {"a": 1}]


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        items: list[tuple[Any, Any]] = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return []
    found: list[tuple[Any, ...]] = []
    for name, value in items:
        found.append((*prefix, name))
        found.extend(_paths(value, (*prefix, name)))
    return found


def test_wrong_types_anywhere_give_rubric_error_not_type_error() -> None:
    base = _base()
    assert rubric_from_dict(base) == rubric_from_dict(copy.deepcopy(base))
    for path in _paths(base):
        for value in WEIRD_VALUES:
            data = copy.deepcopy(base)
            _set(*path, value=value)(data)
            try:
                result = rubric_from_dict(data)
            except RubricError as exc:
                assert "\n" not in str(exc)
            else:
                assert isinstance(result, Rubric)
    not_tables: list[Any] = [None, [], "rubric", 3]
    for not_a_table in not_tables:
        with pytest.raises(RubricError, match=r"^rubric: a rubric must be a table"):
            rubric_from_dict(not_a_table)
