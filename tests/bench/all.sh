#!/usr/bin/env bash
# Every benchmark, one after the other; each prints its own figures.
set -uo pipefail
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
case ${UVMRUN_HARNESS:-native} in
nested) echo "# KVM here: nested guest under QEMU TCG emulation; figures are 10-100x slower than real KVM and not comparable to it" ;;
*) echo "# KVM here: native /dev/kvm" ;;
esac
for b in "$dir"/bench-*.sh; do
	bash "$b"
done
