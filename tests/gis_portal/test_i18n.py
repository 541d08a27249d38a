"""The English catalogues translate every Thai interface text, and the compiled .mo
files are up to date with the .po files committed beside them."""

import re
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_english_message_is_translated(domain):
    text = (LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = re.findall(r'^msgid "(.+)"\n(?:msgid_plural .*\n)?msgstr(?:\[0\])? "(.*)"', text, re.M)
    assert entries
    assert [msgid for msgid, msgstr in entries if not msgstr] == []


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_compiled_catalogues_match_their_sources(tmp_path, language, domain):
    if subprocess.run(["which", "msgfmt"], capture_output=True).returncode:
        pytest.skip("gettext is not installed")
    folder = LOCALE / language / "LC_MESSAGES"
    subprocess.run(["msgfmt", "--check-format", "-o", tmp_path / "fresh.mo", folder / f"{domain}.po"], check=True)
    assert (tmp_path / "fresh.mo").read_bytes() == (folder / f"{domain}.mo").read_bytes(), "run `make messages`"
