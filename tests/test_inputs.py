"""The one reader for operator input: sizes, depth and numbers bounded, a BOM accepted, and
every refusal a sentence (InputRefused) instead of a crash in Python's own parsers."""

from __future__ import annotations

import io

import pytest

from corridor.core.inputs import (
    InputRefused,
    JSONMalformed,
    parse_json,
    parse_yaml,
    read_input_json,
    read_input_text,
)

pytestmark = pytest.mark.pure


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(InputRefused) as raised:
        call(*args, **kwargs)
    return raised.value.problem


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    """What Notepad saves: the BOM is dropped before parsing."""
    path = tmp_path / "facts.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"household_size": 2}')
    assert read_input_json(path) == {"household_size": 2}


def test_stdin_is_read_for_a_dash(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO('\ufeff["a"]'))
    assert read_input_json("-") == ["a"]


def test_an_integer_of_thousands_of_digits_is_refused_with_a_sentence():
    """Python's int() would raise ValueError past 4,300 digits; here it is a refusal."""
    assert refused(parse_json, "9" * 5000) == "holds a number of more than 20 digits"
    assert refused(parse_json, '{"household_size": 1' + "0" * 30 + "}").startswith("holds a number")


def test_integers_that_fit_64_bits_are_kept():
    assert parse_json(str(2**64 - 1)) == 2**64 - 1
    assert parse_json("-12345678901234567890") == -12345678901234567890


def test_deep_nesting_is_refused_before_the_parser_recurses():
    assert "deeper than 32 levels" in refused(parse_json, "[" * 100_000 + "]" * 100_000)
    assert "deeper than 32 levels" in refused(parse_json, '{"a":' * 5000)
    assert parse_json("[" * 32 + "]" * 32) is not None


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = '{"note": "' + "[{" * 1000 + '\\" [[["}'
    assert parse_json(text) == {"note": "[{" * 1000 + '" [[['}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("NaN", "holds NaN"),
        ("[Infinity]", "holds Infinity"),
        ("1e999", "too large to represent"),
        ('{"a": 1, "a": 2}', "repeats the key 'a'"),
        ('{"a": ', "is not valid JSON (line 1, column 7)"),
        ("0." + "1" * 50, "more than 20 digits"),
    ],
)
def test_json_that_is_not_data_is_refused_saying_why(text, problem):
    assert problem in refused(parse_json, text)


def test_malformed_json_is_told_apart_from_json_past_a_limit():
    with pytest.raises(JSONMalformed):
        parse_json("{nope")
    with pytest.raises(InputRefused) as raised:
        parse_json("9" * 50)
    assert not isinstance(raised.value, JSONMalformed)


def test_a_file_over_the_limit_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 2048)
    assert refused(read_input_text, path, limit=1024) == "is larger than 1,024 bytes"
    assert read_input_text(path, limit=2048) == " " * 2048


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\xff\xfe{}", "is not UTF-8 text (byte 1 is not)"),
        (b'{"a": "\x00"}', "holds a NUL byte"),
    ],
)
def test_bytes_that_are_not_text_are_refused(tmp_path, content, problem):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    assert refused(read_input_text, path).startswith(problem)


def test_missing_files_and_folders_are_refused_by_name(tmp_path):
    assert refused(read_input_text, tmp_path / "absent.json") == "does not exist"
    assert refused(read_input_text, tmp_path) == "is a folder, not a file"


def test_a_refusal_reads_as_one_sentence():
    error = InputRefused("does not exist")
    assert error.sentence("The facts file x.json") == "The facts file x.json does not exist."


# ---------------------------------------------------------------- YAML
def test_yaml_with_a_bom_and_dates_reads_as_the_safe_loader_would():
    assert parse_yaml("\ufeffid: ca-gar\nreviewed: 2026-01-05\nsteps: [1, 2]\n") == {
        "id": "ca-gar",
        "reviewed": __import__("datetime").date(2026, 1, 5),
        "steps": [1, 2],
    }


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: " + "[" * 5000, "deeper than 32 levels"),
        ("".join("  " * depth + "-\n" for depth in range(2000)), "deeper than 32 levels"),
        ("a: &x [1, 2]\nb: *x\n", "uses a YAML alias"),
        ("n: " + "9" * 5000, "more than 20 digits"),
        ("n: 1.0e+999999", "not finite"),
        ("id: !!python/object/apply:os.system [true]\n", "is not valid YAML"),
        ("id: [unclosed\n", "is not valid YAML (line 2, column 1)"),
    ],
)
def test_yaml_past_the_limits_is_refused(text, problem):
    assert problem in refused(parse_yaml, text)


def test_yaml_with_a_control_character_is_refused_not_raised():
    """PyYAML checks characters as its loader is made: that error is a refusal too."""
    assert refused(parse_yaml, "id: x\x1f") == (
        "holds a control character YAML does not allow (character 6)"
    )
