# Building the tests' busybox initrd (source after common.sh).

# The kernel modules the test guest loads: panic reporting for now.
TEST_GUEST_MODULES=(pvpanic-mmio)

# Build (when missing or older than its inputs) the test initrd and set
# TEST_INITRD to its path.
build_test_initrd() {
	local out=$BUILD/e2e/test-initrd-$KVER.cpio.gz stage
	TEST_INITRD=$out
	if [[ -e $out && $out -nt $REPO/tests/e2e/guest/init && $out -nt $BUILD/tests/mkcpio &&
	      $out -nt $REPO/tests/lib/initrd.sh ]]; then
		return 0
	fi
	mkdir -p "$BUILD/e2e"
	stage=$(mktemp -d "$BUILD/e2e/stage.XXXXXX") || return 1
	stage_busybox_root "$stage" "$REPO/tests/e2e/guest/init" "${TEST_GUEST_MODULES[@]}" &&
		"$BUILD/tests/mkcpio" "$out.tmp" "$stage" && mv "$out.tmp" "$out"
	local rc=$?
	rm -rf "$stage"
	return $rc
}
