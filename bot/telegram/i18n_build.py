"""Rebuild the gettext catalogs of the Telegram front end (standard library only).

``python -m bot.telegram.i18n_build`` extracts every ``_()``, ``N_()``, ``gettext()`` and
``ngettext()`` string from ``bot/telegram`` into ``locales/messages.pot``, merges it into each
``locales/<locale>/LC_MESSAGES/messages.po`` (new strings get an empty translation, strings no
longer used are dropped) and compiles the ``.mo`` files. ``--check`` changes nothing and fails
when a catalog is out of date, a translation is missing or its ``{placeholders}`` differ.
"""

from __future__ import annotations

import argparse
import ast
import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bot.telegram.i18n import DOMAIN, LOCALES, LOCALES_DIR

SOURCE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = SOURCE_DIR.parents[1]
SOURCE_LANGUAGE = "en"
PLURAL_FORMS = {"en": "nplurals=2; plural=(n != 1);", "zh_CN": "nplurals=1; plural=0;"}
_SINGULAR_CALLS = frozenset({"_", "N_", "gettext"})
_PLURAL_CALLS = frozenset({"ngettext"})
_MO_MAGIC = 0x950412DE
_MO_HEADER_SIZE = 28
_PLACEHOLDER_RE = re.compile(r"\{(\w*)[^{}]*\}")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}
_UNESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t"}


@dataclass(slots=True)
class Entry:
    """One message of a catalog."""

    msgid: str
    plural: str | None = None
    msgstr: list[str] = field(default_factory=lambda: [""])
    references: list[str] = field(default_factory=list)
    fuzzy: bool = False


