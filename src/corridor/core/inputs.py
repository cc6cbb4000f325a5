"""Reading what an operator hands a command (a file or stdin) within limits, as text, JSON or YAML.

Defends the commands against input that crashes Python's own parsers instead of
failing validation: an integer of thousands of digits (`int()` raises ValueError
past 4,300 digits, and smaller giants still reach arithmetic), nesting deep enough to
exhaust the recursion limit, a file of gigabytes read whole into memory, YAML anchors
that expand into billions of nodes. Every refusal is one InputRefused whose
`problem` completes a sentence about the input, so the command prints one line and
exits 2. A UTF-8 byte-order mark (what Windows editors write) is accepted.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Protocol, TypeAlias

import yaml

from corridor.core.exceptions import InvalidInput

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
# Twenty digits hold every unsigned 64-bit integer (tree sizes, sequence numbers).
MAX_DIGITS = 20
STDIN = "-"

JSONValue: TypeAlias = dict[str, "JSONValue"] | list["JSONValue"] | str | int | float | bool | None

# Brackets outside strings; strings are removed first so "[[[" inside a text counts nothing.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


class InputRefused(InvalidInput):
    """The input is too large, too deep, not UTF-8 or not well formed; `problem` says how."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)

    def sentence(self, subject: str) -> str:
        """One sentence for the operator: `subject` (e.g. "The key file k") and the problem."""
        return f"{subject} {self.problem}."


class JSONMalformed(InputRefused):
    """The text is not JSON at all (as opposed to JSON past a limit)."""


def read_input_bytes(source: str | Path, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the file `source`, or of stdin for "-"; refused past `limit` bytes."""
    if str(source) == STDIN:
        return _read_limited(_stdin(), limit)
    try:
        with Path(source).open("rb") as handle:
            return _read_limited(handle, limit)
    except IsADirectoryError:
        raise InputRefused("is a folder, not a file") from None
    except FileNotFoundError:
        raise InputRefused("does not exist") from None
    except PermissionError:
        raise InputRefused("cannot be read by this user (permission denied)") from None
    except OSError as error:
        raise InputRefused(f"cannot be read ({error.strerror or type(error).__name__})") from None


def read_input_text(source: str | Path, *, limit: int = MAX_BYTES) -> str:
    """The UTF-8 text of `source` (a file, or stdin for "-"), without a byte-order mark."""
    return decode_text(read_input_bytes(source, limit=limit))


def read_input_json(source: str | Path, *, limit: int = MAX_BYTES) -> JSONValue:
    """One JSON document from `source`, within the size, depth and number limits."""
    return parse_json(read_input_text(source, limit=limit))


def decode_text(raw: bytes) -> str:
    """UTF-8 text, a leading byte-order mark dropped; NUL bytes refused (no text file holds one)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputRefused(f"is not UTF-8 text (byte {error.start + 1} is not)") from None
    if "\x00" in text:
        raise InputRefused("holds a NUL byte, so it is not a text file")
    return text


def parse_json(text: str, *, max_depth: int = MAX_DEPTH, max_digits: int = MAX_DIGITS) -> JSONValue:
    """One JSON document; refuses deep nesting, long numbers, NaN/Infinity and repeated keys."""
    text = text.removeprefix("\ufeff")
    _check_json_depth(text, max_depth)
    try:
        value: JSONValue = json.loads(
            text,
            parse_int=_int_parser(max_digits),
            parse_float=_float_parser(max_digits),
            parse_constant=_refuse_constant,
            object_pairs_hook=_object_without_repeats,
        )
    except json.JSONDecodeError as error:
        raise JSONMalformed(
            f"is not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None
    return value


def parse_yaml(text: str, *, max_depth: int = MAX_DEPTH, max_digits: int = MAX_DIGITS) -> object:
    """One YAML document with the safe loader, no anchors or aliases, and the JSON limits."""
    try:
        # The reader checks every character as the loader is made: that raises too.
        loader = _LimitedYamlLoader(text.removeprefix("\ufeff"), max_depth, max_digits)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as error:
        raise InputRefused(
            f"holds a control character YAML does not allow (character {error.position + 1})"
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise InputRefused(f"is not valid YAML{where}") from None


# ---------------------------------------------------------------- internals
def _stdin() -> _Readable:
    buffer: IO[bytes] | None = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return buffer
    # A text stream without a buffer (a test's StringIO): its text as UTF-8 bytes.
    return _EncodedText(sys.stdin)


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _EncodedText:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def read(self, size: int = -1, /) -> bytes:
        return self.stream.read(size).encode("utf-8", "surrogateescape")


def _read_limited(handle: _Readable, limit: int) -> bytes:
    raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise InputRefused(f"is larger than {limit:,} bytes")
    return raw


def _check_json_depth(text: str, max_depth: int) -> None:
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > max_depth:
                raise InputRefused(f"nests lists or objects deeper than {max_depth} levels")
        else:
            depth -= 1


def _too_many_digits(max_digits: int) -> InputRefused:
    return InputRefused(f"holds a number of more than {max_digits} digits")


def _int_parser(max_digits: int) -> Callable[[str], int]:
    def parse(literal: str) -> int:
        if len(literal.lstrip("-")) > max_digits:
            raise _too_many_digits(max_digits)
        return int(literal)

    return parse


def _float_parser(max_digits: int) -> Callable[[str], float]:
    def parse(literal: str) -> float:
        mantissa = re.split("[eE]", literal.lstrip("-"), maxsplit=1)[0].replace(".", "")
        if len(mantissa) > max_digits:
            raise _too_many_digits(max_digits)
        value = float(literal)
        if not math.isfinite(value):
            raise InputRefused("holds a number too large to represent")
        return value

    return parse


def _refuse_constant(name: str) -> float:
    raise InputRefused(f"holds {name}, which is not a JSON number")


def _object_without_repeats(pairs: list[tuple[str, JSONValue]]) -> dict[str, JSONValue]:
    result: dict[str, JSONValue] = {}
    for key, value in pairs:
        if key in result:
            raise InputRefused(f"repeats the key {key[:40]!r} in one object")
        result[key] = value
    return result


class _LimitedYamlLoader(yaml.SafeLoader):
    """The safe loader, counting depth as it composes and refusing aliases and long integers."""

    def __init__(self, text: str, max_depth: int, max_digits: int) -> None:
        super().__init__(text)
        self._depth = 0
        self._max_depth = max_depth
        self._max_digits = max_digits

    def compose_node(self, parent: Any, index: Any) -> Any:  # Any: PyYAML's untyped node API
        if self.check_event(yaml.AliasEvent):
            # An alias can repeat a large node many times over (the "billion laughs").
            raise InputRefused("uses a YAML alias (*name), which is not allowed here")
        self._depth += 1
        if self._depth > self._max_depth:
            raise InputRefused(f"nests lists or mappings deeper than {self._max_depth} levels")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_int(self, node: Any) -> int:
        digits = str(node.value).replace("_", "").lstrip("+-")
        if len(digits) > self._max_digits:
            raise _too_many_digits(self._max_digits)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: Any) -> float:
        value: float = super().construct_yaml_float(node)
        if not math.isfinite(value):
            raise InputRefused("holds a number that is not finite")
        return value


_LimitedYamlLoader.add_constructor("tag:yaml.org,2002:int", _LimitedYamlLoader.construct_yaml_int)
_LimitedYamlLoader.add_constructor(
    "tag:yaml.org,2002:float", _LimitedYamlLoader.construct_yaml_float
)
