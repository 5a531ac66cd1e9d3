#!/usr/bin/env bash
# Bad input to uvmrun boot: each gets a one-line error naming the problem,
# exit status 125, and nothing is left running.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# expect_error NAME PATTERN CMD...: CMD exits 125 with one stderr line
# matching PATTERN, and no uvmrun process outlives it.
expect_error() {
	local name=$1 pattern=$2; shift 2
	local err=$E2E_TMP/err.txt
	timeout -k 5 60 "$@" >/dev/null 2>"$err" </dev/null
	local rc=$?
	local lines
	lines=$(wc -l <"$err")
	if ((rc != 125)); then
		fail "$name" "exit status $rc, expected 125" "$(cat "$err")"
	elif [[ $lines != 1 ]] || ! grep -qE -e "$pattern" "$err"; then
		fail "$name" "stderr does not match '$pattern' in one line:" "$(cat "$err")"
	elif pgrep -f "uvmrun-e2e-marker-$name" >/dev/null; then
		fail "$name" "a uvmrun process is still running"
	else
		pass "$name"
	fi
}

# The marker in the command line lets pgrep find a leftover VMM.
boot() { echo "$UVMRUN" boot --cmdline "uvmrun-e2e-marker-$1"; }

expect_error "kernel that does not exist" "vmlinuz-missing: No such file" \
	$(boot missing) --kernel "$E2E_TMP/vmlinuz-missing"
expect_error "ELF vmlinux instead of a bzImage" "not a bzImage: this is an ELF file" \
	$(boot elf) --kernel /bin/true
printf 'just some text\n%.0s' {1..200} >"$E2E_TMP/text-kernel"
expect_error "text file as the kernel" "text-kernel: not a bzImage" \
	$(boot text) --kernel "$E2E_TMP/text-kernel"
head -c 4096 "$KERNEL" >"$E2E_TMP/truncated-kernel"
expect_error "truncated bzImage" "truncated bzImage" \
	$(boot truncated) --kernel "$E2E_TMP/truncated-kernel"
expect_error "initrd that does not exist" "initrd .*initrd-missing: No such file" \
	$(boot noinitrd) --kernel "$KERNEL" --initrd "$E2E_TMP/initrd-missing"
expect_error "initrd that is a directory" "initrd .*: not a regular file" \
	$(boot dirinitrd) --kernel "$KERNEL" --initrd "$E2E_TMP"
expect_error "too little memory" "memory 32 MiB is too little .* need at least [0-9]+ MiB" \
	$(boot smallmem) --kernel "$KERNEL" --initrd "$TEST_INITRD" --memory 32
expect_error "more memory than the host has" "more than this host's" \
	$(boot hugemem) --kernel "$KERNEL" --memory 4000000
expect_error "zero vCPUs" "--cpus: 0 is outside" $(boot zerocpu) --kernel "$KERNEL" --cpus 0
expect_error "unknown option" "unknown option '--frobnicate'" \
	$(boot badopt) --kernel "$KERNEL" --frobnicate
expect_error "missing --kernel" "--kernel is required" "$UVMRUN" boot

# Without /dev/kvm, and with something at /dev/kvm that is not KVM (both in
# a private mount namespace, so the machine's own /dev is untouched).
if command -v unshare >/dev/null && unshare --mount true 2>/dev/null; then
	expect_error "no /dev/kvm" "/dev/kvm does not exist" unshare --mount sh -c \
		"mount -t tmpfs none /dev && exec $UVMRUN boot --kernel $KERNEL --initrd $TEST_INITRD --cmdline uvmrun-e2e-marker-nokvm"
	expect_error "/dev/kvm that is not a KVM device" "/dev/kvm is not a usable KVM device" unshare --mount sh -c \
		"mount --bind /dev/null /dev/kvm && exec $UVMRUN boot --kernel $KERNEL --initrd $TEST_INITRD --cmdline uvmrun-e2e-marker-badkvm"
else
	fail "no /dev/kvm" "unshare --mount is not available here (needs root)"
	fail "/dev/kvm that is not a KVM device" "unshare --mount is not available here (needs root)"
fi
