#!/usr/bin/env bash
# The HCS front door end to end: `uvmrun run` with a ContainerConfig (busybox
# layer, scratch folder, read-only and read-write mapped directories), the
# detached lifecycle (create, start, exec, ps, stats, kill, pause, resume,
# modify, shutdown, wait, delete) driven by separate uvmrun processes, a
# mapped pipe to a host socket, a host killed
# with SIGKILL, and bad configs that leave nothing behind.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$REPO/tests/lib/agent-image.sh"

build_agent_images || { fail "hcs: the UVM image and the busybox layer (run tests/e2e/setup.sh on the host)"; exit 0; }
T=$E2E_TMP
R=$T/state
mkdir -p "$T/ro" "$T/rw"
echo "from the host" >"$T/ro/greeting"
config() { # NAME [MORE_FIELDS]: a ContainerConfig on stdout ($HVRT: another HvRuntime)
	local rt=${HVRT:-'{"ImagePath": "'"$UVM_IMAGE"'"}'}
	cat <<JSON
{"SystemType": "Container", "Name": "$1", "Owner": "e2e", "HvPartition": true,
 "ContainerType": "Linux", "HostName": "hcs-e2e", "MemoryMaximumInMB": 512,
 "StorageIOPSMaximum": 100000,
 "Layers": [{"ID": "18955d65-d45a-557b-bf1c-49d6dfefc526", "Path": "$BUSYBOX_LAYER"}],
 "LayerFolderPath": "$T/scratch-$1", "StorageSandboxSize": 268435456,
 "MappedDirectories": [
   {"HostPath": "$T/ro", "ContainerPath": "/mnt/ro", "ReadOnly": true},
   {"HostPath": "$T/rw", "ContainerPath": "/mnt/rw", "ReadOnly": false, "IOPSMaximum": 5000}],
 "HvRuntime": $rt${2:-}}
JSON
}
ux() { local cmd=$1; shift; timeout -k 5 "$VM_LIMIT" "$UVMRUN" "$cmd" --root "$R" "$@"; }

# ---- uvmrun run: one command, its output and status, then nothing left.
config one >"$T/one.json"
ux run "$T/one.json" sh -c 'echo hello from $(hostname); cat /mnt/ro/greeting;
	echo written > /mnt/rw/out; touch /mnt/ro/x 2>/dev/null || echo ro-refused; exit 7' \
	>"$T/run.out" 2>"$T/run.err"
rc=$?
if ((rc == 7)) && grep -q '^hello from hcs-e2e$' "$T/run.out" && grep -q '^from the host$' "$T/run.out" &&
	grep -q '^ro-refused$' "$T/run.out"; then
	pass "hcs: run gives the command's output, exit status 7, HostName and mapped folders"
else
	fail "hcs: run gives the command's output, exit status 7, HostName and mapped folders" \
		"status $rc, out: $(head -c 300 "$T/run.out"), err: $(tail -c 300 "$T/run.err")"
fi
check "hcs: a write to a read-write mapped folder is on the host" grep -qx written "$T/rw/out"
check "hcs: run removes its compute system at the end" test ! -e "$R/one"
check "hcs: the scratch disk was created sparse in LayerFolderPath" test -e "$T/scratch-one/scratch.img"

# ---- the same, with the host process jailed as an unprivileged user.
config five >"$T/five.json"
out=$(ux run --jail-user 65534 "$T/five.json" sh -c 'cat /mnt/ro/greeting; echo from the jail' 2>&1)
check "hcs: run --jail-user: the container runs under a jailed host" \
	bash -c "grep -q '^from the host' <<<'$out' && grep -q '^from the jail' <<<'$out'"

# ---- a utility VM booted from a disk (BootSource "Vhd", `uvmrun mkimage --vhd`).
HVRT='{"ImagePath": "'"$UVM_VHD"'", "BootSource": "Vhd"}' config six >"$T/six.json"
ux create "$T/six.json" >/dev/null && ux start six
out=$(ux exec six sh -c 'cat /mnt/ro/greeting; echo from a disk-booted VM' 2>&1)
check "hcs: BootSource Vhd: the container runs in a VM booted from the VHD" \
	test "$out" = "$(printf 'from the host\nfrom a disk-booted VM')"
