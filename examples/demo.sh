#!/usr/bin/env bash
# The demo behind `make demo`: boot Debian's stock kernel with a small busybox
# initrd in a uvmrun VM; the guest says hello and powers off. Where this
# machine has no hardware KVM, the VM runs inside the nested test harness.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tests/lib/common.sh"
setup_out=$("$REPO/tests/e2e/setup.sh")
export "$(echo "$setup_out" | grep '^UVMRUN_KERNEL_PACKAGE=')"
source "$REPO/tests/lib/initrd.sh"
fetch_kernel >/dev/null
build_test_initrd

cmd=("$UVMRUN" boot --kernel "$KERNEL" --initrd "$TEST_INITRD" --cpus 2 --memory 512
     --cmdline "console=ttyS0 quiet uvmtest=hello")
echo "\$ ${cmd[*]#$REPO/}"
status=0
if grep -qwE 'vmx|svm' /proc/cpuinfo && "$BUILD/tests/kvm-probe" >/dev/null; then
	"${cmd[@]}" || status=$?
else
	echo "(no hardware KVM on this machine: running it inside the test harness's nested guest, QEMU TCG; this takes ~20 s)"
	"$REPO/tests/harness/with-kvm" --nested -- "${cmd[@]}" || status=$?
fi
echo "uvmrun exit status: $status"
exit "$status"
