#!/usr/bin/env bash
# Boot speed and VMM memory overhead: `uvmrun boot` of Debian's stock kernel
# with the small test initrd, 1 vCPU, 256 MiB; time from starting uvmrun to
# the guest's first userspace line (median of 5) and peak RSS minus guest
# memory touched.
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh" >/dev/null
echo "# boot: Debian kernel $KVER, busybox initrd, 1 vCPU, 256 MiB, cmdline 'console=ttyS0 quiet'"
"$BUILD/tests/boot-bench" --runs 5 --marker UVMTEST-READY -- \
	"$UVMRUN" boot --kernel "$KERNEL" --initrd "$TEST_INITRD" --report-memory \
	--cmdline "console=ttyS0 quiet uvmtest=exit:0"
