#!/usr/bin/env bash
# virtio-vsock end to end with Debian's kernel, using Firecracker's host
# socket convention: a host program reaches a guest listener through
# "CONNECT <port>"; a guest connection to host port P reaches PATH_P; a
# megabyte echoed intact both ways (flow control under load); fifty
# connections at once; refused connections both ways.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$E2E_TMP
sock=$T/v.sock
tool=$BUILD/tests/vsock-tool

# The host listens on port 5555 before the guest connects there.
echo "REPLY from the host" | timeout 200 "$tool" host-listen "${sock}_5555" >"$T/host-got" &
hostlistener=$!

script='
vsock-tool guest-echo 1234 52 &
echo "hello from the guest" | vsock-tool guest-connect 5555
if vsock-tool guest-connect 5556 </dev/null 2>/dev/null; then echo GUEST-REFUSED-NOT; else echo GUEST-REFUSED; fi
wait
'
printf '%s\n' "$script" >"$T/script"
truncate -s 4096 "$T/script"
OUT=$T/vm.out ERR=$T/vm.err
timeout -k 10 "$VM_LIMIT" "$UVMRUN" boot --kernel "$KERNEL" --initrd "$TEST_INITRD" \
	--cmdline "console=ttyS0 quiet uvmtest=script" --disk "$T/script,ro,serial=uvmtest-script" \
	--vsock "$sock,cid=3" >"$OUT" 2>"$ERR" </dev/null &
vm=$!
for _ in $(seq "$VM_LIMIT"); do
	output_has '^LISTENING 1234' && break
	kill -0 "$vm" 2>/dev/null || break
	sleep 1
done

head -c 1M /dev/urandom >"$T/data"
timeout 120 "$tool" host-connect "$sock" 1234 <"$T/data" >"$T/echoed"
if cmp -s "$T/data" "$T/echoed"; then pass "1 MiB through CONNECT to a guest listener comes back intact"; else fail "1 MiB through CONNECT to a guest listener comes back intact" "got $(stat -c %s "$T/echoed") bytes" "$(vm_log)"; fi

clients=()
for i in $(seq 50); do
	(echo "connection $i" | timeout 120 "$tool" host-connect "$sock" 1234 >"$T/c$i") &
	clients+=($!)
done
wait "${clients[@]}"
ok=0
for i in $(seq 50); do [[ $(cat "$T/c$i") == "connection $i" ]] && ok=$((ok + 1)); done
if ((ok == 50)); then pass "50 concurrent connections each get their own stream"; else fail "50 concurrent connections each get their own stream" "$ok of 50"; fi

if timeout 60 "$tool" host-connect "$sock" 9999 </dev/null >/dev/null 2>&1; then
	fail "CONNECT to a port nobody listens on is refused"
else
	pass "CONNECT to a port nobody listens on is refused"
fi
# The echo server takes one more connection, then the guest script ends.
echo last | timeout 60 "$tool" host-connect "$sock" 1234 >/dev/null

wait "$vm"
STATUS=$?
wait "$hostlistener"
expect_status "guest with a vsock device runs and powers off" 0
if output_has '^REPLY from the host$' && [[ $(cat "$T/host-got") == "hello from the guest" ]]; then
	pass "a guest connection to host port 5555 reaches the Unix socket PATH_5555, both ways"
else
	fail "a guest connection to host port 5555 reaches the Unix socket PATH_5555, both ways" "host got: $(cat "$T/host-got")" "$(vm_log)"
fi
if output_has '^GUEST-REFUSED$'; then pass "a guest connection to a host port nobody listens on is refused"; else fail "a guest connection to a host port nobody listens on is refused" "$(vm_log)"; fi
if [[ ! -e $sock ]]; then pass "the VMM removes its vsock socket at exit"; else fail "the VMM removes its vsock socket at exit"; fi
