/* A utility VM image as one bootable VHD (vhd-image.h). */
#include "vhd-image.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vmm/fileio.h"
#include "../vmm/spawn.h"
#include "layer-build.h"

int vhd_image_build(const struct uvm_image_config *base, const char *vhd_path,
		    struct uvm_error *err)
{
	char work[PATH_MAX], folder[PATH_MAX], tree[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	const char *rm[] = { "rm", "-rf", "--", work, NULL };
	struct uvm_image_config cfg = *base;
	uint64_t size;
	int ret = 0;

	if (access(vhd_path, F_OK) == 0)
		return uvm_err(err, -EEXIST, "%s exists; remove it first", vhd_path);
	if (path_fmt(work, sizeof(work), "%s.build-XXXXXX", vhd_path) < 0 ||
	    path_fmt(folder, sizeof(folder), "%s/image", work) < 0)
		return uvm_err(err, -ENAMETOOLONG, "%s: path too long", vhd_path);
	if (!mkdtemp(work))
		return uvm_err_sys(err, -errno, "a work folder next to %s", vhd_path);
	path_fmt(folder, sizeof(folder), "%s/image", work);     /* fits: checked above */
	path_fmt(tree, sizeof(tree), "%s/root", work);
	if (mkdir(folder, 0755) < 0 || mkdir(tree, 0755) < 0)
		ret = uvm_err_sys(err, -errno, "%s", work);
	cfg.outdir = folder;
	cfg.tree_dir = tree;
	if (ret == 0)
		ret = uvm_image_build(&cfg, err);
	if (ret == 0 && path_fmt(to, sizeof(to), "%s/boot", tree) == 0 && mkdir(to, 0755) < 0)
		ret = uvm_err_sys(err, -errno, "%s", to);
	/* The kernel and initrd the host boots, inside the disk they boot. */
	for (int i = 0; ret == 0 && i < 2; i++) {
		path_fmt(from, sizeof(from), "%s/%s", folder, i ? UVM_IMAGE_INITRD : UVM_IMAGE_KERNEL);
		path_fmt(to, sizeof(to), "%s%s", tree, i ? VHD_IMAGE_INITRD : VHD_IMAGE_KERNEL);
		if (rename(from, to) < 0)
			ret = uvm_err_sys(err, -errno, "%s", to);
	}
	if (ret == 0)
		ret = layer_build(tree, vhd_path, &size, err);
	spawn_wait(rm, NULL, NULL, 0, NULL);
	return ret;
}
