# Building what the agent tests boot (source after common.sh): the utility VM
# image from `uvmrun mkimage` with the cached Debian kernel, and a busybox
# container layer as an ext4 disk in a VHD (`uvmrun mklayer`), as the Docker
# daemon hands layers over (layer.vhd).

# Build (when missing or older than its inputs) the UVM image folder, the
# same image as one bootable VHD, and the busybox layer; set UVM_IMAGE,
# UVM_VHD and BUSYBOX_LAYER.
build_agent_images() {
	local stage a
	UVM_IMAGE=$BUILD/e2e/uvm-image-$KVER
	UVM_VHD=$BUILD/e2e/uvm-boot-$KVER.vhd
	BUSYBOX_LAYER=$BUILD/e2e/busybox-layer.vhd
	mkdir -p "$BUILD/e2e" || return 1
	if [[ ! -e $UVM_VHD || $BUILD/guest-agent/uvm-agent -nt $UVM_VHD ||
	      $REPO/boot/uvm-image.c -nt $UVM_VHD || $REPO/hcs-api/vhd-image.c -nt $UVM_VHD ]]; then
		rm -f "$UVM_VHD"
		"$BUILD/uvmrun" mkimage --vhd "$UVM_VHD" --kernel-root "$KERNEL_ROOT" \
			--agent "$BUILD/guest-agent/uvm-agent" >/dev/null || return 1
	fi
	if [[ ! -e $UVM_IMAGE/initrd.img || $BUILD/guest-agent/uvm-agent -nt $UVM_IMAGE/initrd.img ||
	      $REPO/boot/uvm-image.c -nt $UVM_IMAGE/initrd.img ]]; then
		rm -rf "$UVM_IMAGE.tmp"
		"$BUILD/uvmrun" mkimage "$UVM_IMAGE.tmp" --kernel-root "$KERNEL_ROOT" \
			--agent "$BUILD/guest-agent/uvm-agent" >/dev/null || return 1
		rm -rf "$UVM_IMAGE" && mv "$UVM_IMAGE.tmp" "$UVM_IMAGE" || return 1
	fi
	if [[ ! -e $BUSYBOX_LAYER || $REPO/tests/lib/agent-image.sh -nt $BUSYBOX_LAYER ||
	      $REPO/hcs-api/layer-build.c -nt $BUSYBOX_LAYER ]]; then
		stage=$(mktemp -d "$BUILD/e2e/layer.XXXXXX") || return 1
		mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,run} &&
			cp /bin/busybox "$stage/bin/busybox" &&
			for a in $(/bin/busybox --list); do
				[[ $a == busybox ]] || ln -s busybox "$stage/bin/$a"
			done &&
			echo 'root:x:0:0:root:/root:/bin/sh' >"$stage/etc/passwd" &&
			echo 'root:x:0:' >"$stage/etc/group" &&
			"$BUILD/uvmrun" mklayer "$stage" "$BUSYBOX_LAYER" >/dev/null
		local rc=$?
		rm -rf "$stage"
		return $rc
	fi
}
