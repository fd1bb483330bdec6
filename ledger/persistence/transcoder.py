"""The ledger's transcoder: the library's JSON, parsed by orjson when read.

Why: decoding every event was the largest single part of a rebuild (the library parses with the
``json`` module and an object hook called for every object). Writing is the library's own, so
the stored bytes are exactly what they were and any reader of the library can read them. Reading
parses with orjson and then revives the typed values (``{"_type_": name, "_data_": ...}``) bottom
up with the same registered transcodings, which is what the library's hook does. What orjson
refuses and ``json`` accepts (``NaN``, lone surrogates) is read by the library's decoder, and
so is any record with a number orjson makes a float (it reads integers beyond 64 bits as floats,
where ``json`` keeps them exact; the ledger's own records hold no floats), so every stored
record decodes to the same object as before, or fails the same.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
from eventsourcing.persistence import DecimalAsStr, JSONTranscoder, Transcoding


class _ReadByJsonError(Exception):
    """The parsed record holds a float: let the json module read it (see the module's docstring)."""


class LedgerTranscoder(JSONTranscoder):
    """:class:`JSONTranscoder` that reads with orjson; same bytes written, same objects read."""

    def __init__(self) -> None:
        self._readers: dict[str, Callable[[Any], Any]] = {}
        super().__init__()

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
        # DecimalAsStr.decode is ``Decimal(data)``: called directly, it saves a call per amount.
        reader = Decimal if type(transcoding) is DecimalAsStr else transcoding.decode
        self._readers[transcoding.name] = reader

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
        readers = self._readers
        for key, value in obj.items():
            kind = type(value)
            if kind is dict:
                if len(value) == 2 and type(data := value.get("_data_")) is str:
                    name = value.get("_type_")  # a typed amount, instant or id: decoded here
                    reader = readers.get(name) if type(name) is str else None
                    if reader is not None:
                        obj[key] = reader(data)
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
