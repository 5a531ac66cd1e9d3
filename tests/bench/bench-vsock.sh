#!/usr/bin/env bash
# vsock stream throughput, host to guest and guest to host (vsock-tool,
# 1 MiB writes, 512 MiB each way).
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh" >/dev/null
T=$E2E_TMP
sock=$T/v.sock
tool=$BUILD/tests/vsock-tool
echo "# vsock: 1 vCPU, one stream each way, 512 MiB, through the VMM's Unix sockets"
timeout 300 "$tool" host-sink "${sock}_7000" >"$T/g2h" &
sinker=$!
printf '%s\n' 'vsock-tool guest-sink 6000 & sleep 1; vsock-tool guest-source 7000 512; wait' >"$T/script"
truncate -s 4096 "$T/script"
OUT=$T/vm.out
timeout -k 10 "$VM_LIMIT" "$UVMRUN" boot --kernel "$KERNEL" --initrd "$TEST_INITRD" \
	--cmdline "console=ttyS0 quiet uvmtest=script" --disk "$T/script,ro,serial=uvmtest-script" \
	--vsock "$sock" >"$OUT" 2>/dev/null </dev/null &
vm=$!
for _ in $(seq "$VM_LIMIT"); do output_has '^LISTENING 6000' && break; kill -0 $vm 2>/dev/null || break; sleep 1; done
h2g=$(timeout 300 "$tool" host-source "$sock" 6000 512)
wait "$vm" "$sinker"
echo "  host -> guest: ${h2g#sent 512 MiB at }"
echo "  guest -> host: $(sed 's/received 512 MiB at //' "$T/g2h")"
