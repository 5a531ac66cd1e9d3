#!/usr/bin/env bash
# A hostile guest against the VMM, and one VM against another: a guest that
# unbinds its virtio drivers and drives every device (disk, 9p, vsock, rng)
# with garbage (virtio-chaos: wild descriptors, looping chains, bad rings,
# random registers, notifications) leaves the VMM running, and still powers
# off normally; a guest that spins on all its vCPUs and exhausts its memory
# keeps within its RAM on the host and does not stop a second VM from
# booting and running.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$E2E_TMP
mkdir -p "$T/share"
echo data >"$T/share/f"
truncate -s 16M "$T/disk.img"

# ---- garbage on every virtio queue (but the script's own disk).
run_script chaos '
for d in /sys/bus/pci/devices/*; do
	[ "$(cat $d/vendor)" = 0x1af4 ] || continue
	ls -d $d/virtio*/block/vda >/dev/null 2>&1 && continue
	set -- "$@" $d
done
echo "CHAOS on $#"
virtio-chaos 12 "$@"
echo CHAOS-DONE
' --disk "$T/disk.img" --share "$T/share,tag=s" --vsock "$T/v.sock" --cpus 2
expect_status "isolation: a guest driving every virtio device with garbage leaves the VMM running to a normal end" 0
n=$(grep -c 'rounds on' "$OUT")
if output_has '^CHAOS-DONE' && ((n >= 4)); then
	pass "isolation: the hostile driver ran on the disk, 9p, vsock and rng devices ($n devices)"
else
	fail "isolation: the hostile driver ran on the disk, 9p, vsock and rng devices" "$n devices" "$(vm_log)"
fi
if grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' "$E2E_TMP/chaos.err"; then
	fail "isolation: no sanitizer report from the VMM" "$(grep -E -m3 'Sanitizer|runtime error' "$E2E_TMP/chaos.err")"
else
	pass "isolation: no sanitizer report from the VMM"
fi
check "isolation: the host folder behind the share is untouched" bash -c "[[ \$(ls '$T/share') == f && \$(cat '$T/share/f') == data ]]"

# ---- a VM that spins and exhausts its memory next to one that works.
printf '%s\n' '
for i in 1 2; do (while :; do :; done) & done
echo HOG-STARTED
x=$(head -c 600M /dev/zero | tr "\0" x)
echo HOG-SURVIVED-OOM
while :; do :; done
' >"$T/hog.script"
truncate -s 4096 "$T/hog.script"
timeout -k 5 "$VM_LIMIT" "$UVMRUN" boot --kernel "$KERNEL" --initrd "$TEST_INITRD" --cpus 2 --memory 256 \
	--cmdline "console=ttyS0 quiet uvmtest=script" --disk "$T/hog.script,ro,serial=uvmtest-script" \
	>"$T/hog.out" 2>&1 </dev/null &
hog=$!
for _ in $(seq 120); do grep -q HOG-STARTED "$T/hog.out" && break; sleep 1; done
run_script neighbour 'echo NEIGHBOUR-ALIVE; exit 7'
expect_status "isolation: a second VM boots and runs while the first spins and exhausts its memory" 7
vmm=$(pgrep -P "$hog" | head -1)
hwm=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/${vmm:-0}/status" 2>/dev/null)
check "isolation: the spinning VM kept to its memory on the host (peak RSS ${hwm:-?} MiB for 256 MiB of RAM)" \
	bash -c "[[ -n '$hwm' ]] && (( $hwm <= 256 + 192 ))"
check "isolation: the hog's VMM is still running, its guest busy" kill -0 "$hog"
kill "$hog" 2>/dev/null
wait "$hog" 2>/dev/null || true   # ended by our signal: not the script's status
