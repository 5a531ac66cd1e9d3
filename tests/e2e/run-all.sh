#!/usr/bin/env bash
# Run each end-to-end test script (tests/e2e/*.sh but the helpers) with a
# time limit, streaming its result lines. Runs where /dev/kvm works: see
# tests/harness/with-kvm.
set -uo pipefail
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log=$(mktemp "${TMPDIR:-/tmp}/uvmrun-e2e-log.XXXXXX")
trap 'rm -f "$log"' EXIT
for script in "$dir"/*.sh; do
	case $(basename "$script") in lib.sh | setup.sh | run-all.sh) continue ;; esac
	echo "# $(basename "$script")"
	timeout -k 10 "${UVMRUN_SCRIPT_LIMIT:-1800}" bash "$script" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	if ((rc != 0)) && ! grep -q '^not ok' "$log"; then
		echo "not ok - $(basename "$script"): exited with status $rc"
	fi
done
