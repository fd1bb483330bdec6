"""The event catalogue: every event type of every aggregate, its fields and what it means.

Generated from the code (the aggregates' nested event classes, their annotations and docstrings),
so it cannot drift from what is stored: a new aggregate in ``ledger/aggregates/`` appears without
being listed anywhere. ``docs/events.md`` is this module's markdown, checked by a test.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate, CanMutateAggregate
from eventsourcing.utils import get_topic

import ledger.aggregates
from ledger.audit.log import BASE_FIELDS

REGENERATE = "ledger audit catalogue > docs/events.md"
LIBRARY_BASES = ("Event", "Created")


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str


@dataclass(frozen=True)
class EventInfo:
    """One event type as stored: its name, topic, version, meaning and fields."""

    aggregate: str
    name: str
    topic: str
    class_version: int
    doc: str
    fields: tuple[FieldInfo, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "aggregate": self.aggregate,
            "type": self.name,
            "topic": self.topic,
            "class_version": self.class_version,
            "doc": self.doc,
            "fields": [{"name": f.name, "type": f.type} for f in self.fields],
        }


def aggregate_classes() -> list[type[Aggregate]]:
    """Every aggregate defined in a module of ``ledger.aggregates``, by module then name."""
    found: list[type[Aggregate]] = []
    for module_info in sorted(pkgutil.iter_modules(ledger.aggregates.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{ledger.aggregates.__name__}.{module_info.name}")
        for _, candidate in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(candidate, Aggregate)
                and candidate.__module__ == module.__name__
                and candidate.__subclasses__() == []
            ):
                found.append(candidate)
    return found


def _user_doc(event_class: type) -> str:
    """The docstring written on the event class (the library re-creates it with a generated one)."""
    for klass in event_class.__mro__:
        same_class = (klass.__module__, klass.__qualname__) == (
            event_class.__module__,
            event_class.__qualname__,
        )
        if not same_class:
            continue
        doc = klass.__dict__.get("__doc__")
        if doc and not doc.startswith(f"{klass.__name__}("):
            return inspect.cleandoc(doc)
    return ""


def _own_fields(event_class: type) -> tuple[FieldInfo, ...]:
    """Fields beyond the library's bookkeeping with their written types: the event's own first, in
    declaration order, then those it inherits (``actor`` and ``effective_at`` last)."""
    annotations: dict[str, str] = {}
    for klass in event_class.__mro__:
        for name, annotation in inspect.get_annotations(klass).items():
            if name not in BASE_FIELDS and not str(annotation).startswith("ClassVar"):
                written = annotation if isinstance(annotation, str) else _type_name(annotation)
                annotations.setdefault(name, written)
    return tuple(FieldInfo(name, annotation) for name, annotation in annotations.items())


def _type_name(annotation: object) -> str:
    return getattr(annotation, "__name__", str(annotation))


def event_classes(aggregate: type[Aggregate]) -> list[type[CanMutateAggregate[Any]]]:
    """The aggregate's own event types: nested event classes that carry data or a docstring (not the
    ``Event`` and ``Created`` bases the library derives for every aggregate)."""
    events: list[type[CanMutateAggregate[Any]]] = []
    for name, value in vars(aggregate).items():
        if not (isinstance(value, type) and issubclass(value, CanMutateAggregate)) or name in LIBRARY_BASES:
            continue
        if value.__qualname__.startswith(f"{aggregate.__qualname__}.") and (
            _own_fields(value) or _user_doc(value)
        ):
            events.append(value)
    return events


def catalogue() -> list[EventInfo]:
    """Every event type, aggregate by aggregate, in the order the code declares them."""
    return [
        EventInfo(
            aggregate=aggregate.__qualname__,
            name=event_class.__qualname__,
            topic=get_topic(event_class),
            class_version=int(getattr(event_class, "class_version", 1)),
            doc=_user_doc(event_class),
            fields=_own_fields(event_class),
        )
        for aggregate in aggregate_classes()
        for event_class in event_classes(aggregate)
    ]


HEADER = f"""# Event catalogue

Generated from the code by `ledger audit catalogue`; do not edit by hand
(run `{REGENERATE}`). Every event also carries the library's bookkeeping:
`originator_id` (the aggregate), `originator_version` (its version), `timestamp` (when it was
**recorded**) and, on an aggregate's first event, `originator_topic`. Every ledger event carries
`actor` (who) and `effective_at` (when it takes effect in the business). `ledger audit export`
shows the fields below as `data`, Decimals as exact strings.
"""


def render_markdown(entries: list[EventInfo]) -> str:
    lines = [HEADER]
    aggregate = None
    for entry in entries:
        if entry.aggregate != aggregate:
            aggregate = entry.aggregate
            lines.append(f"## {aggregate}\n")
        lines.append(f"### {entry.name}\n")
        if entry.doc:
            lines.append(f"{entry.doc}\n")
        lines.append(f"Topic `{entry.topic}`, version {entry.class_version}.\n")
        lines.append("| field | type |")
        lines.append("|---|---|")
        lines.extend(f"| `{field.name}` | `{_cell(field.type)}` |" for field in entry.fields)
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    """A table cell: a ``|`` inside a type (``datetime | None``) would end the cell."""
    return text.replace("|", "\\|")
