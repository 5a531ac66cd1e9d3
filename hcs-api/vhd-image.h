/* `uvmrun mkimage --vhd OUT.vhd`: a utility VM image as one bootable disk,
 * for HvRuntime BootSource "Vhd". An ext4 file system (a fixed VHD, made by
 * layer_build) whose root is the utility VM's root tree (the same files as
 * the initrd: the agent as /init, crun, mke2fs, the modules) plus
 * /boot/vmlinuz and /boot/initrd.img. uvmrun reads those two out of the
 * disk to boot it (boot/vhd-boot.h); the agent then makes the disk its root. */
#ifndef UVM_VHD_IMAGE_H
#define UVM_VHD_IMAGE_H

#include "../boot/uvm-image.h"

#define VHD_IMAGE_KERNEL "/boot/vmlinuz"
#define VHD_IMAGE_INITRD "/boot/initrd.img"

/* cfg as for uvm_image_build, but its outdir and tree_dir are ignored.
 * Nothing is left at `vhd_path` on failure. */
int vhd_image_build(const struct uvm_image_config *cfg, const char *vhd_path,
		    struct uvm_error *err);

#endif
