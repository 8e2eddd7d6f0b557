#!/usr/bin/env python3
"""Checks a catalogue file (docs/CATALOGUE_FORMAT.md) before it is imported.

Usage:  python3 demo/check_catalogue.py [demo/catalogue.toml]

Python 3.11+, standard library only. Prints every problem with its place
(`unit[3] "fb-ordnung"`, `service[17] "hundesteuer"`) and the field, then a short
summary. Exit code 0 when the file passes, 1 when it has errors, 2 when it can't
be read or parsed.

Two kinds of rules are checked:

- the format rules of docs/CATALOGUE_FORMAT.md (required keys, no unknown keys,
  slugs, references, no cycles, procedures, https URLs, LeiKa keys), and
- the rules for the demo catalogue (the fixed set of Lebenslagen, a three-level
  tree in page order, at least MIN_SERVICES services and MIN_FACHBEREICHE
  units directly under the top unit, Markdown kept to the documented subset).
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

MIN_SERVICES = 60
MIN_FACHBEREICHE = 8

SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SLUG_MAX = 80
# Paths under /dienste that are pages of the portal, not services.
RESERVED_SERVICE_SLUGS = {"a-z", "suche"}
LEIKA_RE = re.compile(r"^\d{14}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
PHONE_RE = re.compile(r"^0\d{2,5} \d[\d -]*\d$")

PROCEDURES = {"online", "external", "in_person"}

# key -> (required, type)
UNIT_KEYS = {
    "slug": (True, str),
    "name": (True, str),
    "abbreviation": (False, str),
    "parent": (False, str),
    "head": (False, str),
    "address": (False, str),
    "phone": (False, str),
    "email": (False, str),
    "opening_hours": (False, str),
    "description": (False, str),
}
SERVICE_KEYS = {
    "slug": (True, str),
    "name": (True, str),
    "synonyms": (False, list),
    "short_text": (True, str),
    "description": (False, str),
    "requirements": (False, list),
    "fees": (False, str),
    "processing_time": (False, str),
    "legal_basis": (False, str),
    "leika_key": (False, str),
    "procedure": (True, str),
    "external_url": (False, str),
    "account_required": (False, bool),
    "unit": (True, str),
    "contacts": (False, list),
    "life_situations": (False, list),
}
CONTACT_KEYS = {
    "name": (True, str),
    "phone": (False, str),
    "email": (False, str),
    "room": (False, str),
}
TOP_LEVEL_KEYS = {"unit", "service"}

LIFE_SITUATIONS = {
    "Umzug",
    "Geburt",
    "Heirat & Partnerschaft",
    "Todesfall",
    "Ausweise & Dokumente",
    "Hund & Tier",
    "Bauen & Wohnen",
    "Familie & Kinder",
    "Arbeit & Gewerbe",
    "Steuern & Abgaben",
    "Mobilität & Verkehr",
    "Abfall & Umwelt",
    "Freizeit & Kultur",
    "Soziales",
    "Sicherheit & Ordnung",
    "Wahlen",
}

# Markdown subset: paragraphs, "- " bullets, **bold**, links [text](https://…).
LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)\s]*)\)")
MAX_LINKS = 1


class Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, place: str, field: str | None, message: str) -> None:
        where = f"{place}, field `{field}`" if field else place
        self.errors.append(f"{where}: {message}")

    # --- generic helpers -------------------------------------------------

    def check_keys(self, place: str, entry: dict, spec: dict) -> None:
        for key in entry:
            if key not in spec:
                self.error(place, key, "unknown key")
        for key, (required, typ) in spec.items():
            if key not in entry:
                if required:
                    self.error(place, key, "is required")
                continue
            value = entry[key]
            if not isinstance(value, typ):
                self.error(place, key, f"must be a {typ.__name__}, not {type(value).__name__}")

    def check_text(self, place: str, field: str, value: object) -> None:
        if not isinstance(value, str):
            return
        if not value.strip():
            self.error(place, field, "must not be empty")
            return
        if value != value.strip():
            self.error(place, field, "has leading or trailing whitespace")
        if any(ord(c) < 32 and c not in "\n\t" or c == "\x7f" for c in value):
            self.error(place, field, "contains control characters")
        if "\t" in value:
            self.error(place, field, "contains a tab")
        for line in value.split("\n"):
            if line != line.rstrip():
                self.error(place, field, f"line has trailing whitespace: {line!r}")
                break

    def check_string_list(self, place: str, field: str, values: object) -> None:
        if not isinstance(values, list):
            return
        for i, v in enumerate(values, 1):
            if not isinstance(v, str):
                self.error(place, f"{field}[{i}]", "must be a string")
            elif not v.strip() or v != v.strip() or "\n" in v:
                self.error(place, f"{field}[{i}]", f"must be one non-empty line without surrounding spaces: {v!r}")
        dupes = [v for v, n in Counter(v for v in values if isinstance(v, str)).items() if n > 1]
        if dupes:
            self.error(place, field, f"duplicate entries {dupes}")

    def check_markdown(self, place: str, field: str, text: object) -> None:
        if not isinstance(text, str):
            return
        links = LINK_RE.findall(text)
        if len(links) > MAX_LINKS:
            self.error(place, field, f"has {len(links)} links, at most {MAX_LINKS} allowed")
        for label, url in links:
            if not url.startswith("https://"):
                self.error(place, field, f"link {label!r} must point to an https:// URL, not {url!r}")
        without_links = LINK_RE.sub(r"\1", text)
        if "](" in without_links or "![" in text:
            self.error(place, field, "has a malformed link or an image")
        if "<" in text or ">" in text:
            self.error(place, field, "must not contain HTML (< or >)")
        if "`" in text:
            self.error(place, field, "must not contain code (backticks)")
        if text.count("**") % 2:
            self.error(place, field, "has an unbalanced ** (bold)")
        if "\n\n\n" in text:
            self.error(place, field, "has more than one blank line in a row")
        for line in text.split("\n"):
            stripped = line.lstrip()
            if line.startswith(" "):
                self.error(place, field, f"indented line (nested lists and code blocks are not in the subset): {line!r}")
            elif re.match(r"#{1,6}\s", stripped):
                self.error(place, field, f"headings are not in the subset: {line!r}")
            elif re.match(r"(\* |\+ |\d+[.)] |> )", stripped):
                self.error(place, field, f"only '- ' bullets and paragraphs are allowed: {line!r}")
            elif re.fullmatch(r"[-*_ ]{3,}", stripped):
                self.error(place, field, f"horizontal rules are not in the subset: {line!r}")
            elif stripped.startswith("-") and not stripped.startswith("- "):
                self.error(place, field, f"a bullet needs '- ' (dash and space): {line!r}")
        # A list needs a blank line before it when it follows a paragraph? Not in
        # CommonMark ("- " can interrupt a paragraph), so nothing to check there.

    def check_slug(self, place: str, slug: object, seen: dict, kind: str) -> None:
        if not isinstance(slug, str):
            return
        if not SLUG_RE.match(slug) or len(slug) > SLUG_MAX:
            self.error(place, "slug", f"{slug!r} must match {SLUG_RE.pattern} (at most {SLUG_MAX} characters)")
        if kind == "service" and slug in RESERVED_SERVICE_SLUGS:
            self.error(place, "slug", f"{slug!r} is reserved for a page of the portal")
        if slug in seen:
            self.error(place, "slug", f"duplicate {kind} slug {slug!r} (first at {seen[slug]})")
        else:
            seen[slug] = place

    # --- units -----------------------------------------------------------

    def check_units(self, units: list) -> dict[str, dict]:
        by_slug: dict[str, dict] = {}
        seen: dict[str, str] = {}
        places: dict[str, str] = {}
        names: dict[str, str] = {}
        for i, u in enumerate(units, 1):
            place = f'unit[{i}] "{u.get("slug", "?") if isinstance(u, dict) else "?"}"'
            if not isinstance(u, dict):
                self.error(place, None, "must be a table")
                continue
            self.check_keys(place, u, UNIT_KEYS)
            self.check_slug(place, u.get("slug"), seen, "unit")
            for key in ("name", "abbreviation", "head", "address", "phone", "email", "opening_hours", "description"):
                if key in u:
                    self.check_text(place, key, u[key])
            if isinstance(u.get("email"), str) and not EMAIL_RE.match(u["email"]):
                self.error(place, "email", f"{u['email']!r} is not an e-mail address")
            if isinstance(u.get("phone"), str) and not PHONE_RE.match(u["phone"]):
                self.error(place, "phone", f"{u['phone']!r} does not look like a phone number (e.g. 05241 82-1234)")
            name = u.get("name")
            if isinstance(name, str):
                if name in names:
                    self.error(place, "name", f"same name as {names[name]}")
                names.setdefault(name, place)
            slug = u.get("slug")
            if isinstance(slug, str) and slug not in by_slug:
                by_slug[slug] = u
                places[slug] = place

        # References, cycles, page order.
        order = {u.get("slug"): i for i, u in enumerate(units) if isinstance(u, dict)}
        for slug, u in by_slug.items():
            parent = u.get("parent")
            if parent is None:
                continue
            if not isinstance(parent, str):
                continue
            if parent not in by_slug:
                self.error(places[slug], "parent", f"unknown unit {parent!r}")
                continue
            chain = [slug]
            current = parent
            while current is not None:
                if current in chain:
                    self.error(places[slug], "parent", "the units form a cycle: " + " → ".join(chain + [current]))
                    break
                chain.append(current)
                current = by_slug.get(current, {}).get("parent")
            else:
                if order[parent] > order[slug]:
                    self.error(places[slug], "parent", f"the parent {parent!r} must come before its children (order in the file is the order on the page)")

        roots = [s for s, u in by_slug.items() if "parent" not in u]
        if len(roots) != 1:
            self.error("units", None, f"there must be exactly one top unit (without parent), found {len(roots)}: {roots}")
            return by_slug
        root = roots[0]
        if order[root] != 0:
            self.error(places[root], None, "the top unit must be the first unit")

        def depth(slug: str) -> int:
            d, current, steps = 0, slug, 0
            while by_slug.get(current, {}).get("parent") and steps <= len(by_slug):
                current = by_slug[current]["parent"]
                d += 1
                steps += 1
            return d

        fachbereiche = [s for s, u in by_slug.items() if u.get("parent") == root]
        if len(fachbereiche) < MIN_FACHBEREICHE:
            self.error("units", None, f"at least {MIN_FACHBEREICHE} units must have the top unit {root!r} as parent, found {len(fachbereiche)}")
        for slug in by_slug:
            if depth(slug) > 2:
                self.error(places[slug], "parent", "too deep: the tree has three levels (top unit, Fachbereiche, Abteilungen)")

        # Each Fachbereich is followed directly by its Abteilungen.
        expected_parent = None
        for u in units:
            if not isinstance(u, dict):
                continue
            slug, parent = u.get("slug"), u.get("parent")
            if parent == root:
                expected_parent = slug
            elif parent is not None and parent != expected_parent:
                self.error(places.get(slug, str(slug)), "parent", f"Abteilung of {parent!r} must directly follow its Fachbereich and the Fachbereich's other Abteilungen")
        return by_slug

    # --- services --------------------------------------------------------

    def check_services(self, services: list, units: dict[str, dict]) -> Counter:
        procedures: Counter = Counter()
        seen: dict[str, str] = {}
        names: dict[str, str] = {}
        for i, s in enumerate(services, 1):
            place = f'service[{i}] "{s.get("slug", "?") if isinstance(s, dict) else "?"}"'
            if not isinstance(s, dict):
                self.error(place, None, "must be a table")
                continue
            self.check_keys(place, s, SERVICE_KEYS)
            self.check_slug(place, s.get("slug"), seen, "service")
            for key in ("name", "short_text", "description", "fees", "processing_time", "legal_basis", "external_url", "unit"):
                if key in s:
                    self.check_text(place, key, s[key])
            for key in ("synonyms", "requirements", "life_situations"):
                if key in s:
                    self.check_string_list(place, key, s[key])
            name = s.get("name")
            if isinstance(name, str):
                if name in names:
                    self.error(place, "name", f"same name as {names[name]}")
                names.setdefault(name, place)
                if isinstance(s.get("synonyms"), list) and name in s["synonyms"]:
                    self.error(place, "synonyms", "repeats the name")
            if isinstance(s.get("short_text"), str) and len(s["short_text"]) > 300:
                self.error(place, "short_text", "is longer than 300 characters (one or two sentences)")
            if "description" in s:
                self.check_markdown(place, "description", s["description"])

            procedure = s.get("procedure")
            if isinstance(procedure, str):
                if procedure not in PROCEDURES:
                    self.error(place, "procedure", f"{procedure!r} must be one of {sorted(PROCEDURES)}")
                else:
                    procedures[procedure] += 1
            url = s.get("external_url")
            if procedure == "external" and url is None:
                self.error(place, "external_url", 'is required for procedure "external"')
            if isinstance(url, str):
                if not url.startswith("https://") or any(c.isspace() for c in url) or len(url) <= len("https://"):
                    self.error(place, "external_url", f"{url!r} must be an https:// URL")
                if procedure != "external":
                    self.error(place, "external_url", 'is only meant for procedure "external"')

            key = s.get("leika_key")
            if isinstance(key, str) and not LEIKA_RE.match(key):
                self.error(place, "leika_key", f"{key!r} must have 14 digits")

            unit = s.get("unit")
            if isinstance(unit, str) and unit not in units:
                self.error(place, "unit", f"unknown unit {unit!r}")

            for j, c in enumerate(s.get("contacts", []) if isinstance(s.get("contacts"), list) else [], 1):
                cplace = f"contacts[{j}]"
                if not isinstance(c, dict):
                    self.error(place, cplace, "must be a table { name = …, phone = …, email = …, room = … }")
                    continue
                for k in c:
                    if k not in CONTACT_KEYS:
                        self.error(place, f"{cplace}.{k}", "unknown key")
                for k, (required, typ) in CONTACT_KEYS.items():
                    if k not in c:
                        if required:
                            self.error(place, f"{cplace}.{k}", "is required")
                    elif not isinstance(c[k], typ):
                        self.error(place, f"{cplace}.{k}", f"must be a {typ.__name__}")
                    else:
                        self.check_text(place, f"{cplace}.{k}", c[k])
                if isinstance(c.get("email"), str) and not EMAIL_RE.match(c["email"]):
                    self.error(place, f"{cplace}.email", f"{c['email']!r} is not an e-mail address")
                if isinstance(c.get("phone"), str) and not PHONE_RE.match(c["phone"]):
                    self.error(place, f"{cplace}.phone", f"{c['phone']!r} does not look like a phone number")

            for situation in s.get("life_situations", []) if isinstance(s.get("life_situations"), list) else []:
                if isinstance(situation, str) and situation not in LIFE_SITUATIONS:
                    self.error(place, "life_situations", f"{situation!r} is not one of the Lebenslagen {sorted(LIFE_SITUATIONS)}")

        if len(services) < MIN_SERVICES:
            self.error("services", None, f"at least {MIN_SERVICES} services expected, found {len(services)}")
        return procedures


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else Path(__file__).with_name("catalogue.toml")
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 2
    except tomllib.TOMLDecodeError as e:
        print(f"{path}: not valid TOML: {e}", file=sys.stderr)
        return 2

    checker = Checker()
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            checker.error("file", key, "unknown top-level key (only [[unit]] and [[service]] are allowed)")
    units = data.get("unit", [])
    services = data.get("service", [])
    if not isinstance(units, list) or not isinstance(services, list):
        print(f"{path}: unit and service must be arrays of tables ([[unit]], [[service]])", file=sys.stderr)
        return 2

    by_slug = checker.check_units(units)
    procedures = checker.check_services(services, by_slug)

    for message in checker.errors:
        print(message)
    unused = sorted(set(by_slug) - {s.get("unit") for s in services if isinstance(s, dict)})
    summary = (
        f"{path}: {len(units)} units, {len(services)} services "
        f"({', '.join(f'{p}: {procedures[p]}' for p in ('online', 'external', 'in_person'))}); "
        f"units without services: {len(unused)}"
    )
    if checker.errors:
        print(f"{summary}\nFAILED with {len(checker.errors)} error(s)")
        return 1
    print(f"{summary}\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
