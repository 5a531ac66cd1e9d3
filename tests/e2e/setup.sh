#!/usr/bin/env bash
# Prepare, on the host, everything the end-to-end tests read: the Debian
# kernel and the test initrds. (A nested guest sees this tree read-only.)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$REPO/tests/lib/initrd.sh"
fetch_kernel
build_test_initrd
echo "UVMRUN_KERNEL_PACKAGE=$(basename "$(dirname "$KERNEL_ROOT")")"