check "hcs: BootSource Vhd: the agent made the disk the VM's root, read-only" \
	grep -q 'root is now /dev/vd[a-z]* (ext4, read-only)' "$R/six/console.log"
ux terminate six
check "hcs: BootSource Vhd: it stops and deletes" \
	bash -c "timeout 60 '$UVMRUN' wait --root '$R' six >/dev/null && '$UVMRUN' delete --root '$R' six"

# ---- the detached lifecycle, one uvmrun process per step.
config two >"$T/two.json"
check "hcs: create makes a compute system that is not started" \
	bash -c "'$UVMRUN' create --root '$R' '$T/two.json' >/dev/null && [[ \$('$UVMRUN' state --root '$R' two) == Created ]]"
check "hcs: start boots the utility VM" ux start two
check "hcs: the state is Running" bash -c "[[ \$('$UVMRUN' state --root '$R' two) == Running ]]"
# The first process is the container's init (the container lives as long as it).
ux exec two sh -c 'echo init up; exec sleep 100000' >"$T/init.out" 2>&1 &
init=$!
for _ in $(seq 120); do grep -q 'init up' "$T/init.out" && break; sleep 1; done
check "hcs: the first process starts the container (its init)" grep -q 'init up' "$T/init.out"
out=$(echo "piped in" | ux exec -i two cat 2>&1)
check "hcs: exec -i passes stdin through and back" test "$out" = "piped in"
ux exec two sleep 1000 >/dev/null 2>&1 &
sleeper=$!
sleep 5
ux ps two >"$T/ps.json" 2>&1
# ProcessList items: find the ProcessId of the one whose ImageName is "sleep 1000".
pid=$(tr -d ' \n' <"$T/ps.json" | sed 's/},{/}\n{/g' | grep '"ImageName":"sleep1000"' |
	sed -n 's/.*"ProcessId":\([0-9]*\).*/\1/p' | head -1)
check "hcs: ps lists the container's processes (ProcessList)" test -n "$pid"
ux stats two >"$T/stats.json" 2>&1
check "hcs: stats gives the container's Statistics" grep -q '"MemoryUsageCommitBytes": [1-9]' "$T/stats.json"
ux kill --pid "${pid:-0}" two 9
wait "$sleeper"
rc=$?
check "hcs: kill reaches the process; exec reports 137" test "$rc" = 137
check "hcs: pause freezes the VM" bash -c "'$UVMRUN' pause --root '$R' two && [[ \$('$UVMRUN' state --root '$R' two) == Paused ]]"
check "hcs: resume thaws it" bash -c "'$UVMRUN' resume --root '$R' two && [[ \$('$UVMRUN' state --root '$R' two) == Running ]]"
out=$(ux exec two echo still alive 2>&1)
check "hcs: the container runs after resume" test "$out" = "still alive"
out=$(ux start two 2>&1)
rc=$?
check "hcs: a second start is refused as invalid_state" bash -c "(( $rc != 0 )) && grep -q invalid_state <<<'$out'"
# A second container at the same time sees neither the first one's files nor its processes.
ux exec two sh -c 'echo secret > /tmp/only-in-two' >/dev/null 2>&1
# The second one's host runs jailed: folders added later reach it as
# descriptors; a host socket is mapped into it (MappedPipes), and the test
# tools come in a folder added below.
echo "hello through the pipe" | timeout "$VM_LIMIT" "$BUILD/tests/vsock-tool" host-listen "$T/host.sock" \
	>"$T/pipe-got" 2>&1 &
piper=$!
for _ in $(seq 100); do [[ -S $T/host.sock ]] && break; sleep 0.1; done
chmod 0777 "$T/host.sock"           # the jailed host connects as user 65534
config four ', "MappedPipes": [{"HostPath": "'"$T/host.sock"'", "ContainerPipeName": "/run/host.sock"}]' \
	>"$T/four.json"
ux create --jail-user 65534 "$T/four.json" >/dev/null && ux start four
ux exec four sh -c 'echo init up; exec sleep 99999' >"$T/init4.out" 2>&1 &
init4=$!
for _ in $(seq 120); do grep -q 'init up' "$T/init4.out" && break; sleep 1; done
out=$(ux exec four sh -c 'test ! -e /tmp/only-in-two && ! grep -qs "10000[0]" /proc/[0-9]*/cmdline && echo isolated' 2>&1)
check "hcs: two containers at once do not see each other's files or processes" test "$out" = isolated

