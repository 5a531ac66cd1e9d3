/* Microsoft VHD images (Virtual Hard Disk Image Format Specification 1.0): footer,
 * dynamic header and BAT validated as hostile input; block allocation; new images.
 * Not differencing disks (refused), not VHDX, not the data IO (see disk-image.h). */
#ifndef UVM_VHD_H
#define UVM_VHD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../vmm/error.h"
#include "disk-image.h"

#define VHD_FOOTER_SIZE    512
#define VHD_HEADER_SIZE    1024             /* the dynamic disk header */
#define VHD_NEW_BLOCK_SIZE (2u << 20)       /* block size of images we create */
#define VHD_MAX_NEW_SIZE   (2040ull << 30)  /* largest dynamic disk we create (the spec's limit) */

enum vhd_disk_type {
	VHD_TYPE_FIXED = 2,
	VHD_TYPE_DYNAMIC = 3,
	VHD_TYPE_DIFFERENCING = 4,
};

struct vhd;

/* Is the file a VHD? 1 when its last 512 bytes start with the footer cookie,
 * 0 when it is not a VHD at all, negative when it looks like a damaged VHD
 * (a footer copy at offset 0 but no footer at the end: truncated). */
int vhd_probe(int fd, const char *name, uint64_t file_size, struct uvm_error *err);

/* Validate the VHD in fd (file_size bytes long) and load its metadata. `name`
 * is copied and used in messages. read_only only says whether vhd_map may be
 * asked to allocate. */
int vhd_open(int fd, const char *name, uint64_t file_size, bool read_only, struct vhd **out,
	     struct uvm_error *err);
void vhd_close(struct vhd *vhd);

enum vhd_disk_type vhd_disk_type(const struct vhd *vhd);
uint64_t vhd_size(const struct vhd *vhd);          /* the footer's current size */
uint32_t vhd_block_size(const struct vhd *vhd);    /* 0 for a fixed disk */
uint64_t vhd_footer_offset(const struct vhd *vhd); /* where the footer at the end is now */

/* disk_image_map for a VHD: the caller has checked that the range is inside the
 * disk, in whole sectors, and that a write is allowed. Thread-safe. */
int vhd_map(struct vhd *vhd, uint64_t offset, uint64_t len, bool for_write,
	    struct disk_extent *ext, struct uvm_error *err);

/* Lay out a new image of `size` bytes (a multiple of 512) in the empty file fd:
 * fixed (sparse data, then a footer) or dynamic (footer copy, header, empty BAT
 * of 2 MiB blocks, footer). */
int vhd_write_new(int fd, const char *name, uint64_t size, bool dynamic, struct uvm_error *err);

/* Append a fixed-disk footer for the `size` bytes already in fd. On failure the
 * file is cut back to `size`. */
int vhd_append_footer(int fd, const char *name, uint64_t size, struct uvm_error *err);

/* Building blocks, exposed for the tests. */
uint32_t vhd_checksum(const uint8_t *buf, size_t len, size_t checksum_at);
void vhd_chs_geometry(uint64_t total_sectors, uint16_t *cylinders, uint8_t *heads,
		      uint8_t *sectors_per_track);

#endif
