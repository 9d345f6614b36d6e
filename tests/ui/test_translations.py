"""Every page is translated: each msgid of the Korean catalog has a msgstr and none is fuzzy.

After adding strings, run `make makemessages` and translate what is new in locale/ko/LC_MESSAGES/django.po.
A small reader of the .po format, so the check needs no gettext tools and no extra package.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

KO_CATALOG = Path(__file__).resolve().parents[2] / "locale" / "ko" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]|\{\w*\}")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    def translations(self) -> list[str]:
        return [value for key, value in self.fields.items() if key == "msgstr" or key.startswith("msgstr[")]


def read_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    key = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, key = None, None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#~"):
            current.obsolete = True
        elif line.startswith("#,"):
            current.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current.fields[key] += ast.literal_eval(line)
        else:
            key, _space, value = line.partition(" ")
            current.fields[key] = ast.literal_eval(value)
    return [entry for entry in entries if entry.fields and not entry.obsolete]


def _messages():
    return [entry for entry in read_po(KO_CATALOG) if entry.msgid]


def test_korean_catalog_exists_and_has_messages():
    assert KO_CATALOG.exists()
    assert len(_messages()) > 100


def test_every_korean_msgid_is_translated():
    untranslated = [f"line {e.line}: {e.msgid!r}" for e in _messages() if not all(e.translations())]
    assert untranslated == [], "untranslated Korean messages:\n" + "\n".join(untranslated)


def test_no_korean_translation_is_fuzzy():
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in _messages() if "fuzzy" in e.flags]
    assert fuzzy == [], "fuzzy Korean messages (check and clear the flag):\n" + "\n".join(fuzzy)


def test_korean_header_is_not_fuzzy_and_declares_one_plural_form():
    header = next(entry for entry in read_po(KO_CATALOG) if entry.msgid == "")
    assert "fuzzy" not in header.flags  # msgfmt would drop the header (charset, plural forms)
    assert "Plural-Forms: nplurals=1; plural=0;" in header.fields["msgstr"]


def test_korean_translations_keep_every_placeholder():
    broken = []
    for entry in _messages():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        for translation in entry.translations():
            if sorted(PLACEHOLDER.findall(translation)) != wanted:
                broken.append(f"line {entry.line}: {entry.msgid!r} -> {translation!r}")
    assert broken == [], "placeholders differ:\n" + "\n".join(broken)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('msgid "a"\nmsgstr ""\n', ["a"]),
        ('#, fuzzy\nmsgid "b"\nmsgstr "x"\n', ["b"]),
    ],
)
def test_reader_finds_untranslated_and_fuzzy_entries(tmp_path, text, expected):
    po = tmp_path / "django.po"
    po.write_text('msgid ""\nmsgstr "Plural-Forms: nplurals=1; plural=0;\\n"\n\n' + text, encoding="utf-8")
    entries = [e for e in read_po(po) if e.msgid]
    assert [e.msgid for e in entries] == expected
    assert (not all(entries[0].translations())) or "fuzzy" in entries[0].flags
