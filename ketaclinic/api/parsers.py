"""The API's JSON parser: DRF's, with a body nested too deep answered 400 instead of a crash."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import exceptions
from rest_framework.parsers import JSONParser

TOO_DEEP = "JSON parse error - the body is nested too deeply."


class ApiJSONParser(JSONParser):
    """Python's json module gives up on very deep nesting with a RecursionError, which DRF does
    not catch (it would be a 500); no endpoint takes more than a few levels."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(TOO_DEEP) from error
