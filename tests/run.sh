#!/usr/bin/env bash
# Build, then run every test: the unit tests (built with ASan+UBSan) on this
# machine, then the end-to-end tests through the KVM harness (natively with
# hardware KVM, else in a nested guest). Each test prints "ok - ..." or
# "not ok - ..."; the last line is the count: "N passed, N failed".
#   tests/run.sh [--unit | --e2e]
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

if [[ $what == all || $what == --e2e ]]; then
	echo "# end-to-end tests"
	"$REPO/tests/harness/with-kvm" -- "$REPO/tests/e2e/run-all.sh" 2>&1 | record
	rc=${PIPESTATUS[0]}
	if ((rc != 0)) && ! grep -q '^not ok' "$results"; then
		echo "not ok - end-to-end run: harness exited with status $rc" | record
	fi
fi

passed=$(grep -c '^ok ' "$results")
failed=$(grep -c '^not ok ' "$results")
echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
