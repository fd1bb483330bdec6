"""ledger: an event-sourced billing and entitlement ledger for an IT managed-service provider.

Open one with :meth:`Ledger.open` and record purchases, work and reversals; every error a caller can
cause is a :class:`LedgerError`.
"""

from ledger.api import Ledger
from ledger.errors import (
    ConcurrencyError,
    CurrencyMismatchError,
    CustomerExistsError,
    InvalidInputError,
    LedgerError,
    MonthlyPlanConflictError,
    NoCardError,
    NoMonthlyPlanError,
    ReferenceConflictError,
    StoreError,
    UnknownCustomerError,
    UnknownWorkEntryError,
)

__all__ = [
    "ConcurrencyError",
    "CurrencyMismatchError",
    "CustomerExistsError",
    "InvalidInputError",
    "Ledger",
    "LedgerError",
    "MonthlyPlanConflictError",
    "NoCardError",
    "NoMonthlyPlanError",
    "ReferenceConflictError",
    "StoreError",
    "UnknownCustomerError",
    "UnknownWorkEntryError",
]
