"""Which role may run which command: the one table, also printed in docs/identity.md.

Why one table: a security officer reviews who may do what in one place, and a test checks that the
documentation shows exactly this table. Only commands that write are listed; reading (balances,
reports, ``admin check``, ``audit export``) is not gated by role. The table applies when the
``identity`` setting is ``registered`` or ``authenticated``; four-eyes (see
:mod:`ledger.aggregates.admin_account`) applies in every mode.
"""

from __future__ import annotations

from ledger.errors import InvalidInputError

SERVICEDESK = "servicedesk"
SECURITY_OFFICER = "security-officer"
ACCOUNT_MANAGER = "account-manager"
BILLING = "billing"
"""The billing system's service account: money and work, never admin access or identity."""
AUDITOR = "auditor"
"""Read-only: no command that writes."""
CUSTOMER_CONTACT = "customer-contact"
"""A contact at one customer (the person's ``customer``): may ask for admin access for it, only."""

ROLES = (SERVICEDESK, SECURITY_OFFICER, ACCOUNT_MANAGER, BILLING, AUDITOR, CUSTOMER_CONTACT)

APPROVERS = frozenset({SERVICEDESK, SECURITY_OFFICER})
"""Who may approve admin access that widens (a grant, a wider scope)."""
RESUMERS = frozenset({SECURITY_OFFICER})
"""Who may lift a suspension."""

_MONEY = frozenset({BILLING, ACCOUNT_MANAGER})
_WORK = frozenset({SERVICEDESK, BILLING})
_ENTITLEMENTS = frozenset({ACCOUNT_MANAGER, BILLING})

COMMAND_ROLES: dict[str, frozenset[str]] = {
    "customer add": _ENTITLEMENTS,
    "customer change": _ENTITLEMENTS,
    "customer threshold": frozenset({ACCOUNT_MANAGER}),
    "card buy": _MONEY,
    "card top-up": _MONEY,
    "card change": _MONEY,
    "card stop": _MONEY,
    "work log": _WORK,
    "work reverse": _WORK,
    "contract start": _ENTITLEMENTS,
    "contract change": _ENTITLEMENTS,
    "contract end": _ENTITLEMENTS,
    "pack add": _ENTITLEMENTS,
    "pack remove": _ENTITLEMENTS,
    "rate set": _ENTITLEMENTS,
    "rate rounding": _ENTITLEMENTS,
    "onsite kickoff": frozenset({ACCOUNT_MANAGER}),
    "onsite assign": frozenset({ACCOUNT_MANAGER}),
    "onsite release": frozenset({ACCOUNT_MANAGER}),
    "onsite visit": frozenset({SERVICEDESK, ACCOUNT_MANAGER, BILLING}),
    "onsite evaluate": frozenset({ACCOUNT_MANAGER}),
    "onsite end": frozenset({ACCOUNT_MANAGER}),
    "admin request": frozenset({CUSTOMER_CONTACT, SERVICEDESK, ACCOUNT_MANAGER}),
    "admin grant": APPROVERS,
    "admin scope": APPROVERS,
    "admin suspend": frozenset({SERVICEDESK, SECURITY_OFFICER, ACCOUNT_MANAGER}),
    "admin resume": RESUMERS,
    "admin revoke": frozenset({SERVICEDESK, SECURITY_OFFICER, ACCOUNT_MANAGER}),
    "admin withdraw": frozenset({CUSTOMER_CONTACT, SERVICEDESK, SECURITY_OFFICER, ACCOUNT_MANAGER}),
    "alerts acknowledge": frozenset({ACCOUNT_MANAGER, SERVICEDESK}),
    "statement issue": frozenset({ACCOUNT_MANAGER, BILLING}),
    "invoiceable export": frozenset({BILLING}),
    "webhook add": frozenset({SECURITY_OFFICER, BILLING}),
    "webhook remove": frozenset({SECURITY_OFFICER, BILLING}),
    "tick": frozenset({BILLING}),
    "import": frozenset({BILLING}),
    "audit seal": frozenset({SECURITY_OFFICER, BILLING}),
    "settings set": frozenset({ACCOUNT_MANAGER, BILLING, SECURITY_OFFICER}),
    "settings set identity": frozenset({SECURITY_OFFICER}),
    "person add": frozenset({SECURITY_OFFICER}),
    "person change": frozenset({SECURITY_OFFICER}),
    "person deactivate": frozenset({SECURITY_OFFICER}),
}
"""Command (as typed after ``ledger``) → the roles that may run it."""

ROLES_PER_PERSON_MAX = len(ROLES)


def roles_for(command: str) -> frozenset[str]:
    """The roles allowed to run ``command``; a command missing from the table is a programming error."""
    try:
        return COMMAND_ROLES[command]
    except KeyError:
        msg = f"command {command!r} is not in the role table"
        raise RuntimeError(msg) from None


def parse_roles(value: object, field: str = "role") -> tuple[str, ...]:
    """Roles as given (a list, or ``a,b``), each one of :data:`ROLES`; sorted, no duplicates."""
    if isinstance(value, str):
        items = [part.strip().lower() for part in value.split(",")]
    elif isinstance(value, (list, tuple)):
        items = [str(part).strip().lower() if isinstance(part, str) else part for part in value]
    else:
        raise InvalidInputError(field, f"{type(value).__name__} is not a list of roles")
    roles = set()
    for item in items:
        if item not in ROLES:
            raise InvalidInputError(field, f"{item!r} is not a role; known: {', '.join(ROLES)}")
        roles.add(item)
    if not roles:
        raise InvalidInputError(field, "give at least one role")
    return tuple(sorted(roles))
