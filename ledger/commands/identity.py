"""Who is acting, and may they run this command? Decided once per write, before anything loads.

The ``identity`` dated setting chooses how strictly (:mod:`ledger.domain.settings`):

- ``open``: the actor is whatever name is given, normalised (today's behaviour);
- ``registered``: the actor must be an active person holding a role the role table allows;
- ``authenticated``: the actor *is* the login (PostgreSQL ``session_user``, else the operating-system
  user) mapped to a person through ``--db-role``; an actor naming anyone else is refused.

Four-eyes does not depend on the mode: see :mod:`ledger.commands.admin`.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

from ledger import lazy
from ledger.commands.settings import value_at
from ledger.domain.identity import Acting, person_id
from ledger.domain.roles import BILLING, roles_for
from ledger.domain.settings import AUTHENTICATED, IDENTITY, OPEN, REGISTERED
from ledger.errors import IdentityError, InvalidInputError
from ledger.persistence.which import datastore_on_postgres

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from ledger.commands import people
    from ledger.commands.people import PersonView
    from ledger.commands.unit_of_work import Reader
    from ledger.eventstore.application import LedgerApplication
else:  # the people and their aggregates load only when a mode or a person is judged
    lazy.modules(globals(), people="ledger.commands.people")


def mode_at(app: Reader, at: datetime) -> str:
    return str(value_at(app, IDENTITY, at))


def authorise(
    app: Reader,
    command: str,
    given: str | None,
    now: datetime,
    login: Callable[[], str],
    default: str | None = None,
) -> Acting:
    """The actor for ``command``, or IdentityError/InvalidInputError saying why not.

    ``given`` is the actor named by the caller; ``default`` stands in for it except when
    authenticated (a default is a guess, and the login is known).
    """
    mode = mode_at(app, now)
    actor = None if given is None else person_id(given)
    if mode == AUTHENTICATED:
        return _authenticated(app, command, actor, login())
    if actor is None and default is not None:
        actor = person_id(default)
    if mode == OPEN:
        if actor is None:
            reason = "this deployment requires every write to name its actor (--actor or LEDGER_ACTOR)"
            raise InvalidInputError("actor", reason)
        return Acting(actor, None, mode)
    if mode == REGISTERED:
        if actor is None:
            raise InvalidInputError("actor", "identity mode 'registered': name yourself with --actor")
        person = _active(app, actor, f"identity mode 'registered': {actor!r} is not a registered person")
        _role_allows(person, command)
        return Acting(person.person, None, mode)
    msg = f"unknown identity mode {mode!r}"
    raise RuntimeError(msg)


def _authenticated(app: Reader, command: str, actor: str | None, name: str) -> Acting:
    person = people.by_login(app, name)
    if person is None or not person.active:
        msg = (
            f"identity mode 'authenticated': login {name!r} is bound to no active person "
            "(a security officer runs 'person change ID --db-role LOGIN')"
        )
        raise IdentityError("actor", msg)
    if actor is not None and actor not in (person.person, person_id(name)):
        msg = f"you are logged in as {name!r} ({person.person}); --actor {actor!r} names someone else"
        raise IdentityError("actor", msg)
    _role_allows(person, command)
    return Acting(person.person, name, AUTHENTICATED)


def session_login(app: LedgerApplication) -> str:
    """The login this process writes as: PostgreSQL's ``session_user``, else the OS user.

    ``session_user`` and not ``current_user``: ``SET ROLE`` changes the latter, not who logged in.
    """
    datastore = getattr(app.recorder, "datastore", None)
    if datastore_on_postgres(datastore):
        with datastore.transaction(commit=False) as cursor:
            cursor.execute("SELECT session_user AS login")
            row = cursor.fetchone()
        if row is None:
            raise IdentityError("actor", "the database did not say who is logged in")
        return str(row["login"])
    try:
        return getpass.getuser()
    except (KeyError, OSError) as error:
        raise IdentityError("actor", f"the operating-system user is unknown ({error})") from None


def check_on_behalf(app: Reader, acting: Acting, engineer: str | None) -> None:
    """Outside ``open`` mode, work names as its engineer the actor, or an active person when the
    billing service account records it on their behalf; nobody else books time in another's name."""
    if engineer is None or acting.mode == OPEN:
        return
    who = person_id(engineer, "engineer")
    if who == acting.actor:
        return
    found = people.person_or_none(app, who)
    if found is None or not found.active:
        raise IdentityError("engineer", f"{who!r} is not an active registered person")
    actor = people.person_or_none(app, acting.actor)
    if actor is None or BILLING not in actor.roles:
        msg = (
            f"{acting.actor} may not book time for {who}; only the billing service account "
            "records work on behalf of an engineer"
        )
        raise IdentityError("engineer", msg)


def _active(app: Reader, actor: str, unknown: str) -> PersonView:
    found = people.person_or_none(app, actor)
    if found is None:
        raise IdentityError("actor", unknown)
    person = people.view(found)
    if not person.active:
        raise IdentityError("actor", f"{actor!r} is deactivated and may no longer act")
    return person


def _role_allows(person: PersonView, command: str) -> None:
    allowed = roles_for(command)
    if not allowed.intersection(person.roles):
        have = ", ".join(person.roles)
        msg = f"{person.person} ({have}) may not run '{command}'; it needs {' or '.join(sorted(allowed))}"
        raise IdentityError("actor", msg)
