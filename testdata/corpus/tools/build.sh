#!/usr/bin/env bash
# Renders the corpus's HTML sources (testdata/corpus/src) into the documents
# the detector reads (testdata/corpus/docs), in the format corpus.json gives
# each one: PDF by LibreOffice or by Chromium, DOCX or ODT by LibreOffice.
# Two producers, so that the model does not learn one PDF writer's layout.
#
#   testdata/corpus/tools/build.sh [ID...]     # all documents, or those named
#
# Needs soffice (LibreOffice), chromium and python3. Dates and ids in the
# outputs are normalised so that two runs give the same bytes (LibreOffice).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export TZ=UTC LC_ALL=C.UTF-8
command -v soffice >/dev/null || { echo "build.sh: soffice (LibreOffice) not found" >&2; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/corpus-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
profile="file://$work/profile"
mkdir -p docs "$work/out"

python3 tools/manifest.py --list | if [ $# -gt 0 ]; then grep -E "^($(IFS='|'; echo "$*")) "; else cat; fi >"$work/list"

# One LibreOffice run per format (its start-up is most of the cost).
declare -A batch=()
while read -r id file producer; do
  ext="${file##*.}"
  case "$producer:$ext" in
    chromium:pdf)
      chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
        --user-data-dir="$work/chrome" --no-pdf-header-footer --print-to-pdf="$work/out/$id.pdf" "file://$here/src/$id.html" >/dev/null 2>&1
      ;;
    libreoffice:pdf | libreoffice:docx | libreoffice:odt) batch[$ext]+=" src/$id.html" ;;
    *) echo "build.sh: $id: no way to make $ext with $producer" >&2; exit 1 ;;
  esac
done <"$work/list"
for ext in "${!batch[@]}"; do
  target=$ext
  [ "$ext" = docx ] && target='docx:MS Word 2007 XML'
  # shellcheck disable=SC2086
  soffice -env:UserInstallation="$profile" --headless --norestore --infilter="HTML (StarWriter)" \
    --convert-to "$target" --outdir "$work/out" ${batch[$ext]} >/dev/null 2>&1
done
while read -r id file producer; do
  [ -s "$work/out/$id.${file##*.}" ] || { echo "build.sh: $id: nothing produced" >&2; exit 1; }
done <"$work/list"

# Normalise what varies from run to run (LibreOffice: dates, /ID, zip times).
python3 - "$work/out" <<'PY'
import hashlib, os, re, sys, zipfile
out = sys.argv[1]
for name in sorted(os.listdir(out)):
    path = os.path.join(out, name)
    if name.endswith('.pdf'):
        b = open(path, 'rb').read()
        b = re.sub(rb'(/(?:CreationDate|ModDate)\s*\(D:)\d{14}', rb'\g<1>20260101000000', b)
        h = hashlib.md5(re.sub(rb'<[0-9A-Fa-f]{32}>', b'', b)).hexdigest().upper().encode()
        b = re.sub(rb'/ID\s*\[\s*<[0-9A-Fa-f]{32}>\s*<[0-9A-Fa-f]{32}>\s*\]', lambda m: re.sub(rb'[0-9A-Fa-f]{32}', h, m.group(0)), b)
        open(path, 'wb').write(b)
    elif name.endswith(('.docx', '.odt')):
        src = zipfile.ZipFile(path)
        tmp = path + '.tmp'
        with zipfile.ZipFile(tmp, 'w') as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == 'settings.xml':
                    data = re.sub(rb'<config:config-item config:name="Rsid" config:type="int">\d+</config:config-item>', b'', data)
                zi = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
                zi.compress_type = info.compress_type
                zi.external_attr = info.external_attr
                dst.writestr(zi, data)
        src.close()
        os.replace(tmp, path)
PY
cp "$work"/out/* docs/
echo "build.sh: $(ls "$work/out" | wc -l) documents written to $here/docs" >&2
