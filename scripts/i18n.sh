#!/usr/bin/env bash
# Regenerates and compiles the translation catalogues (German source strings, English translation).
#
#   scripts/i18n.sh            makemessages for de + en, re-append the allauth overrides to the
#                              German catalogue, compile both, list what is left to translate
#   scripts/i18n.sh --compile  only compile (after editing a .po file by hand)
#
# Needs GNU gettext (msgfmt, msgcat, msgcomm, msgattrib). The compiled .mo files are committed,
# so running the app or the tests does not. How to add and translate strings: docs/i18n.md.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
# The settings refuse to start without SECRET_KEY unless DEBUG is on; nothing here serves requests.
export DEBUG=${DEBUG:-1}

DE=locale/de/LC_MESSAGES/django.po
EN=locale/en/LC_MESSAGES/django.po
# Formal-German ("Sie") overrides of django-allauth strings. Their msgids are not in our sources,
# so makemessages would mark them obsolete; they are kept outside LC_MESSAGES (compilemessages
# ignores the file there) and appended to $DE after every run.
OVERRIDES=locale/de/allauth-overrides.po

# Directories that hold no user-facing strings of ours (tests and benchmarks are developer-only;
# data/ holds the Destatis import files, which end in .txt like mail templates).
IGNORE=(
    --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=static --ignore=media
    --ignore=data --ignore=tests --ignore=bench --ignore=locale --ignore=test-artifacts
    --ignore='*.egg-info'
)

compile() {
    # -l limits compilemessages to our two catalogues; the ignores keep it out of .venv
    # (whose packages ship their own, already compiled, catalogues).
    "$PYTHON" manage.py compilemessages -l de -l en "${IGNORE[@]}"
}

if [[ "${1:-}" == "--compile" ]]; then
    compile
    exit 0
fi

for tool in msgfmt msgcat msgcomm msgattrib; do
    command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install gettext" >&2; exit 1; }
done

# 1. Extract. --no-obsolete: strings removed from the sources leave the catalogues (git keeps
#    the history); --add-location=file: no line numbers, so unrelated edits do not churn the diff.
"$PYTHON" manage.py makemessages -l de -l en --no-obsolete --add-location=file "${IGNORE[@]}"

# 2. Re-append the allauth overrides. A msgid in both files would be ambiguous: stop instead.
common=$(msgcomm --more-than=1 --no-location "$DE" "$OVERRIDES")  # empty when nothing is shared
if [[ -n "$common" ]]; then
    echo "error: these msgids are both in our sources and in $OVERRIDES:" >&2
    grep -A1 '^msgid' <<<"$common" | grep -v '^msgid ""$' >&2 || true
    exit 1
fi
# --use-first keeps the header of the generated catalogue.
msgcat --use-first --output-file="$DE.tmp" "$DE" "$OVERRIDES"
mv "$DE.tmp" "$DE"

# 3. Check and compile.
msgfmt --check --output-file=/dev/null "$DE"
msgfmt --check --output-file=/dev/null "$EN"
compile

# 4. What is left to translate in English (shown in German until translated).
stats=$(LC_ALL=C msgfmt --statistics --output-file=/dev/null "$EN" 2>&1)
echo "English: $stats"
if [[ "$stats" == *fuzzy* || "$stats" == *untranslated* ]]; then
    echo "Translate the empty and fuzzy entries in $EN, then run: $0 --compile" >&2
fi
