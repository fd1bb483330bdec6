"""Names bound now and imported on first use (``ledger.lazy``) behave as the real object, and a
stand-in imports its module once, however often it is called."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from ledger import lazy


@pytest.fixture
def imports(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modules ``ledger.lazy`` asks importlib for, in order."""
    asked: list[str] = []
    real = importlib.import_module

    def counting(name: str, package: str | None = None) -> Any:
        asked.append(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", counting)
    return asked


def test_a_table_entry_imports_its_module_on_the_first_call_only(imports: list[str]) -> None:
    dumps: Any = lazy.function("json", "dumps")
    assert imports == []
    assert [dumps({"a": n}) for n in range(3)] == ['{"a": 0}', '{"a": 1}', '{"a": 2}']
    assert imports == ["json"]


def test_a_bound_name_is_replaced_by_the_real_object(imports: list[str]) -> None:
    namespace: dict[str, Any] = {}
    lazy.names(namespace, "json", "loads")
    lazy.modules(namespace, decimal="decimal")
    assert namespace["loads"]("[1]") == [1]
    assert namespace["decimal"].Decimal("1.5") * 2 == namespace["decimal"].Decimal("3.0")
    import decimal
    import json

    assert (namespace["loads"], namespace["decimal"]) == (json.loads, decimal)
    assert imports == ["json", "decimal"]
