#!/usr/bin/env bash
# The jail (uvmrun boot --jail-user): the release-build VMM runs as an
# unprivileged user in its own mount namespace where only the VM's files are
# visible, and the VM works: a disk written, a read-only share read, a vsock
# device whose socket the jailed VMM creates.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

UVMRUN=$BUILD/uvmrun
T=$E2E_TMP
J=$T/jail
mkdir -p "$J" "$T/share"
echo "shared text" >"$T/share/f"
truncate -s 16M "$J/disk.img"
chown -R 65534:65534 "$J"
chmod 755 "$T"
run_script jailed '
mkdir -p /s && mount -t 9p -o trans=virtio,version=9p2000.L,ro s /s && cat /s/f &&
echo "written in jail" | dd of=/dev/vdb bs=512 conv=sync oflag=direct 2>/dev/null && echo JAILED-READY &&
sleep 8 && echo JAILED-DONE
' --disk "$J/disk.img" --share "$T/share,tag=s,ro" --vsock "$J/v.sock" --jail-user 65534:65534 &
vm=$!
for _ in $(seq "$VM_LIMIT"); do
	grep -q JAILED-READY "$E2E_TMP/jailed.out" 2>/dev/null && break
	kill -0 "$vm" 2>/dev/null || break
	sleep 1
done
pid=$(pgrep -f "^$UVMRUN boot .*--jail-user" | head -1)
uid=$(awk '/^Uid:/ {print $2}' "/proc/${pid:-0}/status" 2>/dev/null)
check "jail: the VMM runs as the jail's user (uid ${uid:-?})" test "$uid" = 65534
seen=$(ls -A "/proc/${pid:-0}/root/" 2>/dev/null | tr '\n' ' ')
top_t=$(echo "$T" | cut -d/ -f2)
top_k=$(echo "$KERNEL" | cut -d/ -f2)
want=$(printf '%s\n' dev proc "$top_t" "$top_k" "$(echo "$TEST_INITRD" | cut -d/ -f2)" | sort -u | tr '\n' ' ')
check "jail: its root holds only the VM's files (sees: $seen)" test "$seen" = "$want"
check "jail: the host's /etc is not visible to it" test ! -e "/proc/${pid:-0}/root/etc/passwd"
check "jail: its /proc shows processes only (no /proc/sys)" test ! -e "/proc/${pid:-0}/root/proc/sys/kernel"
wait "$vm"
OUT=$E2E_TMP/jailed.out ERR=$E2E_TMP/jailed.err
output_has '^JAILED-DONE' && pass "jail: the VM ran to its end with a disk, a share and vsock" ||
	fail "jail: the VM ran to its end with a disk, a share and vsock" "$(vm_log)"
check "jail: the guest read the share" grep -q '^shared text' "$E2E_TMP/jailed.out"
check "jail: the guest's write is on the disk" grep -q 'written in jail' "$J/disk.img"
check "jail: the vsock socket was made by the jailed user" bash -c "[[ \$(stat -c %u '$J/v.sock' 2>/dev/null) == 65534 || ! -e '$J/v.sock' ]]"
