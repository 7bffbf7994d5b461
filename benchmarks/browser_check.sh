#!/usr/bin/env bash
# Look at `veille serve` and the weekly brief in a real headless browser. Open the PNGs to check them.
#
#   apt-get install -y chromium            # Debian's Chromium, once
#   benchmarks/browser_check.sh [OUT_DIR]  # default OUT_DIR: /tmp/veille-browser
#
# serve: builds the small test database, serves it on a free loopback port, and screenshots the
# home page (the questions to ask, then the tables), the database index (tables with descriptions, canned queries), the money table for Bpifrance and an
# articles search. brief: runs `veille demo` in French and English and screenshots each HTML brief
# at a browser width (900 px) and a mail client's (600 px). The DOM of each page is also saved
# (*.html) for grepping.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-/tmp/veille-browser}"
mkdir -p "$OUT"
CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$CHROMIUM" ] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 1; }
DB="$OUT/veille.db"
rm -f "$DB" "$DB-wal" "$DB-shm"
python -c "import sys; from tests.test_queries import build; build(sys.argv[1])" "$DB"
PORT="$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python -m crawler.cli serve --db "$DB" --port "$PORT" >"$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -fs "http://127.0.0.1:$PORT/-/versions.json" >/dev/null && break; sleep 0.5; done
BASE="http://127.0.0.1:$PORT/veille"
shoot() {  # name url [width,height]
  local profile; profile="$(mktemp -d)"
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
    --window-size="${3:-1280,900}" --screenshot="$OUT/$1.png" "$2" 2>/dev/null
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" --dump-dom "$2" >"$OUT/$1.html" 2>/dev/null
  rm -rf "$profile"
  echo "$OUT/$1.png"
}
shoot home "http://127.0.0.1:$PORT/"
shoot index "$BASE"
shoot money "$BASE/amounts?currency=EUR&min=1e6&name=Bpifrance"
shoot search "$BASE/articles?_search=reglementation"
grep -q "The money table" "$OUT/money.html" && grep -q "Mistral AI et Bpifrance" "$OUT/money.html" \
  && echo "ok: the money table lists Bpifrance's amounts" || { echo "money table not rendered" >&2; exit 1; }

kill $SERVER 2>/dev/null || true
for lang in fr en; do
  rm -rf "$OUT/brief-$lang" "$OUT/demo-$lang.db" "$OUT/demo-$lang.db-wal" "$OUT/demo-$lang.db-shm"
  python -m crawler.cli demo --db "$OUT/demo-$lang.db" -o "$OUT/brief-$lang" --lang "$lang" >"$OUT/demo-$lang.log" 2>&1
  HTML="$(ls "$OUT/brief-$lang"/brief-*.html)"
  shoot "brief-$lang-900" "file://$HTML" 900,3000
  shoot "brief-$lang-600" "file://$HTML" 600,3400
done
# the rendered DOM, not the file: what a reader gets once the browser has parsed it
grep -q "Chiffres clés" "$OUT/brief-fr-900.html" && grep -q "Key figures" "$OUT/brief-en-900.html" \
  && grep -q 'src="data:image/png;base64,' "$OUT/brief-fr-600.html" \
  && ! grep -qi "<script" "$OUT/brief-fr-900.html" \
  && echo "ok: both briefs render with their key figures and PNG charts, no script" \
  || { echo "brief not rendered as expected" >&2; exit 1; }
# the deal network picture sits between the deals table and the key figures, once
python - "$OUT/brief-en-900.html" <<'PY' && echo "ok: the deal network is drawn under the deals table" \
  || { echo "deal network missing or misplaced" >&2; exit 1; }
import sys
html = open(sys.argv[1], encoding="utf-8").read()
alt = 'alt="Who partners with, invests in or funds whom this week"'
assert html.count(alt) == 1 and html.index("Deals of the week") < html.index(alt) < html.index("Key figures")
PY
