/* Kernel and initrd out of a boot disk image (vhd-boot.h). */
#include "vhd-boot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../devices/disk-image.h"
#include "../vmm/fileio.h"
#include "../vmm/spawn.h"

#define COPY_CHUNK (1u << 20)

/* A dynamic VHD as a sparse raw file: allocated blocks copied, holes left. */
static int expand_to_raw(struct disk_image *img, const char *raw, struct uvm_error *err)
{
	uint64_t size = disk_image_size(img), off = 0;
	uint8_t *buf = malloc(COPY_CHUNK);
	int fd, ret = 0;

	if (!buf)
		return uvm_err(err, -ENOMEM, "out of memory");
	fd = open(raw, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		ret = uvm_err_sys(err, -errno, "%s", raw);
	while (ret == 0 && off < size) {
		uint64_t want = size - off < COPY_CHUNK ? size - off : COPY_CHUNK;
		struct disk_extent ext;

		ret = disk_image_map(img, off, want, false, &ext, err);
		if (ret < 0)
			break;
		if (!ext.hole) {
			ret = pread_full(disk_image_fd(img), buf, ext.length, (off_t)ext.file_offset);
			if (ret == 0)
				ret = pwrite_full(fd, buf, ext.length, (off_t)off);
			if (ret < 0)
				uvm_err_sys(err, ret, "expanding %s", disk_image_path(img));
		}
		off += ext.length;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	if (ret < 0)
		unlink(raw);
	return ret;
}

static int dump_one(const char *raw, const char *image, const char *inner, const char *out,
		    struct uvm_error *err)
{
	char cmd[PATH_MAX + 64], log[2048];
	const char *argv[] = { "debugfs", "-c", "-R", cmd, raw, NULL };
	struct stat st;
	int ret;

	if (strchr(inner, '"') || strchr(out, '"') || inner[0] != '/')
		return uvm_err(err, -EINVAL, "%s: cannot name %s", image, inner);
	snprintf(cmd, sizeof(cmd), "dump \"%s\" \"%s\"", inner, out);
	unlink(out);
	ret = spawn_wait(argv, NULL, log, sizeof(log), err);
	if (ret < 0)
		return ret;
	/* debugfs says "File not found" and still exits 0: the file tells. */
	if (ret != 0 || stat(out, &st) < 0 || st.st_size == 0) {
		unlink(out);
		return uvm_err(err, -ENOENT, "%s: no %s in its file system (an image from "
			       "`uvmrun mkimage --vhd` has one)", image, inner);
	}
	if (chmod(out, 0644) < 0)
		return uvm_err_sys(err, -errno, "%s", out);
	return 0;
}

int vhd_boot_extract(const char *image, const char *const inner[], const char *const out[],
		     size_t n, const char *work_dir, struct uvm_error *err)
{
	struct disk_image *img;
	char raw[PATH_MAX];
	const char *source = image;
	int ret;

	/* Opening validates the VHD (checksums, sizes) and tells its format. */
	if ((ret = disk_image_open(image, true, &img, err)) < 0)
		return ret;
	if (disk_image_format(img) == DISK_FORMAT_VHD_DYNAMIC) {
		if (path_fmt(raw, sizeof(raw), "%s/boot-disk.raw", work_dir) < 0)
			ret = uvm_err(err, -ENAMETOOLONG, "%s: path too long", work_dir);
		else
			ret = expand_to_raw(img, raw, err);
		source = raw;
	}
	disk_image_close(img);
	for (size_t i = 0; ret == 0 && i < n; i++)
		ret = dump_one(source, image, inner[i], out[i], err);
	if (source != image)
		unlink(raw);
	return ret;
}