# ---- Modify: mapped folders added to and removed from the running container.
mkdir -p "$T/hot" "$T/hot2"
chmod 0777 "$T/hot" "$T/hot2"          # the jailed host serves them as user 65534
echo "added later" >"$T/hot/note"
echo "for the vm" >"$T/hot2/note"
cp /bin/busybox "$T/hot2/busybox"       # the utility VM has no shell of its own
md() { # REQUEST HOSTDIR CONTAINERPATH [EXTRA]
	printf '{"ResourceType":"MappedDirectory","RequestType":"%s","Settings":{"HostPath":"%s","ContainerPath":"%s"%s}}' \
		"$1" "$2" "$3" "${4:-}"
}
check "hcs: modify adds a folder to the running container" ux modify four "$(md Add "$T/hot" /mnt/hot)"
out=$(ux exec four sh -c 'cat /mnt/hot/note; echo from the container > /mnt/hot/back' 2>&1)
check "hcs: the added folder is readable and writable in the container" \
	bash -c "[[ '$out' == 'added later' ]] && grep -qx 'from the container' '$T/hot/back'"
check "hcs: modify adds a read-only folder in the utility VM (CreateInUtilityVM)" \
	ux modify four "$(md Add "$T/hot2" /run/hot-uvm ',"ReadOnly":true,"CreateInUtilityVM":true')"
bb=/run/hot-uvm/busybox
out=$(ux exec --uvm four $bb sh -c "$bb cat /run/hot-uvm/note; $bb touch /run/hot-uvm/x 2>/dev/null || echo refused" 2>&1)
check "hcs: the folder added in the utility VM is there, read-only" \
	test "$out" = "$(printf 'for the vm\nrefused')"
out=$(ux modify four "$(md Add "$T/hot2" /mnt/hot)" 2>&1)
check "hcs: adding a second folder at the same path is refused" grep -q 'already has a mapped folder' <<<"$out"
out=$(ux modify four "$(md Add "$T/nowhere" /mnt/x)" 2>&1)
check "hcs: adding a folder that does not exist is refused naming HostPath" grep -q 'HostPath' <<<"$out"
check "hcs: modify removes the added folder" ux modify four "$(md Remove "$T/hot" /mnt/hot)"
out=$(ux exec four sh -c 'test -e /mnt/hot/note && echo still-there || echo gone' 2>&1)
check "hcs: the removed folder is gone from the container" test "$out" = gone
out=$(ux modify four "$(md Remove "$T/hot" /mnt/hot)" 2>&1)
check "hcs: removing it twice is refused as not_exist" grep -q 'no folder was added at /mnt/hot' <<<"$out"
out=$(ux modify four "$(md Remove "$T/ro" /mnt/ro)" 2>&1)
check "hcs: a folder from the config cannot be removed" grep -q 'configuration' <<<"$out"
ux modify four "$(md Add "$T/hot" /mnt/again ',"ReadOnly":true')" &&
	out=$(ux exec four sh -c 'cat /mnt/again/note; touch /mnt/again/y 2>/dev/null || echo refused' 2>&1)
check "hcs: a folder can be added again after a removal, read-only this time" \
	test "$out" = "$(printf 'added later\nrefused')"
# A disk added and removed while the container runs (MappedVirtualDisk).
mkdir -p "$T/diskdir" && echo "on the disk" >"$T/diskdir/hello"
truncate -s 32M "$T/disk.img" && mke2fs -q -t ext4 -d "$T/diskdir" "$T/disk.img" &&
	chmod 0666 "$T/disk.img"
mvd() { # REQUEST HOSTPATH CONTAINERPATH [EXTRA]
	printf '{"ResourceType":"MappedVirtualDisk","RequestType":"%s","Settings":{"HostPath":"%s","ContainerPath":"%s"%s}}' \
		"$1" "$2" "$3" "${4:-}"
}
check "hcs: modify adds a disk to the running container" ux modify four "$(mvd Add "$T/disk.img" /mnt/disk)"
out=$(ux exec four sh -c 'cat /mnt/disk/hello; echo written in the container > /mnt/disk/new; sync' 2>&1)
check "hcs: the added disk is mounted in the container" test "$out" = "on the disk"
out=$(ux modify four "$(mvd Add "$T/disk.img" /mnt/again)" 2>&1)
check "hcs: the same disk twice is refused" grep -q 'attached already' <<<"$out"
check "hcs: modify removes the disk" ux modify four "$(mvd Remove "$T/disk.img" /mnt/disk)"
out=$(ux exec four sh -c 'test -e /mnt/disk/hello && echo still-there || echo gone' 2>&1)
check "hcs: the removed disk is gone from the container" test "$out" = gone
check "hcs: what the container wrote is on the disk's file" \
	bash -c "debugfs -R 'cat /new' '$T/disk.img' 2>/dev/null | grep -qx 'written in the container'"
