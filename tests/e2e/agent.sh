#!/usr/bin/env bash
# The guest agent in a real utility VM: the image `uvmrun mkimage` writes
# boots Debian's kernel with the agent as PID 1; the agent calls home over
# vsock; the host client creates a container from a busybox ext4 layer and a
# scratch disk through crun, and runs processes in it (streams, exit
# statuses, terminal and resize, signals, 100 execs without leaks, process
# list, cgroup statistics, a process in the UVM), then shuts the VM down.
# The checks are in tests/tools/gcs-e2e.c.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$REPO/tests/lib/agent-image.sh"

build_agent_images || { fail "agent: the UVM image and the busybox layer (run tests/e2e/setup.sh on the host)"; exit 0; }
T=$E2E_TMP
truncate -s 256M "$T/scratch.img"
timeout -k 10 900 "$BUILD/tests/gcs-e2e" "$UVMRUN" "$UVM_IMAGE" "$BUSYBOX_LAYER" "$T/scratch.img" "$T"
rc=$?
if ((rc != 0)); then
	echo "# the VM's console (last lines):"
	tail -n 25 "$T/console.log" | sed 's/^/#   /'
	((rc == 124)) && fail "agent: the run ended within 900 s"
fi
# The scratch disk was formatted in the guest and holds the container's writes.
if debugfs -R "cat /upper/written" "$T/scratch.img" 2>/dev/null | grep -q '^kept$'; then
	pass "agent: the container's write is on the scratch disk after the VM ends"
else
	fail "agent: the container's write is on the scratch disk after the VM ends" \
		"$(debugfs -R 'ls -l /' "$T/scratch.img" 2>&1 | head -5)"
fi
