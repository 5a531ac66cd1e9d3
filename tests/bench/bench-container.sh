#!/usr/bin/env bash
# Containers: the utility VM from `uvmrun mkimage` with a busybox layer.
# Median of 5 for: `uvmrun start` (VMM start to the agent ready), the first
# process (container created through crun, to its first output line), and a
# whole `uvmrun run CONFIG true` (create, boot, container, process, shutdown,
# delete); the host process's memory beyond guest RAM with one idle
# container (RSS minus the resident part of the guest memory mapping); and
# the same whole run with the image booted from a VHD (BootSource "Vhd").
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh" >/dev/null
source "$REPO/tests/lib/agent-image.sh"
build_agent_images || { echo "# container: no UVM image (run tests/e2e/setup.sh)"; exit 0; }
T=$E2E_TMP
R=$T/state
MEM=512
cat >"$T/c.json" <<JSON
{"SystemType": "Container", "Name": "bench", "HvPartition": true, "ContainerType": "Linux",
 "MemoryMaximumInMB": $MEM, "LayerFolderPath": "$T/scratch", "StorageSandboxSize": 268435456,
 "Layers": [{"ID": "18955d65-d45a-557b-bf1c-49d6dfefc526", "Path": "$BUSYBOX_LAYER"}],
 "HvRuntime": {"ImagePath": "$UVM_IMAGE"}}
JSON
ms() { date +%s%3N; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "# container: Debian kernel $KVER, uvmrun mkimage image, busybox layer (VHD), 1 vCPU, $MEM MiB"
: >"$T/start" ; : >"$T/first" ; : >"$T/run" ; : >"$T/mem"
for i in 1 2 3 4 5; do
	rm -rf "$T/scratch"
	"$UVMRUN" create --root "$R" --id "b$i" "$T/c.json" >/dev/null || { echo "# container: create failed"; exit 0; }
	t0=$(ms); "$UVMRUN" start --root "$R" "b$i" || { echo "# container: start failed"; exit 0; }
	echo $(( $(ms) - t0 )) >>"$T/start"
	t0=$(ms)
	"$UVMRUN" exec --root "$R" "b$i" sh -c 'echo first; exec sleep 100000' 2>/dev/null | { read -r _; echo $(( $(ms) - t0 )) >>"$T/first"; } &
	sleep 3
	pid=$(cat "$R/b$i/host.pid")
	awk -v mem=$((MEM * 1024)) '
		/^[0-9a-f]+-[0-9a-f]+ / { guest = 0 }
		/^Size:/ { guest = ($2 >= mem) }
		/^Rss:/ { total += $2; if (guest) g += $2 }
		END { printf "%.2f\n", (total - g) / 1024 }' "/proc/$pid/smaps" >>"$T/mem"
	"$UVMRUN" terminate --root "$R" "b$i"
	"$UVMRUN" wait --root "$R" "b$i" >/dev/null
	wait
	"$UVMRUN" delete --root "$R" "b$i"
	rm -rf "$T/scratch"
	t0=$(ms); "$UVMRUN" run --root "$R" --id "r$i" "$T/c.json" true; echo $(( $(ms) - t0 )) >>"$T/run"
done
echo "container: start (VMM start to agent ready), median of 5: $(median <"$T/start") ms"
echo "container: first process (container create to its first output), median of 5: $(median <"$T/first") ms"
echo "container: uvmrun run CONFIG true, whole, median of 5: $(median <"$T/run") ms"
echo "container: host process memory beyond guest RAM, one idle container, median of 5: $(median <"$T/mem") MiB"
sed 's|"HvRuntime": {"ImagePath": "[^"]*"}|"HvRuntime": {"ImagePath": "'"$UVM_VHD"'", "BootSource": "Vhd"}|' \
	"$T/c.json" >"$T/vhd.json"
: >"$T/vhdrun"
for i in 1 2 3 4 5; do
	rm -rf "$T/scratch"
	t0=$(ms); "$UVMRUN" run --root "$R" --id "v$i" "$T/vhd.json" true; echo $(( $(ms) - t0 )) >>"$T/vhdrun"
done
echo "container: uvmrun run CONFIG true, booted from the VHD image, whole, median of 5: $(median <"$T/vhdrun") ms"
