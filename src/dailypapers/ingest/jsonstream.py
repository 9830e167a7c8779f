"""Read one large JSON document a value at a time, in bounded memory.

``json.loads`` needs the whole document in memory, and then the whole parsed
value: a 50 MB list of small numbers becomes gigabytes of objects. This reader
keeps only the value being read (at most ``limit`` characters of text), decoding
each element of a list, or each member of an object, with the standard library's
own scanner, so values come out exactly as ``json.loads`` would make them.

A value longer than ``limit`` raises ``TooLong``; ``skip_value`` then passes over
it (string-aware, without keeping it), so the values after it are still read.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from typing import IO

# Characters read at a time; the buffer grows by doubling while one value is read.
CHUNK = 1 << 20
# A decoding error this close to the end of the text read so far may only mean the
# value goes on past it.
_NEAR_END = 64
_WHITESPACE = " \t\n\r"
# What matters while passing over a value: outside strings, and inside them.
_STRUCTURE = re.compile(r'["\[\]{},]')
_STRING_BODY = re.compile(r'[^"\\]*+(?:\\.[^"\\]*+)*+', re.DOTALL)


class Malformed(ValueError):
    """The text is not JSON; the message says what and where."""


class TooLong(Exception):
    """A single value is longer than the limit."""


class Reader:
    def __init__(
        self, handle: IO[bytes], limit: int, on_read: Callable[[], None] | None = None
    ) -> None:
        self.handle = handle
        self.limit = limit
        self.on_read = on_read
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.scan = json.JSONDecoder().raw_decode
        self.text = ""
        self.pos = 0
        self.before = 0  # characters dropped from the front of ``text``
        self.eof = False

    # -- the buffer ---------------------------------------------------------------------

    def _more(self, size: int = CHUNK) -> bool:
        """Append up to ``size`` more bytes of text; False at the end of the input."""
        if self.eof:
            return False
        data = self.handle.read(size)
        if self.on_read:
            self.on_read()
        self.eof = not data
        try:
            decoded = self.decoder.decode(data, final=self.eof)
        except UnicodeDecodeError as exc:
            raise Malformed(f"not UTF-8 text ({exc.reason}) near {self.where()}") from None
        if self.pos:
            self.before += self.pos
            self.text = self.text[self.pos :]
            self.pos = 0
        self.text += decoded
        return bool(data) or bool(decoded)

    def where(self, pos: int | None = None) -> str:
        return f"character {self.before + (self.pos if pos is None else pos)}"

    def peek(self) -> str:
        """The next character that is not whitespace; "" at the end of the input."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._more():
                return ""

    def take(self, expected: str, what: str) -> None:
        found = self.peek()
        if found != expected:
            shown = repr(found) if found else "the end of the input"
            raise Malformed(f"expected {expected!r} {what}, found {shown} at {self.where()}")
        self.pos += 1

    # -- values -------------------------------------------------------------------------

    def value(self) -> object:
        """The next JSON value; Malformed when there is none, TooLong when it is too long."""
        self.peek()
        while True:
            try:
                found, end = self.scan(self.text, self.pos)
            except json.JSONDecodeError as exc:
                incomplete = exc.pos >= len(self.text) - _NEAR_END or exc.msg.startswith(
                    "Unterminated string"
                )
                if self.eof or not incomplete:
                    raise Malformed(f"{exc.msg} at {self.where(exc.pos)}") from None
                self._grow()
                continue
            except RecursionError:
                raise Malformed(f"nested too deeply at {self.where()}") from None
            except ValueError as exc:  # a number too long for int()
                raise Malformed(f"{exc} at {self.where()}") from None
            if end == len(self.text) and not self.eof:
                # A number (or a literal) at the very end may go on in the next chunk.
                self._grow()
                continue
            if end - self.pos > self.limit:
                raise TooLong
            self.pos = end
            return found

    def _grow(self) -> None:
        held = len(self.text) - self.pos
        if held > self.limit:
            raise TooLong
        # Doubling keeps the work per value linear; the last step stops at the limit.
        self._more(max(CHUNK, min(held, self.limit + 1 - held)))

    def skip_value(self) -> None:
        """Pass over the value at the current position without keeping it.

        Stops before the ``,``, ``]`` or ``}`` that ends it; raises Malformed when
        the input ends first.
        """
        depth = 0
        while True:
            found = _STRUCTURE.search(self.text, self.pos)
            if found is None:
                # Nothing that matters in what is held: drop it and read on.
                self.pos = len(self.text)
                if not self._more():
                    raise Malformed("the input ends inside a value")
                continue
            mark = found.group()
            self.pos = found.end()
            if mark == '"':
                self._skip_string()
            elif mark in "[{":
                depth += 1
            elif depth == 0:  # "," "]" "}" ending the skipped value: leave it
                self.pos -= 1
                return
            elif mark in "]}":
                depth -= 1

    def _skip_string(self) -> None:
        """Pass over the rest of a string whose opening quote was taken."""
        while True:
            self.pos = _STRING_BODY.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text) and self.text[self.pos] == '"':
                self.pos += 1
                return
            # The text held ends inside the string, perhaps right after a backslash,
            # which stays to be read with the character it escapes.
            if not self._more():
                raise Malformed("the input ends inside a string")
