#!/usr/bin/env bash
# Generator benchmark: idlc against widl run as a Ninja build runs it (one job per IDL file, as
# many at once as there are cores), then a no-op `ninja` and a rebuild after touching one IDL
# file. Timed by bench/idlc_widl.py (no hyperfine); needs mingw-w64-tools (tools/install-deps).
# Usage: bench/idlc.sh [RUNS]   (from the repository root, after `ninja`)
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/idlc_widl.py "$@"
