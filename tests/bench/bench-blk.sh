#!/usr/bin/env bash
# Disk speed: sequential read and write MB/s and 4 KiB random-read IOPS of a
# 256 MiB raw disk measured in the guest (blkbench, O_DIRECT), next to the
# same measure on the host file.
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh" >/dev/null
img=$E2E_TMP/bench.img
truncate -s 256M "$img"
echo "# disk: 256 MiB raw image in ${TMPDIR:-/tmp} ($(stat -f -c %T "$img")), 1 vCPU, blkbench"
echo "host:"
for m in seqwrite seqread randread; do echo "  $("$BUILD/tests/blkbench" $m "$img" 256)"; done
run_script benchblk "
for m in seqwrite seqread randread; do echo \"BENCH   \$(blkbench \$m /dev/vdb 256)\"; done
" --disk "$img"
echo "guest (virtio-blk):"
tr -d '\r' <"$OUT" | sed -n 's/^BENCH/ /p'
[[ $STATUS == 0 ]] || echo "  (guest run failed: status $STATUS)"
