"""ledger: an event-sourced billing and entitlement ledger for an IT managed-service provider.

Open one with :meth:`Ledger.open` and record purchases, work and reversals; every error a caller can
cause is a :class:`LedgerError`.
"""

from ledger.api import Ledger
from ledger.errors import (
    ComponentCoveredError,
    ConcurrencyError,
    ConsultantNotAssignedError,
    ContractInForceError,
    CurrencyMismatchError,
    CustomerExistsError,
    EngagementInForceError,
    HistoryConflictError,
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
    UnknownCustomerError,
    UnknownWorkEntryError,
)

__all__ = [
    "ComponentCoveredError",
    "ConcurrencyError",
    "ConsultantNotAssignedError",
    "ContractInForceError",
    "CurrencyMismatchError",
    "CustomerExistsError",
    "EngagementInForceError",
    "HistoryConflictError",
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
    "UnknownCustomerError",
    "UnknownWorkEntryError",
]
