# Helpers for end-to-end test scripts: result lines, a scratch folder that is
# removed at exit, and booting the test guest with a time limit. Source it.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
source "$REPO/tests/lib/initrd.sh"

E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/uvmrun-e2e.XXXXXX")
trap 'rm -rf "$E2E_TMP"' EXIT

# Seconds any single VM may take before the test fails (nested guests are slow).
VM_LIMIT=${UVMRUN_VM_LIMIT:-240}

pass() { echo "ok - $1"; }
fail() {
	echo "not ok - $1"
	shift
	local line
	for line in "$@"; do echo "#   $line"; done
}
# check NAME COMMAND...: pass when the command succeeds.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name" "failed: $*"; fi
}

# boot_vm NAME [uvmrun boot options...]: boot the test guest; its console goes
# to $E2E_TMP/NAME.out, stderr to NAME.err, the exit status to STATUS.
boot_vm() {
	local name=$1; shift
	OUT=$E2E_TMP/$name.out
	ERR=$E2E_TMP/$name.err
	timeout -k 10 "$VM_LIMIT" "$UVMRUN" boot --kernel "$KERNEL" --initrd "$TEST_INITRD" "$@" \
		>"$OUT" 2>"$ERR" </dev/null
	STATUS=$?
}

# The last lines of a VM's output and errors, for failure messages.
vm_log() {
	tail -n 5 "$OUT" "$ERR" 2>/dev/null | tr -d '\r' | sed 's/^/    /'
}

# expect_status NAME WANT: the last boot_vm ended with status WANT.
expect_status() {
	if [[ $STATUS == "$2" ]]; then
		pass "$1"
	else
		fail "$1" "exit status $STATUS, expected $2" "$(vm_log)"
	fi
}

# output_has PATTERN: the last VM's console has a line matching PATTERN (ERE).
output_has() {
	tr -d '\r' <"$OUT" | grep -qE "$1"
}

fetch_kernel >/dev/null || { fail "fetch Debian kernel"; exit 1; }
build_test_initrd || { fail "build test initrd"; exit 1; }

# run_script NAME SCRIPT [uvmrun boot options...]: boot the test guest with
# SCRIPT (shell text) on a disk (vda, serial uvmtest-script) and run it;
# its exit status becomes STATUS. Further disks given in the options are
# vdb, vdc, ... in order.
run_script() {
	local name=$1 script=$2; shift 2
	local disk=$E2E_TMP/$name.script
	printf '%s\n' "$script" >"$disk"
	truncate -s $(( ($(stat -c %s "$disk") + 511) / 512 * 512 )) "$disk"
	boot_vm "$name" --cmdline "console=ttyS0 quiet uvmtest=script" \
		--disk "$disk,ro,serial=uvmtest-script" "$@"
}
