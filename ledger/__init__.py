"""ledger: an event-sourced billing and entitlement ledger for an IT managed-service provider.

Open one with :meth:`Ledger.open` and record purchases, work and reversals; every error a caller can
cause is a :class:`LedgerError`.
"""

from ledger.api import Ledger
from ledger.errors import (
    AdminGrantError,
    ComponentCoveredError,
    ConcurrencyError,
    ContractInForceError,
    CurrencyMismatchError,
    CustomerExistsError,
    FourEyesError,
    HistoryConflictError,
    InvalidInputError,
    LedgerError,
    NoCardError,
    NoContractInForceError,
    PackActiveError,
    PackNotActiveError,
    ReferenceConflictError,
    StoreError,
    TimelineError,
    UnknownAdminAccountError,
    UnknownAdminTaskError,
    UnknownCustomerError,
    UnknownWorkEntryError,
)

__all__ = [
    "AdminGrantError",
    "ComponentCoveredError",
    "ConcurrencyError",
    "ContractInForceError",
    "CurrencyMismatchError",
    "CustomerExistsError",
    "FourEyesError",
    "HistoryConflictError",
    "InvalidInputError",
    "Ledger",
    "LedgerError",
    "NoCardError",
    "NoContractInForceError",
    "PackActiveError",
    "PackNotActiveError",
    "ReferenceConflictError",
    "StoreError",
    "TimelineError",
    "UnknownAdminAccountError",
    "UnknownAdminTaskError",
    "UnknownCustomerError",
    "UnknownWorkEntryError",
]
