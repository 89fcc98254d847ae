"""iCalendar (RFC 5545) text, written by hand: the few properties an appointment needs.

- Lines end in CRLF (§3.1) and are folded at 75 octets, never inside a UTF-8 character, with
  the continuation starting with one space.
- TEXT values escape backslash, semicolon, comma and newline (§3.3.11).
- Times are UTC ("…Z", §3.3.5 form 2), so no VTIMEZONE is needed and every client shows the
  visit at its own local time correctly.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

PRODUCT_ID = "-//ketaclinic//appointments//EN"
LINE_OCTETS = 75


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    sequence: int = 0
    is_cancelled: bool = False


def escape_text(value: str) -> str:
    """A TEXT value (§3.3.11): backslash first, then ; and , and newlines as \\n."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def utc_stamp(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("iCalendar times must be aware datetimes.")
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """One content line folded at 75 octets (§3.1), continuation lines starting with a space."""
    parts: list[str] = []
    current = ""
    size = 0
    limit = LINE_OCTETS
    for character in line:
        width = len(character.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = character, width, LINE_OCTETS - 1
        else:
            current += character
            size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _event_lines(event: CalendarEvent, *, stamp: datetime.datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.ends_at)}",
        f"SEQUENCE:{event.sequence}",
        f"STATUS:{'CANCELLED' if event.is_cancelled else 'CONFIRMED'}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.url:
        lines.append(f"URL:{event.url}")  # a URI value is not TEXT-escaped (§3.3.13)
    lines.append("END:VEVENT")
    return lines


def calendar_text(
    events: Iterable[CalendarEvent], *, stamp: datetime.datetime, name: str = ""
) -> str:
    """A whole VCALENDAR (METHOD:PUBLISH) with the events, CRLF line ends included."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT_ID}", "CALSCALE:GREGORIAN"]
    lines.append("METHOD:PUBLISH")
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for event in events:
        lines.extend(_event_lines(event, stamp=stamp))
    lines.append("END:VCALENDAR")
    return "".join(f"{fold(line)}\r\n" for line in lines)
