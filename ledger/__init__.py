"""ledger: an event-sourced billing and entitlement ledger for an IT managed-service provider.

Open one with :meth:`Ledger.open` and record purchases, work and reversals; every error a caller can
cause is a :class:`LedgerError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.errors import (
    AdminGrantError,
    ComponentCoveredError,
    ConcurrencyError,
    ConsultantNotAssignedError,
    ContractInForceError,
    CurrencyMismatchError,
    CustomerExistsError,
    EngagementInForceError,
    FourEyesError,
    HistoryConflictError,
    IdentityError,
    InvalidInputError,
    LedgerError,
    MonthlyPlanConflictError,
    NoCardError,
    NoContractInForceError,
    NoEngagementError,
    NoMonthlyPlanError,
    PackActiveError,
    PackNotActiveError,
    ReferenceConflictError,
    StoreError,
    TimelineError,
    UnknownAdminAccountError,
    UnknownAdminTaskError,
    UnknownCustomerError,
    UnknownPersonError,
    UnknownWorkEntryError,
)

if TYPE_CHECKING:
    from ledger.api import Ledger

__all__ = [
    "AdminGrantError",
    "ComponentCoveredError",
    "ConcurrencyError",
    "ConsultantNotAssignedError",
    "ContractInForceError",
    "CurrencyMismatchError",
    "CustomerExistsError",
    "EngagementInForceError",
    "FourEyesError",
    "HistoryConflictError",
    "IdentityError",
    "InvalidInputError",
    "Ledger",
    "LedgerError",
    "MonthlyPlanConflictError",
    "NoCardError",
    "NoContractInForceError",
    "NoEngagementError",
    "NoMonthlyPlanError",
    "PackActiveError",
    "PackNotActiveError",
    "ReferenceConflictError",
    "StoreError",
    "TimelineError",
    "UnknownAdminAccountError",
    "UnknownAdminTaskError",
    "UnknownCustomerError",
    "UnknownPersonError",
    "UnknownWorkEntryError",
]


def __getattr__(name: str) -> Any:
    """``ledger.Ledger`` on first use (PEP 562).

    Why: importing any ``ledger.*`` module runs this file first; importing the facade here would make
    every submodule (and the command line) pay for every command module, view and document renderer.
    """
    if name == "Ledger":
        from ledger.api import Ledger

        globals()["Ledger"] = Ledger
        return Ledger
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
