/* Booting a utility VM from a disk image (HvRuntime BootSource "Vhd"): its
 * kernel and initrd are files in the disk's ext4 file system, copied out
 * before the VM starts with e2fsprogs' debugfs (read-only). debugfs reads
 * raw images, which a fixed VHD is (its footer follows the data); a dynamic
 * VHD is first expanded into a sparse raw copy through disk_image. */
#ifndef UVM_VHD_BOOT_H
#define UVM_VHD_BOOT_H

#include <stddef.h>

#include "../vmm/error.h"

/* Copy inner[i] (absolute paths of regular files in the file system; a
 * symlink there is not followed) to the host files out[i] (created or
 * replaced, mode 0644).
 * work_dir holds a dynamic VHD's raw copy while this runs. An image whose
 * file system lacks one of them gets -ENOENT naming it. */
int vhd_boot_extract(const char *image, const char *const inner[], const char *const out[],
		     size_t n, const char *work_dir, struct uvm_error *err);

#endif
