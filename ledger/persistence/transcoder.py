"""The ledger's transcoder: the library's JSON, written and parsed by orjson.

Why: decoding every event was the largest single part of a rebuild (the library parses with the
``json`` module and an object hook called for every object), and encoding a tenth of a command.
Writing produces exactly the library's bytes (compact separators, UTF-8 unescaped, each typed
value as ``{"_type_": name, "_data_": ...}`` made by the same registered transcodings), so any
reader of the library reads them. orjson writes a few types its own way where ``json`` asks the
transcodings (a ``UUID``, an ``Enum``, a subclass of ``str`` or ``int``) or formats them
differently (a float): a record holding one, or anything else not plainly JSON or a registered
type orjson hands back, is written by the library's encoder instead, as is whatever orjson
refuses (an integer beyond 64 bits, a lone surrogate, a key that is not a ``str``). Reading
parses with orjson and then revives the typed values (``{"_type_": name, "_data_": ...}``) bottom
up with the same registered transcodings, which is what the library's hook does. What orjson
refuses and ``json`` accepts (``NaN``, lone surrogates) is read by the library's decoder, and
so is any record with a number orjson makes a float (it reads integers beyond 64 bits as floats,
where ``json`` keeps them exact; the ledger's own records hold no floats), so every stored
record decodes to the same object as before, or fails the same.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Transcoding, UUIDAsHex

_PLAIN: frozenset[type] = frozenset({str, int, bool, type(None)})
"""Types orjson writes exactly as ``json`` does (exact types: a subclass may be written otherwise)."""
_OWN_WAY = (UUID, Enum, str, int, float, dict, list, tuple)
"""orjson writes these (and their subclasses) itself, never through ``default``."""
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
"""Datetimes, dates, times and dataclasses go to ``default``, as ``json`` sends them to the hook."""


_TEXT_READERS: dict[type[Transcoding], Callable[[str], Any]] = {
    DatetimeAsISO: datetime.fromisoformat,
    UUIDAsHex: UUID,
}
"""What the library's ``decode`` of these transcodings calls for string data (after asserting it
is a string): called directly, an instant or an id is read with a call less."""


class _WriteByJsonError(Exception):
    """The record holds a value orjson would write otherwise than ``json``: the library writes it."""


class _ReadByJsonError(Exception):
    """The parsed record holds a float: let the json module read it (see the module's docstring)."""


class LedgerTranscoder(JSONTranscoder):
    """:class:`JSONTranscoder` that writes and reads with orjson; same bytes, same objects."""

    def __init__(self) -> None:
        self._readers: dict[str, Callable[[Any], Any]] = {}
        self._text_readers: dict[str, Callable[[str], Any]] = {}
        """Readers of typed values whose data is a string: the library's own function where its
        transcoding only calls it (an amount, an instant, an id), a call less per value."""
        self._fine: frozenset[type] = _PLAIN
        """The plain types and the registered ones orjson hands to ``default``, as ``json`` does."""
        self._as_text: dict[type, tuple[str, Callable[[Any], str]]] = {}
        """The library's transcodings whose data is a string, by type: (name, the same function)."""
        super().__init__()

    def encode(self, obj: Any) -> bytes:
        try:
            if not self._plain(obj):
                raise _WriteByJsonError
            return orjson.dumps(obj, default=self._typed, option=_OPTIONS)
        except (orjson.JSONEncodeError, _WriteByJsonError):
            return super().encode(obj)  # the library's bytes, or its error

    def _typed(self, value: Any) -> dict[str, Any]:
        """The library's ``{"_type_", "_data_"}`` for a registered type, its data checked as plain."""
        as_text = self._as_text.get(type(value))
        if as_text is not None:  # an amount or an instant: nine in ten typed values of an event
            return {"_type_": as_text[0], "_data_": as_text[1](value)}
        transcoding = self.types[type(value)]  # registered: ``_plain`` let it through
        data = transcoding.encode(value)
        if type(data) is not str and not self._plain(data):
            raise _WriteByJsonError
        return {"_type_": transcoding.name, "_data_": data}

    def _plain(self, obj: Any) -> bool:
        """Whether orjson writes ``obj`` exactly as ``json`` would (registered types via ``default``).
        A loop over a stack, not a recursion: a call per nested record was half of this walk."""
        fine = self._fine
        nested = (dict, list, tuple)
        pending = [obj]
        while pending:
            item = pending.pop()
            kind = type(item)
            if kind is dict:
                if any(type(key) is not str for key in item):
                    return False
                values = item.values()
            elif kind is list or kind is tuple:
                values = item
            elif kind in fine:
                continue
            else:
                return False
            for value in values:
                kind = type(value)
                if kind in nested:
                    pending.append(value)
                elif kind not in fine:
                    return False
        return True

    def decode(self, data: bytes) -> Any:
        try:
            parsed = orjson.loads(data)
            kind = type(parsed)
            if kind is dict:
                return self._revive(parsed)
            if kind is list:
                return self._revive_list(parsed)
            if kind is float:
                raise _ReadByJsonError
        except (orjson.JSONDecodeError, _ReadByJsonError):
            return super().decode(data)  # what only the json module reads right, or its error
        return parsed

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        if not issubclass(transcoding.type, _OWN_WAY):
            self._fine = self._fine | {transcoding.type}
        self._as_text.pop(transcoding.type, None)
        if type(transcoding) is DecimalAsStr:  # its encode is ``str(obj)``
            self._as_text[transcoding.type] = (transcoding.name, str)
        elif type(transcoding) is DatetimeAsISO:  # its encode is ``obj.isoformat()``
            self._as_text[transcoding.type] = (transcoding.name, transcoding.type.isoformat)
        # DecimalAsStr.decode is ``Decimal(data)``: called directly, it saves a call per amount.
        reader = Decimal if type(transcoding) is DecimalAsStr else transcoding.decode
        self._readers[transcoding.name] = reader
        self._text_readers[transcoding.name] = _TEXT_READERS.get(type(transcoding), reader)

    def _revive(self, obj: dict[str, Any]) -> Any:
        """``obj`` with its typed values decoded, inner ones first, as the library's hook does."""
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            name = obj["_type_"]
            reader = self._readers.get(name) if type(name) is str else None
            if reader is not None:
                data = obj["_data_"]
                kind = type(data)
                if kind is dict:
                    data = self._revive(data)
                elif kind is list:
                    data = self._revive_list(data)
                elif kind is float:
                    raise _ReadByJsonError
                return reader(data)
        text_readers = self._text_readers
        for key, value in obj.items():
            kind = type(value)
            if kind is dict:
                if len(value) == 2 and type(data := value.get("_data_")) is str:
                    name = value.get("_type_")  # a typed amount, instant or id: decoded here
                    text_reader = text_readers.get(name) if type(name) is str else None
                    if text_reader is not None:
                        obj[key] = text_reader(data)
                        continue
                obj[key] = self._revive(value)
            elif kind is list:
                obj[key] = self._revive_list(value)
            elif kind is float:
                raise _ReadByJsonError
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            return self._decode_obj(obj)  # a name nobody registered: the library's error
        return obj

    def _revive_list(self, items: list[Any]) -> list[Any]:
        for index, value in enumerate(items):
            kind = type(value)
            if kind is dict:
                items[index] = self._revive(value)
            elif kind is list:
                items[index] = self._revive_list(value)
            elif kind is float:
                raise _ReadByJsonError
        return items
