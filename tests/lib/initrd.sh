# Building the tests' busybox initrd (source after common.sh).

# The kernel modules the test guest loads: panic reporting, virtio disks,
# entropy, ext4, 9p shares, vsock.
TEST_GUEST_MODULES=(pvpanic-mmio virtio_pci virtio_blk virtio_rng ext4 9p 9pnet_virtio
		    vmw_vsock_virtio_transport)

# Build (when missing or older than its inputs) the test initrd and set
# TEST_INITRD to its path.
build_test_initrd() {
	local out=$BUILD/e2e/test-initrd-$KVER.cpio.gz stage
	TEST_INITRD=$out
	# (mkcpio is not an input: it relinks whenever the library does, and
	# writes the same archive.)
	if [[ -e $out && ! $REPO/tests/e2e/guest/init -nt $out &&
	      ! $REPO/tests/lib/initrd.sh -nt $out && ! $BUILD/tests/blkbench -nt $out &&
	      ! $BUILD/tests/vsock-tool -nt $out && ! $BUILD/tests/fsbench -nt $out &&
	      ! $BUILD/tests/virtio-chaos -nt $out ]]; then
		return 0
	fi
	mkdir -p "$BUILD/e2e"
	stage=$(mktemp -d "$BUILD/e2e/stage.XXXXXX") || return 1
	stage_busybox_root "$stage" "$REPO/tests/e2e/guest/init" "${TEST_GUEST_MODULES[@]}" &&
		cp "$BUILD/tests/blkbench" "$BUILD/tests/vsock-tool" "$BUILD/tests/fsbench" \
			"$BUILD/tests/virtio-chaos" "$stage/bin/" &&
		"$BUILD/tests/mkcpio" "$out.tmp" "$stage" && mv "$out.tmp" "$out"
	local rc=$?
	rm -rf "$stage"
	return $rc
}
