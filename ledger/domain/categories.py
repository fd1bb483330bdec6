"""Work categories as account managers mean them: ``printer``, ``Printers`` and ``printing`` are one.

Why a dated setting (``alerts.category-synonyms``) and not a file in the package: the
standard-service suggestion is an alert, and alerts must come out the same on every rebuild. A table
shipped in the package would change yesterday's suggestions with the next upgrade; a dated setting
is an event, so a changed table applies from its ``--from`` date on, in every process alike, and an
operator edits it with ``ledger settings set`` without a release.

The table's text is ``category=synonym|synonym; category=...``; every name is compared
lower-case with inner whitespace collapsed, so case and spacing never need a synonym.
"""

from __future__ import annotations

from dataclasses import dataclass

SYNONYMS_MAX = 200
"""How many synonyms one table may list."""
NAME_LENGTH_MAX = 80

DEFAULT_SYNONYMS = (
    "printers=printer|printing|print; "
    "m365-licences=m365-licence|m365 licence|m365 licences|microsoft 365 licences|office 365 licences; "
    "laptop-setup=laptop|laptops|laptop setup|new laptop; "
    "password-reset=password|passwords|password reset|wachtwoord|wachtwoord reset; "
    "backup-restore=backup|restore|backup restore|terugzetten"
)
"""The shipped default: the catalogue's own categories with common spellings (Dutch included)."""


def fold(name: str) -> str:
    """Lower-case, inner whitespace collapsed: the spelling every comparison uses."""
    return " ".join(name.split()).lower()


@dataclass(frozen=True)
class CategorySynonyms:
    """Synonym → category, parsed from the setting's text; ``str()`` gives the canonical text."""

    pairs: tuple[tuple[str, tuple[str, ...]], ...]

    def normalise(self, category: str) -> str:
        """The category a name stands for (itself when it is no one's synonym)."""
        folded = fold(category)
        for canonical, synonyms in self.pairs:
            if folded in synonyms:
                return canonical
        return folded

    def __str__(self) -> str:
        if not self.pairs:
            return "none"
        return "; ".join(f"{name}={'|'.join(synonyms)}" for name, synonyms in self.pairs)


def parse_synonyms(text: str) -> CategorySynonyms:
    """``category=synonym|synonym; ...`` (or ``none``); refuses a synonym of two categories."""
    value = text.strip()
    if value.lower() in ("", "none"):
        return CategorySynonyms(())
    owner: dict[str, str] = {}
    table: dict[str, list[str]] = {}
    for entry in value.split(";"):
        if not entry.strip():
            continue
        name, equals, rest = entry.partition("=")
        canonical = fold(name)
        if not equals or not canonical or not rest.strip():
            msg = f"{entry.strip()!r} is not 'category=synonym|synonym'"
            raise ValueError(msg)
        for raw in rest.split("|"):
            synonym = fold(raw)
            if not synonym or synonym == canonical:
                continue
            if any(len(n) > NAME_LENGTH_MAX or not n.isprintable() for n in (synonym, canonical)):
                msg = f"{synonym!r}: names are printable and at most {NAME_LENGTH_MAX} characters"
                raise ValueError(msg)
            if owner.get(synonym, canonical) != canonical:
                msg = f"{synonym!r} is a synonym of both {owner[synonym]!r} and {canonical!r}"
                raise ValueError(msg)
            owner[synonym] = canonical
            table.setdefault(canonical, [])
            if synonym not in table[canonical]:
                table[canonical].append(synonym)
    if len(owner) > SYNONYMS_MAX:
        msg = f"at most {SYNONYMS_MAX} synonyms"
        raise ValueError(msg)
    return CategorySynonyms(tuple((name, tuple(sorted(s))) for name, s in sorted(table.items())))
