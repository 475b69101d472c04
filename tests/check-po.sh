#!/bin/sh
# Every source file with translatable strings is in po/POTFILES.in, and
# po/de.po translates every message of the current sources: none missing,
# none fuzzy, so no English is left in German output.
set -eu
cd "${1:?source root}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

grep -v '^#' po/POTFILES.in | sed '/^$/d' | sort > "$tmp/listed"
git ls-files 'core/*.c' 'plugins/*.c' \
  | xargs grep -l -E '(^|[^A-Za-z0-9_])(N?_|C_|NC_|g_dngettext|ngettext) ?\("' \
  | sort > "$tmp/found"
missing=$(comm -23 "$tmp/found" "$tmp/listed")
if [ -n "$missing" ]; then
  echo "files with translatable strings missing from po/POTFILES.in:"
  printf '  %s\n' $missing
  status=1
fi
while read -r f; do
  [ -f "$f" ] || { echo "po/POTFILES.in lists $f, which does not exist"; status=1; }
done < "$tmp/listed"

xgettext --package-name=fastflow --from-code=UTF-8 --add-comments=TRANSLATORS \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dngettext:2,3 \
  --keyword=ngettext:1,2 -f po/POTFILES.in -o "$tmp/fastflow.pot"
msgmerge --quiet --no-fuzzy-matching -o "$tmp/de.po" po/de.po "$tmp/fastflow.pot"
stats=$(msgfmt --check --statistics -o /dev/null "$tmp/de.po" 2>&1)
echo "de.po against the current sources: $stats"
case "$stats" in
  *untranslated*|*fuzzy*)
    echo "po/de.po is incomplete: scripts/update-po prints what to translate and append"
    status=1 ;;
esac
msgfmt --check -o /dev/null po/de.po || { echo "msgfmt --check fails on po/de.po"; status=1; }
exit $status
