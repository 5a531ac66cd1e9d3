#!/usr/bin/env bash
# The demo behind `make demo`: a container in its own utility VM, from a
# ContainerConfig. It builds the utility VM image (`uvmrun mkimage`: Debian's
# kernel, the guest agent, crun), a busybox layer as an ext4 disk, fills in
# examples/hello.json's paths, and runs `uvmrun run` with a command: the VM
# boots, the agent creates the container through crun, runs the command with
# its output here, and the VM powers off. Where this machine has no hardware
# KVM, uvmrun runs inside the nested test harness (QEMU TCG), and says so.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tests/lib/common.sh"
setup_out=$("$REPO/tests/e2e/setup.sh")
export "$(echo "$setup_out" | grep '^UVMRUN_KERNEL_PACKAGE=')"
source "$REPO/tests/lib/agent-image.sh"
fetch_kernel >/dev/null
build_agent_images

mkdir -p "$BUILD/demo"
sed -e "s|@BUILD@|$BUILD|g" -e "s|@REPO@|$REPO|g" -e "s|@KVER@|$KVER|g" \
	"$REPO/examples/hello.json" >"$BUILD/demo/hello.json"
# The scratch disk and the state folder go where the VMM can write, also
# inside the nested guest (which sees this tree read-only, /tmp fresh).
work=/tmp/uvmrun-demo
rm -rf "$work" /tmp/uvmrun-demo-scratch
script='echo "Hello from container $(hostname) in a uvmrun utility VM";
echo "kernel $(uname -r), $(nproc) CPUs, pid 1 is $(cat /proc/1/comm)";
echo "a mapped folder: $(ls /examples | tr "\n" " ")"; exit 3'
cmd=("$UVMRUN" run --root "$work/state" "$BUILD/demo/hello.json" sh -c "$script")
echo "\$ uvmrun run --root $work/state build/demo/hello.json sh -c '...'"
status=0
if grep -qwE 'vmx|svm' /proc/cpuinfo && "$BUILD/tests/kvm-probe" >/dev/null; then
	"${cmd[@]}" || status=$?
else
	echo "(no hardware KVM on this machine: running it inside the test harness's nested guest, QEMU TCG; this takes about a minute)"
	"$REPO/tests/harness/with-kvm" --nested -- "${cmd[@]}" || status=$?
fi
echo "the container's exit status: $status"
((status == 3))
