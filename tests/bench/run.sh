#!/usr/bin/env bash
# make bench: prepare on the host, then run the benchmarks where /dev/kvm
# works (natively, or in the nested guest, whose figures are not comparable
# to real KVM and are labelled so).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
setup_out=$("$REPO/tests/e2e/setup.sh" 2>&1) || { echo "$setup_out" >&2; exit 1; }
export "$(echo "$setup_out" | grep '^UVMRUN_KERNEL_PACKAGE=')"
exec "$REPO/tests/harness/with-kvm" -- "$REPO/tests/bench/all.sh"
