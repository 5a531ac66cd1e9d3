/* Disk images behind virtio-blk: format detection by content (raw, VHD fixed,
 * VHD dynamic), one format-independent API that maps guest byte ranges to file
 * offsets, flush, and image creation. Not the IO itself, nor the virtio device. */
#ifndef UVM_DISK_IMAGE_H
#define UVM_DISK_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "../vmm/error.h"

#define DISK_SECTOR_SIZE 512

enum disk_format { DISK_FORMAT_RAW, DISK_FORMAT_VHD_FIXED, DISK_FORMAT_VHD_DYNAMIC };

struct disk_extent {
	uint64_t file_offset;  /* where the bytes are in the file; meaningless for a hole */
	uint64_t length;       /* bytes covered, > 0, a multiple of 512 */
	bool hole;             /* unallocated: reads as zeros */
};

struct disk_image;  /* opaque */

/* Open and validate; the format is detected by content: a VHD footer at the
 * end of the file ("conectix" with a valid checksum) makes it VHD, else raw (but
 * a file with a footer copy at offset 0 and none at the end is refused as a
 * truncated VHD, never taken for raw). Only regular files. Messages name the
 * file and the field: "layer.vhd: dynamic header checksum mismatch (expected
 * 0x..., found 0x...)". Corrupt images give -EINVAL, differencing VHDs -ENOTSUP. */
int disk_image_open(const char *path, bool read_only, struct disk_image **out,
		    struct uvm_error *err);
void disk_image_close(struct disk_image *img);

enum disk_format disk_image_format(const struct disk_image *img);
const char *disk_format_name(enum disk_format f);       /* "raw", "vhd-fixed", "vhd-dynamic" */
uint64_t disk_image_size(const struct disk_image *img);  /* virtual size in bytes, a multiple of 512 */
bool disk_image_read_only(const struct disk_image *img);
const char *disk_image_path(const struct disk_image *img);
int disk_image_fd(const struct disk_image *img);         /* buffered fd for IO at mapped offsets */
/* O_DIRECT fd on the same file, or -1 when the file system refuses O_DIRECT
 * (tmpfs). File offsets are only 512-aligned in general; blocks this code
 * allocates in a dynamic VHD start their data on a 4 KiB boundary. */
int disk_image_direct_fd(const struct disk_image *img);

/* Map the guest-visible byte range [offset, offset+len) (both multiples of 512,
 * len > 0, inside the disk) to the file: fills one extent covering a non-empty
 * prefix of the range (never crossing a VHD block boundary). With for_write on
 * a dynamic VHD hole, allocates the block first, so the extent is never a hole.
 * Safe to call from several threads at once (allocation is serialised inside).
 * Refuses writes on a read-only image with -EROFS. Bad ranges get -EINVAL. */
int disk_image_map(struct disk_image *img, uint64_t offset, uint64_t len, bool for_write,
		   struct disk_extent *ext, struct uvm_error *err);

/* Make completed writes and metadata durable (fdatasync). For a dynamic VHD,
 * the BAT and footer on disk are consistent with every allocation done so far. */
int disk_image_flush(struct disk_image *img, struct uvm_error *err);

/* Create a new image file (never overwriting one: O_EXCL). A fixed VHD is the
 * data (sparse, via ftruncate) plus a footer; a dynamic VHD is footer copy +
 * dynamic header + BAT (all unallocated) + footer, 2 MiB blocks. size is a
 * non-zero multiple of 512. On error no file is left behind. */
int disk_image_create_vhd(const char *path, uint64_t size, bool dynamic, struct uvm_error *err);

/* Turn an existing raw file (a non-zero multiple of 512 bytes) into a fixed
 * VHD by appending a footer; -EEXIST when it already is a VHD. */
int disk_image_append_vhd_footer(const char *path, struct uvm_error *err);

#endif
