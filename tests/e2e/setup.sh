#!/usr/bin/env bash
# Prepare, on the host, everything the end-to-end tests read: the Debian
# kernel the test initrds, the
# utility VM image and a busybox container layer. (A nested guest sees this tree read-only.)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$REPO/tests/lib/initrd.sh"
source "$REPO/tests/lib/agent-image.sh"
fetch_kernel
build_test_initrd
build_agent_images
echo "UVMRUN_KERNEL_PACKAGE=$(basename "$(dirname "$KERNEL_ROOT")")"