# ----------------------------------------------------------------- extraction
def extract(source_dir: Path = SOURCE_DIR) -> dict[str, Entry]:
    """Every translatable string under ``source_dir``, keyed by msgid, in source order."""
    entries: dict[str, Entry] = {}
    for path in sorted(source_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        ref_path = path.relative_to(PROJECT_DIR).as_posix()
        calls = sorted(
            (node for node in ast.walk(tree) if isinstance(node, ast.Call)),
            key=lambda node: (node.lineno, node.col_offset),
        )
        for node in calls:
            found = _message_of(node)
            if found is None:
                continue
            msgid, plural = found
            entry = entries.setdefault(msgid, Entry(msgid, plural))
            if ref_path not in entry.references:  # files only: moving code changes nothing
                entry.references.append(ref_path)
    return entries


def _message_of(node: ast.Call) -> tuple[str, str | None] | None:
    name = node.func.id if isinstance(node.func, ast.Name) else None
    strings = [
        arg.value
        for arg in node.args
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
    ]
    if name in _SINGULAR_CALLS and strings:
        return strings[0], None
    if name in _PLURAL_CALLS and len(strings) >= 2:
        return strings[0], strings[1]
    return None


# ----------------------------------------------------------------- .po text
def _quote(text: str) -> str:
    return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'


def _field(keyword: str, text: str) -> list[str]:
    if "\n" not in text.rstrip("\n") and len(text) < 70:
        return [f"{keyword} {_quote(text)}"]
    parts = re.findall(r"[^\n]*\n|[^\n]+", text)
    return [f'{keyword} ""', *(_quote(part) for part in parts)]


def _header(locale: str | None) -> str:
    lines = [
        "Project-Id-Version: mjbridge",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if locale is not None:
        lines.append(f"Language: {locale}")
        lines.append(f"Plural-Forms: {PLURAL_FORMS[locale]}")
    return "".join(line + "\n" for line in lines)


def render_po(entries: dict[str, Entry], locale: str | None) -> str:
    """A ``.po`` file (``locale`` given) or the ``.pot`` template (``locale`` None)."""
    title = "Translations" if locale is None else f"Translations ({locale})"
    out = [
        f"# mjbridge Telegram front end. {title}.",
        *_field("msgid", ""),
        *_field("msgstr", _header(locale)),
        "",
    ]
    nplurals = 2 if locale is None else int(PLURAL_FORMS[locale].split(";")[0].split("=")[1])
    for entry in entries.values():
        out.extend(f"#: {ref}" for ref in entry.references)
        if entry.fuzzy:
            out.append("#, fuzzy")
        out.extend(_field("msgid", entry.msgid))
        if entry.plural is None:
            out.extend(_field("msgstr", entry.msgstr[0] if entry.msgstr else ""))
        else:
            out.extend(_field("msgid_plural", entry.plural))
            forms = [*entry.msgstr, *[""] * nplurals][:nplurals]
            for index, form in enumerate(forms):
                out.extend(_field(f"msgstr[{index}]", form))
        out.append("")
    return "\n".join(out)


def _unquote(token: str) -> str:
    body = token.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: _UNESCAPES.get(m[1], m[1]), body)


def parse_po(text: str) -> dict[str, Entry]:
    """Entries of a ``.po`` file (the header entry under ``""``); obsolete ``#~`` lines skipped."""
    entries: dict[str, Entry] = {}
    fields: dict[str, str] = {}
    references: list[str] = []
    fuzzy = False
    current: str | None = None

    def flush() -> None:
        nonlocal fields, references, fuzzy, current
        if "msgid" in fields:
            forms = sorted(k for k in fields if k.startswith("msgstr"))
            msgstr = [fields[k] for k in forms] or [""]
            entries[fields["msgid"]] = Entry(
                fields["msgid"], fields.get("msgid_plural"), msgstr, references, fuzzy
            )
        fields, references, fuzzy, current = {}, [], False, None

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                flush()
            continue
        if line.startswith("#"):
            if current is not None and "msgstr" in "".join(fields):
                flush()
            if line.startswith("#:"):
                references.extend(line[2:].split())
            elif line.startswith("#,"):
                fuzzy = "fuzzy" in line
            continue
        if line.startswith('"'):
            if current is not None:
                fields[current] += _unquote(line)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgid" and any(k.startswith("msgstr") for k in fields):
            flush()
        current = keyword
        fields[keyword] = _unquote(rest)
    flush()
    return entries


def merge(template: dict[str, Entry], existing: dict[str, Entry]) -> dict[str, Entry]:
    """The template's entries carrying the translations ``existing`` already has."""
    merged: dict[str, Entry] = {}
    for msgid, entry in template.items():
        old = existing.get(msgid)
        msgstr = list(old.msgstr) if old is not None and old.plural == entry.plural else [""]
        fuzzy = old.fuzzy if old is not None else False
        merged[msgid] = Entry(msgid, entry.plural, msgstr, list(entry.references), fuzzy)
    return merged


# ----------------------------------------------------------------- .mo bytes
def compile_mo(entries: dict[str, Entry], locale: str) -> bytes:
    """GNU ``.mo`` bytes; untranslated and fuzzy entries are left out (gettext falls back)."""
    pairs: dict[bytes, bytes] = {b"": _header(locale).encode()}
    for entry in entries.values():
        if entry.fuzzy or not entry.msgid or not any(entry.msgstr):
            continue
        if entry.plural is None:
            pairs[entry.msgid.encode()] = entry.msgstr[0].encode()
        else:
            key = f"{entry.msgid}\0{entry.plural}"
            pairs[key.encode()] = "\0".join(entry.msgstr).encode()
    keys = sorted(pairs)
    ids = b"".join(k + b"\0" for k in keys)
    strs = b"".join(pairs[k] + b"\0" for k in keys)
    count = len(keys)
    ids_start = _MO_HEADER_SIZE + 16 * count
    strs_start = ids_start + len(ids)
    id_table: list[int] = []
    str_table: list[int] = []
    id_offset = str_offset = 0
    for k in keys:
        id_table += [len(k), ids_start + id_offset]
        str_table += [len(pairs[k]), strs_start + str_offset]
        id_offset += len(k) + 1
        str_offset += len(pairs[k]) + 1
    header = struct.pack(
        "<7I", _MO_MAGIC, 0, count, _MO_HEADER_SIZE, _MO_HEADER_SIZE + 8 * count, 0, 0
    )
    tables = struct.pack(f"<{2 * count}I", *id_table) + struct.pack(f"<{2 * count}I", *str_table)
    return header + tables + ids + strs


# ----------------------------------------------------------------- checks
def problems_of(entries: dict[str, Entry], locale: str) -> list[str]:
    """Missing translations and placeholder mismatches (the source language needs none)."""
    found: list[str] = []
    for entry in entries.values():
        if not entry.msgid:
            continue
        translated = [form for form in entry.msgstr if form]
        if locale != SOURCE_LANGUAGE and (not translated or entry.fuzzy):
            found.append(f"{locale}: untranslated {entry.msgid!r}")
            continue
        expected = set(_PLACEHOLDER_RE.findall(entry.msgid + (entry.plural or "")))
        for form in translated:
            if set(_PLACEHOLDER_RE.findall(form)) - expected:
                found.append(f"{locale}: placeholders differ in {entry.msgid!r}")
    return found


def build(*, check: bool = False, locales_dir: Path = LOCALES_DIR) -> list[str]:
    """Write (or with ``check`` only compare) every catalog; returns the problems found."""
    template = extract()
    outputs: dict[Path, bytes] = {locales_dir / f"{DOMAIN}.pot": render_po(template, None).encode()}
    problems: list[str] = []
    for locale in LOCALES:
        po_path = locales_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        existing = parse_po(po_path.read_text(encoding="utf-8")) if po_path.exists() else {}
        merged = merge(template, existing)
        problems.extend(problems_of(merged, locale))
        outputs[po_path] = render_po(merged, locale).encode()
        outputs[po_path.with_suffix(".mo")] = compile_mo(merged, locale)
    for path, data in outputs.items():
        current = path.read_bytes() if path.exists() else None
        if current == data:
            continue
        if check:
            problems.append(f"{path.relative_to(locales_dir.parent)} is out of date")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail when stale")
    args = parser.parse_args(argv)
    problems = build(check=args.check)
    for problem in problems:
        sys.stderr.write(problem + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
