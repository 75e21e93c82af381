#!/usr/bin/env bash
# Generator benchmark: full generation of idl/ by idlc against widl generating headers for the
# same interfaces (bench/widl_idl.py rewrites mapirt's extensions into MIDL widl accepts), then a
# no-op `ninja` and a rebuild after touching one IDL file. Needs hyperfine and mingw-w64-tools.
# Usage: bench/idlc.sh   (from the repository root, after `ninja`)
set -euo pipefail
cd "$(dirname "$0")/.."
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$py bench/widl_idl.py idl "$tmp/widl_idl"
n=$(ls idl/*.idl | wc -l)
echo "== full generation of $n IDL files; every run writes all its outputs again"
# idlc warm: its parse and template cache (OUTDIR/.cache) kept, its outputs deleted before each
# run; idlc cold: --no-cache into an empty directory; widl: headers into an empty directory.
hyperfine -N --warmup 2 --runs 15 --export-json "$tmp/gen.json" \
  --prepare "rm -rf $tmp/out/include $tmp/out/src $tmp/out/tests $tmp/cold $tmp/w" \
  -n "idlc (cache warm)" "$py -m tools.idlc -I idl -o $tmp/out --aggregate $(echo idl/*.idl)" \
  -n "idlc (cold)" "$py -m tools.idlc --no-cache -I idl -o $tmp/cold --aggregate $(echo idl/*.idl)" \
  -n widl "sh -c 'mkdir -p $tmp/w && cd $tmp/widl_idl && for f in *.idl; do x86_64-w64-mingw32-widl --nostdinc -I. -h -o $tmp/w/\$f.h \$f || exit 1; done'"
$py - "$tmp/gen.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
w = r["widl"]["mean"]
for k in ("idlc (cache warm)", "idlc (cold)"):
    print(f"{k}: {r[k]['mean']*1000:.0f} ms, widl {w*1000:.0f} ms: ratio {r[k]['mean']/w:.2f}x")
PY
echo "== no-op ninja"
ninja >/dev/null
hyperfine -N --warmup 3 --runs 30 -n "ninja (no-op)" "ninja"
echo "== rebuild after touching idl/mapitags.idl (content unchanged: idlc reruns, restat stops there)"
hyperfine --warmup 1 --runs 5 -n "touch + ninja" "touch idl/mapitags.idl && ninja"
