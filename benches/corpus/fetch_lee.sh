#!/usr/bin/env bash
# Fetches the Lee corpus (300 ABC news articles) from the gensim wheel's test
# data into benches/corpus/cache/. The text is not committed to the project.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="$here/cache"
target="$cache/lee_background.cor"
[ -s "$target" ] && { echo "$target"; exit 0; }
mkdir -p "$cache"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" gensim >&2
python3 - "$tmp" "$target" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/gensim-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("gensim/test/test_data/lee_background.cor")
open(sys.argv[2], "wb").write(data)
PY
echo "$target"
