"""Keep the message catalogs (workflow/locale/{vi,en}/LC_MESSAGES/messages.po) in step with
the code: `pybabel extract` over babel.cfg, then

    python deploy/i18n_catalogs.py check    # exit 1: a message missing or untranslated
    python deploy/i18n_catalogs.py update   # add new messages, drop the ones gone

`make i18n-check` runs `check` (so `make test` and CI do); `make i18n-update` runs `update`.
`update` adds a new message untranslated in en.po and, since msgids are Vietnamese, with
its msgid as a *fuzzy* msgstr in vi.po: `check` refuses fuzzy entries, so both catalogs
are looked at before the message ships (docs/decisions/0014-babel-catalogs.md).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workflow.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, catalog_path  # noqa: E402

# Markers of Python code besides Babel's defaults (N_...): NP_(context, msgid) and
# NN_(singular, plural).
KEYWORDS = ["NP_:1c,2", "NN_:1,2"]
HEADER = "# Messages of planflow (pages, mails, problem titles, labels, report wording)."


def extract(workdir: Path) -> Catalog:
    """Every message the code and templates use, as `pybabel extract` finds them."""
    pybabel = shutil.which("pybabel", path=str(Path(sys.executable).parent)) or "pybabel"
    pot = workdir / "messages.pot"
    keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
    subprocess.run(
        [pybabel, "extract", "-F", "babel.cfg", *keywords, "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        return read_po(f)


def key(message: Message) -> tuple[str | None, str]:
    msgid = message.id[0] if isinstance(message.id, tuple) else message.id
    return message.context, msgid


def load(lang: str, locale_dir: Path) -> Catalog:
    path = catalog_path(lang, locale_dir)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, project="planflow", header_comment=HEADER)
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def translated(message: Message) -> bool:
    values = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(values) and all(values)


def problems(template: Catalog, locale_dir: Path) -> list[str]:
    """What keeps the catalogs from matching the code: each as one line to read."""
    wanted = {key(m): m for m in template if m.id}
    out: list[str] = []
    for lang in LANGUAGES:
        catalog = load(lang, locale_dir)
        have = {key(m): m for m in catalog if m.id}
        where = catalog_path(lang, locale_dir).relative_to(locale_dir.parent.parent)
        for k, m in wanted.items():
            found = have.get(k)
            label = f"{k[1]!r}" + (f" (context {k[0]!r})" if k[0] else "")
            if found is None:
                out.append(f"{where}: missing {label}")
            elif found.fuzzy or not translated(found):
                out.append(f"{where}: no translation for {label}")
            elif isinstance(m.id, tuple) != isinstance(found.id, tuple):
                out.append(f"{where}: {label} must be {'plural' if m.pluralizable else 'singular'}")
        for k in have.keys() - wanted.keys():
            out.append(f"{where}: {k[1]!r} is no longer used (run `make i18n-update`)")
        for message, errors in catalog.check():
            for error in errors:
                out.append(f"{where}: {message.id!r}: {error}")
    return out


def update(template: Catalog, locale_dir: Path, seed: dict[tuple[str | None, str], dict]) -> None:
    for lang in LANGUAGES:
        catalog = load(lang, locale_dir)
        have = {key(m): m for m in catalog if m.id}
        fresh = Catalog(
            locale=lang,
            domain=DOMAIN,
            project="planflow",
            header_comment=catalog.header_comment or HEADER,
            # Kept from the file (not today's date), so an update changes only messages.
            creation_date=catalog.creation_date,
            revision_date=catalog.revision_date,
            fuzzy=False,
        )
        for m in template:
            if not m.id:
                continue
            old = have.get(key(m))
            if old is not None and isinstance(old.id, tuple) == isinstance(m.id, tuple):
                fresh.add(m.id, old.string, context=m.context, flags=old.flags)
                continue
            string, fuzzy = _first_string(m, lang, fresh, seed.get(key(m)))
            fresh.add(m.id, string, context=m.context, flags={"fuzzy"} if fuzzy else set())
        path = catalog_path(lang, locale_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, fresh, width=100, omit_header=False, no_location=True, sort_output=True)


def _first_string(
    m: Message, lang: str, catalog: Catalog, seed: dict | None
) -> tuple[str | tuple[str, ...], bool]:
    """A new message's msgstr: the seed's translation, else the msgid in Vietnamese (fuzzy:
    someone confirms it), else empty."""
    plural = isinstance(m.id, tuple)
    forms = catalog.num_plurals
    if seed is not None:
        if lang == "vi":
            text = seed["vi"]
            return ((text,) * forms if plural else text), False
        if plural:
            return (seed["en"], seed["en_plural"] or seed["en"]), False
        return seed["en"], False
    if lang == "vi":
        return ((m.id[0],) * forms if plural else m.id), True  # type: ignore[index]
    return (("",) * forms if plural else ""), False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("command", choices=["check", "update"])
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR)
    parser.add_argument("--seed", type=Path, help="update: translations of new messages (JSON)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        template = extract(Path(tmp))
    if args.command == "update":
        seed = {}
        if args.seed:
            seed = {(e["context"], e["msgid"]): e for e in json.loads(args.seed.read_text())}
        update(template, args.locale_dir, seed)
    found = problems(template, args.locale_dir)
    for line in found:
        print(line)
    if found:
        print(
            f"{len(found)} catalog problem(s): translate in workflow/locale/*/LC_MESSAGES/"
            "messages.po (README, Translations)",
            file=sys.stderr,
        )
        return 1
    print(
        f"catalogs complete: {sum(1 for m in template if m.id)} messages in {', '.join(LANGUAGES)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
