"""Reading ids and JSON from requests, for every app alike.

Ids: only ASCII digits, and only values a database id column can hold.
``str.isdigit()`` accepts superscripts and other Unicode digits that
``int()`` refuses, and ids of 2**63 or more overflow SQLite's and
PostgreSQL's 64-bit integers; either used to end in a 500.

JSON: a small body of nested brackets exhausts Python's recursion limit in
``json.loads``; request bodies here are shallow, so depth is bounded too."""

import json
import re

from django.urls import register_converter

MAX_ID = 2**63 - 1  # the largest value of a signed 64-bit id column
_ID = re.compile(r"[0-9]{1,19}")  # [0-9], not \d: \d matches any Unicode digit


def parse_id(value):
    """An id from a request (int or text), or None if it cannot be one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not _ID.fullmatch(value):
            return None
        value = int(value)
    if isinstance(value, int) and 0 <= value <= MAX_ID:
        return value
    return None


class IdConverter:
    """``<id:name>`` in URLs: like ``<int:name>``, but an id too large for
    the database is no match (404) instead of an overflow (500)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value):
        number = int(value)
        if number > MAX_ID:
            raise ValueError("id out of range")  # Django treats it as no match
        return number

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")


class BadJSON(ValueError):
    pass


def json_loads_limited(body, *, max_depth):
    """``json.loads`` that refuses (BadJSON) invalid text and nesting deeper
    than ``max_depth`` instead of raising RecursionError."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadJSON("The request body is not valid JSON.") from exc
    except RecursionError as exc:
        raise BadJSON("The request body is nested too deeply.") from exc
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > max_depth:
                raise BadJSON("The request body is nested too deeply.")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return value
