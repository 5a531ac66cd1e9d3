#!/usr/bin/env bash
# Build, then run every test: the unit tests (built with ASan+UBSan) on this
# machine; the end-to-end tests through the KVM harness (natively with
# hardware KVM, else in a nested guest) with the ASan+UBSan-built VMM, so
# LeakSanitizer checks every VM's exit; and, at the same time on the other
# core, each fuzz target for FUZZ_SECONDS (default 30). Each test prints
# "ok - ..." or "not ok - ..."; the last line is the count: "N passed, N failed".
#   tests/run.sh [--unit | --e2e | --fuzz]
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

what=${1:-all}
results=$BUILD/test-results.log

# Build (installing missing Debian packages when root).
build_log=$(mktemp)
if ! make -C "$REPO" -j2 all >"$build_log" 2>&1; then
	cat "$build_log"
	rm -f "$build_log"
	echo "not ok - build (make all)"
	echo "0 passed, 1 failed"
	exit 1
fi
rm -f "$build_log"
mkdir -p "$BUILD"
: >"$results"

record() { tee -a "$results"; }

# Prepare the kernel and initrds on the host (a nested guest sees them read-only).
setup_out=$("$REPO/tests/e2e/setup.sh" 2>&1)
if (($? != 0)); then
	echo "$setup_out" >&2
	echo "not ok - test setup (kernel download, initrd build)" | record
else
	export "$(echo "$setup_out" | grep '^UVMRUN_KERNEL_PACKAGE=')"
	source "$REPO/tests/lib/common.sh"
	fetch_kernel >/dev/null
	export UVMRUN_TEST_KERNEL=$KERNEL
fi

if [[ $what == all || $what == --unit ]]; then
	echo "# unit tests (ASan+UBSan)"
	for t in "$BUILD"/tests/test-*; do
		[[ -x $t ]] || continue
		name=$(basename "$t")
		out=$(cd "$REPO" && timeout -k 5 300 "$t" 2>&1)
		rc=$?
		echo "$out" | record
		if ((rc != 0)) && ! grep -q '^not ok' <<<"$out"; then
			echo "not ok - $name: exited with status $rc" | record
		fi
	done
fi

fuzz_log=$BUILD/fuzz-results.log
fuzz_pid=
if [[ $what == all || $what == --fuzz ]]; then
	# The fuzzers run on the core the nested guest leaves free.
	make -C "$REPO" -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-30}" >"$fuzz_log" 2>&1 &
	fuzz_pid=$!
fi

if [[ $what == all || $what == --e2e ]]; then
	echo "# end-to-end tests (VMM built with ASan+UBSan)"
	UVMRUN_BIN=${UVMRUN_BIN:-$BUILD/san/uvmrun} \
		"$REPO/tests/harness/with-kvm" -- "$REPO/tests/e2e/run-all.sh" 2>&1 | record
	rc=${PIPESTATUS[0]}
	if ((rc != 0)) && ! grep -q '^not ok' "$results"; then
		echo "not ok - end-to-end run: harness exited with status $rc" | record
	fi
fi

if [[ -n $fuzz_pid ]]; then
	echo "# fuzz targets (${FUZZ_SECONDS:-30} s each)"
	wait "$fuzz_pid"
	rc=$?
	grep -E '^(ok|not ok|#)' "$fuzz_log" | record
	if ((rc != 0)) && ! grep -q '^not ok' "$fuzz_log"; then
		tail -20 "$fuzz_log"
		echo "not ok - fuzz: make fuzz exited with status $rc" | record
	fi
fi

passed=$(grep -c '^ok ' "$results")
failed=$(grep -c '^not ok ' "$results")
echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
