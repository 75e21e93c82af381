#!/usr/bin/env bash
# Generator benchmark: full generation of idl/ by idlc against widl generating headers for the
# same interfaces (bench/widl_idl.py rewrites mapirt's extensions into MIDL widl accepts), then a
# no-op `ninja` and a rebuild after touching one IDL file. Needs hyperfine and mingw-w64-tools.
# Usage: bench/idlc.sh   (from the repository root, after `ninja`)
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"  # idlc runs from a scratch directory
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME="$tmp/xdg"  # idlc's cache (tools/idlc/cache.py): a private one
$py bench/widl_idl.py idl "$tmp/widl_idl"
n=$(ls idl/*.idl | wc -l)
echo "== full generation of $n IDL files; every run writes all its outputs again"
# The cases, on a copy of idl/ (the edits below never touch the tree):
#  unchanged    the inputs are those of the previous run: idlc reuses its outputs (the cache)
#  one edited   a comment is appended to one file before each run: that file is parsed again,
#               everything is checked and rendered again (parse/template caches warm)
#  empty cache  the cache is emptied before each run: everything from scratch, and the cache
#               written (what a first run costs)
#  cold         --no-cache into an empty directory: everything from scratch, no cache at all
#  widl         headers only, for the same interfaces, into an empty directory
cp -r idl "$tmp/idl"
files=$(cd "$tmp" && echo idl/*.idl)
hyperfine -N --warmup 2 --runs 15 --export-json "$tmp/gen.json" \
  --prepare "sh -c 'rm -rf $tmp/out/include $tmp/out/src $tmp/out/tests $tmp/cold $tmp/w'" \
  -n "idlc (unchanged)" "sh -c 'cd $tmp && $py -m tools.idlc -I idl -o out --aggregate $files'" \
  -n "idlc (cold)" "sh -c 'cd $tmp && $py -m tools.idlc --no-cache -I idl -o cold --aggregate $files'" \
  -n widl "sh -c 'mkdir -p $tmp/w && cd $tmp/widl_idl && for f in *.idl; do x86_64-w64-mingw32-widl --nostdinc -I. -h -o $tmp/w/\$f.h \$f || exit 1; done'"
hyperfine -N --warmup 2 --runs 15 --export-json "$tmp/edit.json" \
  --prepare "sh -c 'echo // edit >> $tmp/idl/mapitags.idl; rm -rf $tmp/edit/include $tmp/edit/src $tmp/edit/tests'" \
  -n "idlc (one edited)" "sh -c 'cd $tmp && $py -m tools.idlc -I idl -o edit --aggregate $files'"
hyperfine -N --warmup 2 --runs 15 --export-json "$tmp/first.json" \
  --prepare "rm -rf $tmp/xdg2 $tmp/first" \
  -n "idlc (empty cache)" "sh -c 'cd $tmp && XDG_CACHE_HOME=$tmp/xdg2 $py -m tools.idlc -I idl -o first --aggregate $files'"
$py - "$tmp/gen.json" "$tmp/edit.json" "$tmp/first.json" <<'PY'
import json, sys
r = {}
for f in sys.argv[1:]:
    r.update({x["command"]: x for x in json.load(open(f))["results"]})
w = r["widl"]["mean"]
for k in ("idlc (unchanged)", "idlc (one edited)", "idlc (empty cache)", "idlc (cold)"):
    x = r[k]
    print(f"{k}: {x['mean']*1000:.0f} ms (median {x['median']*1000:.0f}, "
          f"{x['min']*1000:.0f}-{x['max']*1000:.0f}; user+sys {(x['user']+x['system'])*1000:.0f}), "
          f"widl {w*1000:.0f} ms: ratio {x['mean']/w:.2f}x")
PY
echo "== no-op ninja"
ninja >/dev/null
hyperfine -N --warmup 3 --runs 30 -n "ninja (no-op)" "ninja"
echo "== rebuild after touching idl/mapitags.idl (content unchanged: idlc reruns, restat stops there)"
hyperfine --warmup 1 --runs 5 -n "touch + ninja" "touch idl/mapitags.idl && ninja"
