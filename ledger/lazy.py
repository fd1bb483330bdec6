"""Names bound now, imported on first use.

Why: :mod:`ledger.api` is the door to every command, view, audit and document; importing all of it
to answer one question (``ledger balance``) cost several times the interpreter's own start-up. A
stand-in made here is replaced, on its first use, by the real object in the namespace that holds
it, so from then on that module runs exactly as with an ordinary import.

Only for names that are called, or whose attributes are read (a module, a class, a function):
a constant (a string, a set) must be imported as usual. Type checkers see the real imports under
``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
from typing import Any


class _Stand:
    """A name of ``module`` (or the module itself, ``attribute`` None) not yet imported."""

    __slots__ = ("_attribute", "_binding", "_found", "_module", "_namespace")

    def __init__(self, namespace: dict[str, Any], binding: str, module: str, attribute: str | None) -> None:
        self._namespace = namespace
        self._binding = binding
        self._module = module
        self._attribute = attribute
        self._found: Any = None
        """The object once imported: a stand-in kept by a table (``function``) is called on every
        message, and importing again each time cost a command a few microseconds."""

    def _resolve(self) -> Any:
        found: Any = self._found
        if found is not None:
            return found
        found = importlib.import_module(self._module)  # thread-safe: the import lock
        if self._attribute is not None:
            found = getattr(found, self._attribute)
        self._found = found
        if self._namespace.get(self._binding) is self:
            self._namespace[self._binding] = found
        return found

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._resolve(), attribute)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        found = self._found
        return (self._resolve() if found is None else found)(*args, **kwargs)

    def __instancecheck__(self, instance: object) -> bool:
        return isinstance(instance, self._resolve())

    def __repr__(self) -> str:
        return f"<lazy {self._module}{'' if self._attribute is None else ':' + self._attribute}>"


def modules(namespace: dict[str, Any], **bindings: str) -> None:
    """``binding=module``: ``import module as binding`` in ``namespace``, done on first use."""
    for binding, module in bindings.items():
        namespace[binding] = _Stand(namespace, binding, module, None)


def names(namespace: dict[str, Any], module: str, *attributes: str) -> None:
    """``from module import attribute, ...`` in ``namespace``, done on first use."""
    for attribute in attributes:
        namespace[attribute] = _Stand(namespace, attribute, module, attribute)


def function(module: str, attribute: str) -> Any:
    """``module.attribute``, imported when first called: for a table of handlers whose modules
    should load only when a message of theirs is handled."""
    return _Stand({}, attribute, module, attribute)
