#!/usr/bin/env bash
# The release build's seccomp filter (the other end-to-end tests run the
# sanitizer build, whose filter also allows what LeakSanitizer needs): a VM
# using every device (disks, a 9p share, vsock, the console) runs to its end
# under the filter with no violation, and the filter is on by default.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

UVMRUN=$BUILD/uvmrun
T=$E2E_TMP
mkdir -p "$T/share"
echo "through the share" >"$T/share/f"
truncate -s 16M "$T/disk.img"
sock=$T/v.sock
run_script filtered '
mkdir -p /s && mount -t 9p -o trans=virtio,version=9p2000.L s /s && cat /s/f &&
echo written > /s/out && sync &&
dd if=/dev/urandom of=/dev/vdb bs=64k count=16 oflag=direct 2>/dev/null &&
dd if=/dev/vdb of=/dev/null bs=64k count=16 iflag=direct 2>/dev/null &&
(vsock-tool guest-connect 7000 </dev/null 2>/dev/null; true) && echo ALL-DONE
' --disk "$T/disk.img" --share "$T/share,tag=s" --vsock "$sock"
expect_status "seccomp: a VM using disks, a share, vsock and the console ends normally under the filter" 0
output_has '^ALL-DONE' && pass "seccomp: every device works under the filter" ||
	fail "seccomp: every device works under the filter" "$(vm_log)"
if grep -q 'seccomp' "$E2E_TMP/filtered.err"; then
	fail "seccomp: no system call outside the allow-list" "$(cat "$E2E_TMP/filtered.err")"
else
	pass "seccomp: no system call outside the allow-list"
fi
check "seccomp: the guest's write through the share is on the host" grep -qx written "$T/share/out"
check "seccomp: the filter is on by default (uvmrun boot --help offers --no-seccomp to turn it off)" \
	bash -c "'$UVMRUN' boot --help | grep -q -- --no-seccomp"
