#!/usr/bin/env bash
# uvmrun boot with Debian's stock kernel: console, CPUs, memory, and every way
# a guest can end (exit status byte, poweroff, reboot, panic, timeout).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QUIET="console=ttyS0 quiet"

boot_vm info1 --cmdline "$QUIET uvmtest=info"
expect_status "guest that powers off exits 0" 0
if output_has '^UVMTEST-READY$'; then pass "console shows the guest's userspace output"; else fail "console shows the guest's userspace output" "$(vm_log)"; fi
if output_has '^UVMTEST nproc=1 '; then pass "default is 1 vCPU"; else fail "default is 1 vCPU" "$(vm_log)"; fi
kb=$(tr -d '\r' <"$OUT" | sed -n 's/.*memtotal_kb=\([0-9]*\).*/\1/p')
if [[ -n $kb ]] && ((kb > 180 * 1024 && kb <= 256 * 1024)); then
	pass "default 256 MiB: guest MemTotal ${kb} kB"
else
	fail "default 256 MiB: guest MemTotal ${kb:-?} kB" "$(vm_log)"
fi

boot_vm info2 --cpus 2 --memory 1024 --cmdline "$QUIET uvmtest=info"
if output_has '^UVMTEST nproc=2 '; then pass "--cpus 2: guest sees 2 CPUs"; else fail "--cpus 2: guest sees 2 CPUs" "$(vm_log)"; fi
kb=$(tr -d '\r' <"$OUT" | sed -n 's/.*memtotal_kb=\([0-9]*\).*/\1/p')
if [[ -n $kb ]] && ((kb > 900 * 1024 && kb <= 1024 * 1024)); then
	pass "--memory 1024: guest MemTotal ${kb} kB"
else
	fail "--memory 1024: guest MemTotal ${kb:-?} kB" "$(vm_log)"
fi

boot_vm info3 --cpus 4 --memory 3584 --cmdline "$QUIET uvmtest=info"
kb=$(tr -d '\r' <"$OUT" | sed -n 's/.*memtotal_kb=\([0-9]*\).*/\1/p')
if output_has '^UVMTEST nproc=4 ' && [[ -n $kb ]] && ((kb > 3300 * 1024)); then
	pass "--cpus 4 --memory 3584 (RAM above the 3 GiB hole): ${kb} kB"
else
	fail "--cpus 4 --memory 3584 (RAM above the 3 GiB hole): ${kb:-?} kB" "$(vm_log)"
fi

boot_vm exit5 --cmdline "$QUIET uvmtest=exit:5"
expect_status "byte 5 written to port 0xf4 is the exit status" 5
boot_vm exit0 --cmdline "$QUIET uvmtest=exit:0"
expect_status "byte 0 written to port 0xf4 is the exit status" 0
boot_vm exit255 --cmdline "$QUIET uvmtest=exit:255"
expect_status "byte 255 written to port 0xf4 is the exit status" 255

boot_vm reboot --cmdline "$QUIET uvmtest=reboot"
expect_status "guest reboot exits 122" 122
boot_vm reboot-kbd --cmdline "$QUIET reboot=k uvmtest=reboot"
expect_status "guest reboot through the keyboard controller exits 122" 122

boot_vm panic --cmdline "$QUIET uvmtest=panic"
expect_status "guest kernel panic exits 123" 123
if grep -q "panic" "$ERR"; then pass "panic is reported on stderr"; else fail "panic is reported on stderr" "$(vm_log)"; fi

start=$(date +%s)
boot_vm timeout --timeout 2 --cmdline "$QUIET uvmtest=hang"
elapsed=$(($(date +%s) - start))
expect_status "--timeout expiry exits 124" 124
if grep -q "timeout" "$ERR" && ((elapsed < 60)); then pass "--timeout kills the VM promptly (${elapsed}s)"; else fail "--timeout kills the VM promptly (${elapsed}s)" "$(vm_log)"; fi

# stdin from a pipe reaches the guest's console.
OUT=$E2E_TMP/stdin.out ERR=$E2E_TMP/stdin.err
echo "piped line" | timeout -k 10 "$VM_LIMIT" "$UVMRUN" boot --kernel "$KERNEL" --initrd "$TEST_INITRD" \
	--cmdline "$QUIET uvmtest=echo-stdin" >"$OUT" 2>"$ERR"
STATUS=$?
if [[ $STATUS == 0 ]] && output_has '^GOT: piped line$'; then pass "stdin pipe reaches the guest"; else fail "stdin pipe reaches the guest" "status $STATUS" "$(vm_log)"; fi

# stdin from a terminal: raw mode, typed bytes reach the guest. script(1)
# gives uvmrun a pseudo-terminal; a FIFO held open feeds it keystrokes.
OUT=$E2E_TMP/tty.out ERR=$E2E_TMP/tty.err
mkfifo "$E2E_TMP/keys"
timeout -k 10 "$VM_LIMIT" script -qfec \
	"$UVMRUN boot --kernel $KERNEL --initrd $TEST_INITRD --cmdline '$QUIET uvmtest=echo-stdin'" /dev/null \
	<"$E2E_TMP/keys" >"$OUT" 2>"$ERR" &
vm=$!
exec 3>"$E2E_TMP/keys"
for _ in $(seq "$VM_LIMIT"); do
	output_has UVMTEST-READY && break
	sleep 1
done
sleep 2
printf 'typed line\r' >&3
wait "$vm"
STATUS=$?
exec 3>&-
if [[ $STATUS == 0 ]] && output_has 'GOT: typed line'; then pass "terminal stdin reaches the guest"; else fail "terminal stdin reaches the guest" "status $STATUS" "$(vm_log)"; fi

# The least memory uvmrun accepts for this kernel and initrd really boots.
min=$("$UVMRUN" boot --kernel "$KERNEL" --initrd "$TEST_INITRD" --memory 32 2>&1 | sed -n 's/.*need at least \([0-9]*\) MiB.*/\1/p')
boot_vm minmem --memory "${min:-0}" --cmdline "$QUIET uvmtest=info"
if [[ -n $min && $STATUS == 0 ]] && output_has '^UVMTEST nproc=1 '; then
	pass "boots in the least memory uvmrun accepts (${min} MiB)"
else
	fail "boots in the least memory uvmrun accepts (${min:-?} MiB)" "status $STATUS" "$(vm_log)"
fi
