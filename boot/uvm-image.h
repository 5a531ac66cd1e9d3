/* The UVM image builder behind `uvmrun mkimage OUTDIR`: a utility VM folder
 * with Debian's kernel ("kernel") and an initramfs ("initrd.img", newc cpio,
 * gzip) holding the guest agent as /init, crun and mke2fs with the shared
 * libraries they need, and exactly the kernel modules the VM's devices and
 * the agent need (resolved from modules.dep), listed for the agent in
 * /lib/modules/load-order. The kernel comes from Debian's linux-image-amd64
 * package (or one named), downloaded and unpacked, never installed. */
#ifndef UVM_UVM_IMAGE_H
#define UVM_UVM_IMAGE_H

#include "../vmm/error.h"

#define UVM_IMAGE_KERNEL "kernel"
#define UVM_IMAGE_INITRD "initrd.img"

struct uvm_image_config {
	const char *outdir;
	const char *kernel_package;  /* NULL: what linux-image-amd64 depends on */
	const char *kernel_root;     /* an already unpacked package: no download */
	const char *agent;           /* the static uvm-agent binary */
	const char *crun;            /* NULL: /usr/bin/crun */
	const char *mke2fs;          /* NULL: /usr/sbin/mke2fs */
	const char *tree_dir;        /* also the initrd's tree as files here (an empty
				      * folder): the root of a VHD boot image */
};

/* The modules every UVM loads, in request order. */
extern const char *const uvm_image_modules[];
extern const unsigned uvm_image_nmodules;

int uvm_image_build(const struct uvm_image_config *cfg, struct uvm_error *err);

#endif
