#!/usr/bin/env bash
# Run every fuzz target for SECONDS (default 60) from its committed seeds
# (tests/fuzz/corpus/NAME), with a working corpus in build/fuzz/corpus/NAME.
# Prints "ok - fuzz NAME" or "not ok - fuzz NAME" with the crash input;
# crashes are kept in build/fuzz/crashes/ to become regression seeds.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
seconds=${1:-60}
for bin in "$BUILD"/fuzz/fuzz-*; do
	[[ -x $bin ]] || continue
	name=$(basename "$bin")
	name=${name#fuzz-}
	seeds=$REPO/tests/fuzz/corpus/$name
	work=$BUILD/fuzz/corpus/$name
	crashes=$BUILD/fuzz/crashes/$name
	mkdir -p "$work" "$crashes"
	[[ -d $seeds ]] && cp -n "$seeds"/* "$work"/ 2>/dev/null
	log=$BUILD/fuzz/$name.log
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$crashes/" \
		"$work" >"$log" 2>&1; then
		# libFuzzer's last line: "Done N runs in S second(s)".
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
		echo "ok - fuzz $name: ${seconds}s, ${runs:-?} inputs, no crash"
	else
		echo "not ok - fuzz $name"
		grep -E 'ERROR|SUMMARY|artifact_prefix|Test unit written' "$log" | head -5 | sed 's/^/#   /'
	fi
done