ux modify four "$(mvd Add "$T/disk.img" /mnt/rodisk ',"ReadOnly":true')" &&
	out=$(ux exec four sh -c 'cat /mnt/rodisk/new; touch /mnt/rodisk/x 2>/dev/null || echo refused' 2>&1)
check "hcs: a disk can be added again, read-only this time" \
	test "$out" = "$(printf 'written in the container\nrefused')"
check "hcs: inspect lists the added disk under MappedVirtualDiskControllers" \
	bash -c "'$UVMRUN' inspect --root '$R' four | grep -q '\"HostPath\": \"$T/disk.img\"'"
check "hcs: modify adds the test tools' folder" \
	ux modify four "$(md Add "$BUILD/tests" /mnt/tools ',"ReadOnly":true')"
out=$(ux exec four sh -c 'echo from the container | /mnt/tools/vsock-tool unix-connect /run/host.sock' 2>&1)
for _ in $(seq 30); do kill -0 "$piper" 2>/dev/null || break; sleep 1; done
kill "$piper" 2>/dev/null
check "hcs: a mapped pipe reaches the host's socket from the container, both ways" \
	bash -c "[[ '$out' == 'hello through the pipe' ]] && grep -qx 'from the container' '$T/pipe-got'"
ux terminate four
check "hcs: terminate stops the second one; it deletes" bash -c "timeout 60 '$UVMRUN' wait --root '$R' four >/dev/null && '$UVMRUN' delete --root '$R' four"
wait "$init4"
check "hcs: shutdown and wait: the VM powers off" bash -c "'$UVMRUN' shutdown --root '$R' two && [[ \$(timeout 120 '$UVMRUN' wait --root '$R' two) == 0 ]]"
wait "$init"
rc=$?
check "hcs: shutdown ends the container's init (SIGTERM, then SIGKILL after the grace time)" \
	bash -c "(( $rc == 143 || $rc == 137 ))"
check "hcs: delete removes a stopped system" bash -c "'$UVMRUN' delete --root '$R' two && [[ ! -e '$R/two' ]]"

# ---- a host killed with SIGKILL is stopped, and delete cleans up.
config three >"$T/three.json"
ux create "$T/three.json" >/dev/null
ux start three
kill -9 "$(cat "$R/three/host.pid")"
sleep 1
check "hcs: a host killed with SIGKILL reads as Stopped" bash -c "[[ \$('$UVMRUN' state --root '$R' three) == Stopped ]]"
check "hcs: delete cleans up after it" bash -c "'$UVMRUN' delete --root '$R' three && [[ ! -e '$R/three' ]]"
check "hcs: nothing of a killed host keeps running" bash -c "! pgrep -f '^$UVMRUN host --root $R' >/dev/null"

# ---- bad configs: a clear error naming the field, nothing left behind.
sed 's/"HvPartition": true/"HvPartition": false/' "$T/two.json" >"$T/bad.json"
out=$(ux create "$T/bad.json" 2>&1)
check "hcs: a process-isolated config is refused naming HvPartition" grep -q 'HvPartition' <<<"$out"
sed 's/"Layers": \[/"EndpointList": ["e1bb1e61-d56f-405e-b75d-fd520cefa0cb"], "Layers": [/' "$T/two.json" >"$T/bad2.json"
out=$(ux create "$T/bad2.json" 2>&1)
check "hcs: a network endpoint is refused naming EndpointList" grep -q 'EndpointList: networking' <<<"$out"
out=$(ux create --id ../../etc "$T/two.json" 2>&1)
check "hcs: an id that would leave the state folder is refused" grep -q 'only letters, digits' <<<"$out"
check "hcs: the state folder is empty after the failures" bash -c "[[ -z \$(ls -A '$R') ]]"
