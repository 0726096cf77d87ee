#!/usr/bin/env bash
# Regenerates the PDF, DOCX and ODT fixtures of testdata/dossiers from the
# HTML sources in this folder. The HTML files are the source of truth; edit
# them, then run:  testdata/dossiers/build.sh
#
# Needs: soffice (LibreOffice, tested with 7.4), python3 (to normalise dates and
# random ids so that two runs give byte-identical files), and for the checks at
# the end pdfinfo/pdftotext (poppler-utils), which are optional.
#
# Idempotent: outputs are rebuilt from scratch each time, in a private
# LibreOffice profile so that an open LibreOffice session does not interfere.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export TZ=UTC LC_ALL=C.UTF-8

command -v soffice >/dev/null || { echo "build.sh: soffice (LibreOffice) not found" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/dossiers-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
profile="file://$work/profile"

# name -> extra formats besides PDF
declare -A extra=(
  [e5-solide]="docx"
  [e5-moyen]="odt"
  [e5-trompeur]="docx"
  [e5-tableau]=""
  [e1-solide]="docx"
  [e1-faible]="odt"
  [e1-abreviations]=""
  [e1-court]=""
)
names=(e5-solide e5-moyen e5-trompeur e5-tableau e1-solide e1-faible e1-abreviations e1-court)

convert() { # file target
  # The HTML (StarWriter) import filter opens the page in Writer proper (not
  # Writer/Web), so PDF, DOCX and ODT all come from the same A4 layout.
  soffice -env:UserInstallation="$profile" --headless --norestore \
    --infilter="HTML (StarWriter)" --convert-to "$2" --outdir "$work/out" "$1" >/dev/null 2>&1
}

mkdir -p "$work/out"
for n in "${names[@]}"; do
  [ -f "$n.html" ] || { echo "build.sh: missing $n.html" >&2; exit 1; }
  convert "$n.html" pdf
  for f in ${extra[$n]}; do
    case "$f" in
      docx) convert "$n.html" 'docx:MS Word 2007 XML' ;;
      odt)  convert "$n.html" odt ;;
    esac
  done
done

# Normalise what LibreOffice makes vary from run to run: PDF creation date,
# document /ID and /DocChecksum (same-length replacements, so the xref table
# stays valid); zip entry timestamps and the random Rsid in ODT settings.xml.
if command -v python3 >/dev/null; then
  python3 - "$work/out" <<'PY'
import hashlib, os, re, sys, zipfile
out = sys.argv[1]
for name in sorted(os.listdir(out)):
    path = os.path.join(out, name)
    if name.endswith('.pdf'):
        b = open(path, 'rb').read()
        b = re.sub(rb'(/(?:CreationDate|ModDate)\(D:)\d{14}', rb'\g<1>20240101000000', b)
        blank = re.sub(rb'<[0-9A-F]{32}>', b'<' + b'0' * 32 + b'>', b)
        blank = re.sub(rb'/DocChecksum /[0-9A-F]{32}', b'/DocChecksum /' + b'0' * 32, blank)
        h = hashlib.md5(blank).hexdigest().upper().encode()
        b = re.sub(rb'/ID \[ ?<[0-9A-F]{32}>\s*<[0-9A-F]{32}> ?\]',
                   lambda m: re.sub(rb'[0-9A-F]{32}', h, m.group(0)), b)
        b = re.sub(rb'/DocChecksum /[0-9A-F]{32}', b'/DocChecksum /' + h, b)
        open(path, 'wb').write(b)
    elif name.endswith(('.docx', '.odt')):
        src = zipfile.ZipFile(path)
        tmp = path + '.tmp'
        with zipfile.ZipFile(tmp, 'w') as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == 'settings.xml':
                    data = re.sub(rb'(config:name="Rsid(?:Root)?" config:type="int">)\d+', rb'\g<1>1', data)
                zi = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
                zi.compress_type = info.compress_type
                zi.external_attr = 0o644 << 16
                dst.writestr(zi, data)
        src.close()
        os.replace(tmp, path)
PY
else
  echo "build.sh: python3 not found, outputs left un-normalised (dates differ between runs)" >&2
fi

for n in "${names[@]}"; do
  for f in pdf ${extra[$n]}; do
    [ -s "$work/out/$n.$f" ] || { echo "build.sh: conversion of $n.html to $f failed" >&2; exit 1; }
    mv -f "$work/out/$n.$f" "$here/$n.$f"
  done
done

if command -v pdfinfo >/dev/null && command -v pdftotext >/dev/null; then
  for n in "${names[@]}"; do
    pages=$(pdfinfo "$n.pdf" | awk '/^Pages:/ {print $2}')
    words=$(pdftotext -enc UTF-8 "$n.pdf" - | wc -w)
    printf '%-18s %s page(s), %s words\n' "$n.pdf" "$pages" "$words"
  done
fi
