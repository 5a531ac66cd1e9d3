#!/usr/bin/env bash
# virtio-blk end to end with Debian's kernel: an ext4 layer read-only and a
# scratch disk read-write, data synced in the guest found in the host file,
# read-only disks refusing writes, VHD images from qemu-img read back as the
# raw they came from, VHD images our VMM wrote accepted by qemu-img, serials,
# disk order, and the IOPS cap.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$E2E_TMP
mkdir -p "$T/layer/etc"
echo "layer file" >"$T/layer/etc/motd"
mke2fs -q -t ext4 -d "$T/layer" "$T/layer.img" 16M
truncate -s 64M "$T/scratch.img"
mke2fs -q -t ext4 "$T/scratch.img"
layer_sum=$(md5sum <"$T/layer.img")

run_script layers "
set -e
[ \"\$(cat /sys/block/vdb/serial)\" = layer-1 ]
[ \"\$(cat /sys/block/vdc/serial)\" = scratch ]
mkdir -p /layer /scratch
mount -o ro /dev/vdb /layer
cat /layer/etc/motd
if touch /layer/new 2>/dev/null; then exit 10; fi
if dd if=/dev/zero of=/dev/vdb bs=512 count=1 oflag=direct 2>/dev/null; then exit 11; fi
echo \"RNG \$(cat /sys/devices/virtual/misc/hw_random/rng_current) \$(head -c 32 /dev/hwrng | wc -c)\"
mount /dev/vdc /scratch
echo 'written in the guest' > /scratch/data.txt
chmod 640 /scratch/data.txt
sync
umount /scratch
" --disk "$T/layer.img,ro,serial=layer-1" --disk "$T/scratch.img,serial=scratch"
expect_status "guest mounts an ext4 layer read-only and a scratch disk read-write" 0
if output_has '^layer file$'; then pass "the guest reads the layer's files"; else fail "the guest reads the layer's files" "$(vm_log)"; fi
if output_has '^RNG virtio_rng.0 32$'; then pass "virtio-rng is the guest's hardware RNG"; else fail "virtio-rng is the guest's hardware RNG" "$(vm_log)"; fi
got=$(debugfs -R "cat /data.txt" "$T/scratch.img" 2>/dev/null)
if [[ $got == "written in the guest" ]]; then pass "data synced in the guest is in the host file"; else fail "data synced in the guest is in the host file" "got: $got"; fi
if [[ $(md5sum <"$T/layer.img") == "$layer_sum" ]]; then pass "read-only disk is unchanged on the host"; else fail "read-only disk is unchanged on the host"; fi

# Same bytes through raw, qemu-img's dynamic VHD and its fixed VHD.
head -c 5M /dev/urandom >"$T/pattern.raw"
raw_sum=$(md5sum <"$T/pattern.raw" | cut -d' ' -f1)
qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on "$T/pattern.raw" "$T/dyn.vhd"
qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$T/pattern.raw" "$T/fixed.vhd"
run_script vhdread "
for d in vdb vdc vdd; do echo \"SUM \$d \$(md5sum < /dev/\$d | cut -d' ' -f1) \$(cat /sys/block/\$d/size)\"; done
" --disk "$T/pattern.raw,ro" --disk "$T/dyn.vhd,ro" --disk "$T/fixed.vhd,ro"
for pair in "vdb raw" "vdc dynamic VHD (qemu-img)" "vdd fixed VHD (qemu-img)"; do
	dev=${pair%% *} what=${pair#* }
	if output_has "^SUM $dev $raw_sum 10240\$"; then
		pass "$what reads back the same bytes as the raw image"
	else
		fail "$what reads back the same bytes as the raw image" "$(tr -d '\r' <"$OUT" | grep "SUM $dev")"
	fi
done

# VHDs written by our VMM: qemu-img must accept them and see what we wrote.
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on "$T/ours-dyn.vhd" 8M
qemu-img create -q -f vpc -o subformat=fixed,force_size=on "$T/ours-fixed.vhd" 8M
head -c 3M /dev/urandom >"$T/payload"
truncate -s 8M "$T/expect.raw"
dd if="$T/payload" of="$T/expect.raw" bs=1M seek=4 conv=notrunc status=none
run_script vhdwrite "
set -e
for d in vdc vdd; do dd if=/dev/vdb of=/dev/\$d bs=1M seek=4 count=3 oflag=direct 2>/dev/null; done
sync
" --disk "$T/payload,ro" --disk "$T/ours-dyn.vhd" --disk "$T/ours-fixed.vhd"
expect_status "guest writes through dynamic and fixed VHDs" 0
for img in ours-dyn ours-fixed; do
	if qemu-img compare -q -f vpc -F raw "$T/$img.vhd" "$T/expect.raw"; then
		pass "$img.vhd written by uvmrun matches the expected raw (qemu-img compare)"
	else
		fail "$img.vhd written by uvmrun matches the expected raw (qemu-img compare)"
	fi
	out=$(qemu-img check -f vpc "$T/$img.vhd" 2>&1)
	rc=$?
	# qemu-img has no consistency check for vpc: it says so (exit 63); any
	# other failure is ours.
	if ((rc == 0)) || { ((rc == 63)) && [[ $out == *"does not support checks"* ]]; }; then
		pass "$img.vhd passes qemu-img check (${out:-no errors})"
	else
		fail "$img.vhd passes qemu-img check" "exit $rc: $out"
	fi
done
size_dyn=$(stat -c %s "$T/ours-dyn.vhd")
if ((size_dyn < 6 * 1024 * 1024)); then pass "dynamic VHD grew only by what was written ($size_dyn bytes)"; else fail "dynamic VHD grew only by what was written ($size_dyn bytes)"; fi

# A corrupt VHD is refused before the VM starts, naming the field.
cp "$T/dyn.vhd" "$T/corrupt.vhd"
printf 'XXXX' | dd of="$T/corrupt.vhd" bs=1 seek=$(( $(stat -c %s "$T/corrupt.vhd") - 512 + 64 )) conv=notrunc status=none
boot_vm corrupt --disk "$T/corrupt.vhd" --cmdline "console=ttyS0 quiet uvmtest=info"
if [[ $STATUS == 125 ]] && grep -q "corrupt.vhd" "$ERR" && grep -qi "checksum" "$ERR"; then
	pass "corrupt VHD is refused with a message naming the file and field"
else
	fail "corrupt VHD is refused with a message naming the file and field" "status $STATUS" "$(cat "$ERR")"
fi

# The IOPS cap: 300 direct 4 KiB reads at iops=100 take at least ~2.5 s.
run_script iops "
t0=\$(cut -d' ' -f1 /proc/uptime)
dd if=/dev/vdb of=/dev/null bs=4k count=300 iflag=direct 2>/dev/null
t1=\$(cut -d' ' -f1 /proc/uptime)
echo \"ELAPSED \$t0 \$t1\"
" --disk "$T/pattern.raw,ro,iops=100"
elapsed=$(tr -d '\r' <"$OUT" | awk '/^ELAPSED/ {printf "%d", ($3 - $2) * 1000}')
if [[ -n $elapsed ]] && ((elapsed >= 2500)); then
	pass "iops=100 caps the disk (300 reads took ${elapsed} ms)"
else
	fail "iops=100 caps the disk (300 reads took ${elapsed:-?} ms)" "$(vm_log)"
fi
