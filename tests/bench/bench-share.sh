#!/usr/bin/env bash
# 9p share speed, measured in the guest next to the same on the host folder:
# sequential read MB/s of a 256 MiB file, stat of 10,000 small files,
# create+unlink of 1,000 files (fsbench).
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh" >/dev/null
d=$E2E_TMP/share
mkdir -p "$d/small" "$d/rw"
head -c 256M /dev/zero >"$d/big"
for i in $(seq 10000); do : >"$d/small/f$i"; done
fs=$BUILD/tests/fsbench
echo "# share: a folder in ${TMPDIR:-/tmp} ($(stat -f -c %T "$d")), 1 vCPU, 9P2000.L msize 512 KiB, cache=none"
echo "host:"
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
echo "  $("$fs" read "$d/big")"
echo "  $("$fs" stat "$d/small")"
echo "  $("$fs" create "$d/rw" 1000)"
run_script benchshare "
mkdir -p /s && mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 share /s || exit 1
echo \"BENCH   \$(fsbench read /s/big)\"
echo \"BENCH   \$(fsbench stat /s/small)\"
echo \"BENCH   \$(fsbench create /s/rw 1000)\"
" --share "$d,tag=share"
echo "guest (virtio-9p):"
tr -d '\r' <"$OUT" | sed -n 's/^BENCH/ /p'
[[ $STATUS == 0 ]] || echo "  (guest run failed: status $STATUS)"
