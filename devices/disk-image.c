/* Disk images (disk-image.h): open a file, detect raw or VHD by its content,
 * map guest byte ranges to file offsets, flush, create. Raw images live here;
 * VHD metadata lives in vhd.c. Not the data IO, which the caller does. */
#include "disk-image.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhd.h"

struct disk_image {
	char *path;
	enum disk_format format;
	bool read_only;
	int fd;
	int direct_fd;     /* -1 when the file system refuses O_DIRECT */
	uint64_t size;     /* guest-visible bytes */
	struct vhd *vhd;   /* NULL for raw */
};

const char *disk_format_name(enum disk_format f)
{
	switch (f) {
	case DISK_FORMAT_RAW:
		return "raw";
	case DISK_FORMAT_VHD_FIXED:
		return "vhd-fixed";
	case DISK_FORMAT_VHD_DYNAMIC:
		return "vhd-dynamic";
	}
	return "unknown";
}

/* A second, O_DIRECT, open file description for the same inode: reopened
 * through /proc so it cannot be a different file that took the path since. */
static int reopen_direct(int fd, bool read_only)
{
	char proc_path[64];

	snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", fd);
	return open(proc_path, (read_only ? O_RDONLY : O_RDWR) | O_DIRECT | O_CLOEXEC);
}

static int open_format(struct disk_image *img, uint64_t file_size, struct uvm_error *err)
{
	int ret = vhd_probe(img->fd, img->path, file_size, err);

	if (ret < 0)
		return ret;
	if (ret == 0) {
		if (file_size % DISK_SECTOR_SIZE)
			return uvm_err(err, -EINVAL, "%s: raw image size %" PRIu64 " is not a multiple "
				       "of 512 bytes", img->path, file_size);
		img->format = DISK_FORMAT_RAW;
		img->size = file_size;
		return 0;
	}
	ret = vhd_open(img->fd, img->path, file_size, img->read_only, &img->vhd, err);
	if (ret < 0)
		return ret;
	img->format = vhd_disk_type(img->vhd) == VHD_TYPE_DYNAMIC ? DISK_FORMAT_VHD_DYNAMIC
								  : DISK_FORMAT_VHD_FIXED;
	img->size = vhd_size(img->vhd);
	return 0;
}

int disk_image_open(const char *path, bool read_only, struct disk_image **out,
		    struct uvm_error *err)
{
	struct disk_image *img;
	struct stat st;
	int ret;

	img = calloc(1, sizeof(*img));
	if (!img || !(img->path = strdup(path))) {
		free(img);
		return uvm_err(err, -ENOMEM, "%s: out of memory", path);
	}
	img->read_only = read_only;
	img->direct_fd = -1;
	img->fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (img->fd < 0) {
		ret = uvm_err_sys(err, -errno, "%s", path);
		goto fail;
	}
	if (fstat(img->fd, &st) < 0) {
		ret = uvm_err_sys(err, -errno, "%s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = uvm_err(err, -EINVAL, "%s: not a regular file", path);
		goto fail;
	}
	ret = open_format(img, (uint64_t)st.st_size, err);
	if (ret < 0)
		goto fail;
	img->direct_fd = reopen_direct(img->fd, read_only);
	*out = img;
	return 0;
fail:
	disk_image_close(img);
	return ret;
}

void disk_image_close(struct disk_image *img)
{
	if (!img)
		return;
	vhd_close(img->vhd);
	if (img->direct_fd >= 0)
		close(img->direct_fd);
	if (img->fd >= 0)
		close(img->fd);
	free(img->path);
	free(img);
}

enum disk_format disk_image_format(const struct disk_image *img)
{
	return img->format;
}

uint64_t disk_image_size(const struct disk_image *img)
{
	return img->size;
}

bool disk_image_read_only(const struct disk_image *img)
{
	return img->read_only;
}

const char *disk_image_path(const struct disk_image *img)
{
	return img->path;
}

int disk_image_fd(const struct disk_image *img)
{
	return img->fd;
}

int disk_image_direct_fd(const struct disk_image *img)
{
	return img->direct_fd;
}

int disk_image_map(struct disk_image *img, uint64_t offset, uint64_t len, bool for_write,
		   struct disk_extent *ext, struct uvm_error *err)
{
	if (len == 0 || offset % DISK_SECTOR_SIZE || len % DISK_SECTOR_SIZE ||
	    offset > img->size || len > img->size - offset)
		return uvm_err(err, -EINVAL, "%s: range 0x%" PRIx64 "+0x%" PRIx64 " is not whole "
			       "sectors inside the disk (0x%" PRIx64 " bytes)", img->path, offset, len,
			       img->size);
	if (for_write && img->read_only)
		return uvm_err(err, -EROFS, "%s: the image is read-only", img->path);
	if (img->vhd)
		return vhd_map(img->vhd, offset, len, for_write, ext, err);
	ext->file_offset = offset;
	ext->length = len;
	ext->hole = false;
	return 0;
}

int disk_image_flush(struct disk_image *img, struct uvm_error *err)
{
	if (img->read_only)
		return 0;
	/* One fdatasync covers writes through either fd: both are the same inode. */
	if (fdatasync(img->fd) < 0)
		return uvm_err_sys(err, -errno, "%s: fdatasync", img->path);
	return 0;
}

int disk_image_create_vhd(const char *path, uint64_t size, bool dynamic, struct uvm_error *err)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return uvm_err_sys(err, -errno, "%s: creating the image", path);
	ret = vhd_write_new(fd, path, size, dynamic, err);
	if (ret == 0 && fdatasync(fd) < 0)
		ret = uvm_err_sys(err, -errno, "%s: fdatasync", path);
	if (close(fd) < 0 && ret == 0)
		ret = uvm_err_sys(err, -errno, "%s: close", path);
	if (ret < 0)
		unlink(path);
	return ret;
}

int disk_image_append_vhd_footer(const char *path, struct uvm_error *err)
{
	struct stat st;
	uint64_t size;
	int fd, ret;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return uvm_err_sys(err, -errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		ret = uvm_err_sys(err, -errno, "%s", path);
		goto out;
	}
	size = (uint64_t)st.st_size;
	if (!S_ISREG(st.st_mode)) {
		ret = uvm_err(err, -EINVAL, "%s: not a regular file", path);
		goto out;
	}
	ret = vhd_probe(fd, path, size, err);
	if (ret > 0)
		ret = uvm_err(err, -EEXIST, "%s: already a VHD (it ends with a footer)", path);
	if (ret < 0)
		goto out;
	ret = vhd_append_footer(fd, path, size, err);
	if (ret == 0 && fdatasync(fd) < 0)
		ret = uvm_err_sys(err, -errno, "%s: fdatasync", path);
out:
	close(fd);
	return ret;
}
