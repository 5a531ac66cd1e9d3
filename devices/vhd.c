/* Microsoft VHD images (vhd.h): footer, dynamic header and BAT checked as
 * hostile input, block allocation that keeps the file a valid VHD after every
 * step, and layouts for new images. Not differencing disks, not the data IO. */
#include "vhd.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "../vmm/bytes.h"
#include "../vmm/fileio.h"

/* Hard disk footer: 512 bytes, big-endian, at the end of every VHD (and a
 * copy at offset 0 of a dynamic one). */
#define F_COOKIE      0
#define F_FEATURES    8
#define F_VERSION     12
#define F_DATA_OFFSET 16   /* the dynamic header; all ones for a fixed disk */
#define F_TIMESTAMP   24   /* seconds since 2000-01-01 00:00 UTC */
#define F_CREATOR_APP 28
#define F_CREATOR_VER 32
#define F_CREATOR_OS  36
#define F_ORIG_SIZE   40
#define F_CUR_SIZE    48
#define F_GEOMETRY    56   /* cylinders (16 bits), heads, sectors per track */
#define F_DISK_TYPE   60
#define F_CHECKSUM    64
#define F_UUID        68

/* Dynamic disk header: 1024 bytes where the footer's data offset says. */
#define H_COOKIE       0
#define H_DATA_OFFSET  8
#define H_TABLE_OFFSET 16
#define H_VERSION      24
#define H_MAX_ENTRIES  28
#define H_BLOCK_SIZE   32
#define H_CHECKSUM     36

#define VHD_COOKIE     "conectix"
#define VHD_HDR_COOKIE "cxsparse"
#define VHD_VERSION    0x00010000u
#define VHD_FEATURES   0x00000002u  /* the "reserved" feature bit, always set */
#define VHD_BAT_UNUSED 0xffffffffu
#define VHD_EPOCH      946684800    /* 2000-01-01 00:00 UTC as a Unix time */
#define SECTOR         512u
#define DATA_ALIGN     4096u        /* data of blocks we allocate starts on a page */
#define MAX_CHS_SECTORS (65535ull * 16 * 255)

struct vhd {
	char *name;
	int fd;
	enum vhd_disk_type type;
	bool read_only;
	uint64_t size;                   /* the footer's current size */
	uint8_t footer[VHD_FOOTER_SIZE]; /* as read; written again at each new end */

	/* Dynamic disks only. */
	uint32_t block_size;
	uint32_t bitmap_size;            /* sector bitmap before each block's data */
	uint64_t table_offset;
	uint64_t table_bytes;            /* max table entries * 4, in whole sectors */
	uint32_t nr_blocks;              /* BAT entries that cover the disk */
	uint32_t *bat;                   /* block sectors; loaded and stored atomically */
	pthread_mutex_t alloc_lock;      /* serialises allocations; guards what follows */
	uint64_t footer_offset;          /* also read atomically by vhd_footer_offset */
	bool broken;                     /* a failed allocation left the file end unknown */
};

static inline uint64_t round_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) / align * align;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

uint32_t vhd_checksum(const uint8_t *buf, size_t len, size_t checksum_at)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i++) {
		if (i < checksum_at || i >= checksum_at + 4)
			sum += buf[i];
	}
	return ~sum;
}

/* The spec's appendix: CHS for a disk of total_sectors, capped at the
 * largest geometry (65535 cylinders, 16 heads, 255 sectors per track). */
void vhd_chs_geometry(uint64_t total_sectors, uint16_t *cylinders, uint8_t *heads,
		      uint8_t *sectors_per_track)
{
	uint64_t total = total_sectors, cyl_heads;
	unsigned int h, spt;

	if (total > MAX_CHS_SECTORS)
		total = MAX_CHS_SECTORS;
	if (total >= 65535ull * 16 * 63) {
		spt = 255;
		h = 16;
		cyl_heads = total / spt;
	} else {
		spt = 17;
		cyl_heads = total / spt;
		h = (unsigned int)((cyl_heads + 1023) / 1024);
		if (h < 4)
			h = 4;
		if (cyl_heads >= h * 1024ull || h > 16) {
			spt = 31;
			h = 16;
			cyl_heads = total / spt;
		}
		if (cyl_heads >= h * 1024ull) {
			spt = 63;
			h = 16;
			cyl_heads = total / spt;
		}
	}
	*cylinders = (uint16_t)(cyl_heads / h);
	*heads = (uint8_t)h;
	*sectors_per_track = (uint8_t)spt;
}

/* Write len bytes of `byte` at off. */
static int pwrite_fill(int fd, uint8_t byte, uint64_t len, uint64_t off)
{
	uint8_t buf[4096];
	int ret;

	memset(buf, byte, sizeof(buf));
	while (len) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);

		ret = pwrite_full(fd, buf, n, (off_t)off);
		if (ret < 0)
			return ret;
		len -= n;
		off += n;
	}
	return 0;
}

int vhd_probe(int fd, const char *name, uint64_t file_size, struct uvm_error *err)
{
	uint8_t cookie[8];
	int ret;

	if (file_size < VHD_FOOTER_SIZE)
		return 0;
	ret = pread_full(fd, cookie, sizeof(cookie), (off_t)(file_size - VHD_FOOTER_SIZE));
	if (ret < 0)
		return uvm_err_sys(err, ret, "%s: reading the last sector", name);
	if (!memcmp(cookie, VHD_COOKIE, 8))
		return 1;
	ret = pread_full(fd, cookie, sizeof(cookie), 0);
	if (ret < 0)
		return uvm_err_sys(err, ret, "%s: reading the first sector", name);
	if (!memcmp(cookie, VHD_COOKIE, 8))
		return uvm_err(err, -EINVAL, "%s: no footer cookie at the end of the file but a "
			       "VHD footer copy at offset 0: a truncated or damaged VHD", name);
	return 0;
}

/* Checks shared by the footer and its copy; `what` names which one. */
static int check_footer(const uint8_t *f, const char *name, const char *what,
			struct uvm_error *err)
{
	uint32_t stored, sum, version, type;
	uint64_t size;

	if (memcmp(f + F_COOKIE, VHD_COOKIE, 8))
		return uvm_err(err, -EINVAL, "%s: %s cookie is not \"conectix\"", name, what);
	stored = get_be32(f + F_CHECKSUM);
	sum = vhd_checksum(f, VHD_FOOTER_SIZE, F_CHECKSUM);
	if (stored != sum)
		return uvm_err(err, -EINVAL, "%s: %s checksum mismatch (expected 0x%08x, found 0x%08x)",
			       name, what, sum, stored);
	version = get_be32(f + F_VERSION);
	if (version >> 16 != 1)
		return uvm_err(err, -EINVAL, "%s: %s file format version 0x%08x is not 1.x",
			       name, what, version);
	type = get_be32(f + F_DISK_TYPE);
	if (type == VHD_TYPE_DIFFERENCING)
		return uvm_err(err, -ENOTSUP, "%s: differencing disks (%s disk type 4) are not supported",
			       name, what);
	if (type != VHD_TYPE_FIXED && type != VHD_TYPE_DYNAMIC)
		return uvm_err(err, -EINVAL, "%s: %s disk type %u is neither fixed (2) nor dynamic (3)",
			       name, what, type);
	size = get_be64(f + F_CUR_SIZE);
	if (size % SECTOR)
		return uvm_err(err, -EINVAL, "%s: %s current size %" PRIu64 " is not a multiple of 512",
			       name, what, size);
	return 0;
}

/* The footer copy at offset 0 must describe the same disk as the footer at
 * the end: other readers (qemu) trust the copy, so a mismatch would show them
 * a different disk. */
static int check_footer_copy(struct vhd *vhd, struct uvm_error *err)
{
	static const struct { size_t at, len; const char *field; } same[] = {
		{ F_DATA_OFFSET, 8, "data offset" },
		{ F_CUR_SIZE, 8, "current size" },
		{ F_DISK_TYPE, 4, "disk type" },
	};
	uint8_t copy[VHD_FOOTER_SIZE];
	int ret;

	ret = pread_full(vhd->fd, copy, sizeof(copy), 0);
	if (ret < 0)
		return uvm_err_sys(err, ret, "%s: reading the footer copy", vhd->name);
	ret = check_footer(copy, vhd->name, "footer copy at offset 0", err);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		if (memcmp(copy + same[i].at, vhd->footer + same[i].at, same[i].len))
			return uvm_err(err, -EINVAL, "%s: footer copy at offset 0 and footer at the "
				       "end differ in their %s", vhd->name, same[i].field);
	}
	return 0;
}

static int check_header(struct vhd *vhd, const uint8_t *h, uint64_t header_at,
			uint64_t footer_at, struct uvm_error *err)
{
	uint32_t stored, sum, version, max_entries, bs;
	uint64_t needed;

	if (memcmp(h + H_COOKIE, VHD_HDR_COOKIE, 8))
		return uvm_err(err, -EINVAL, "%s: dynamic header cookie is not \"cxsparse\"", vhd->name);
	stored = get_be32(h + H_CHECKSUM);
	sum = vhd_checksum(h, VHD_HEADER_SIZE, H_CHECKSUM);
	if (stored != sum)
		return uvm_err(err, -EINVAL, "%s: dynamic header checksum mismatch (expected 0x%08x, "
			       "found 0x%08x)", vhd->name, sum, stored);
	version = get_be32(h + H_VERSION);
	if (version >> 16 != 1)
		return uvm_err(err, -EINVAL, "%s: dynamic header version 0x%08x is not 1.x",
			       vhd->name, version);
	bs = get_be32(h + H_BLOCK_SIZE);
	if (bs < SECTOR || (bs & (bs - 1)))
		return uvm_err(err, -EINVAL, "%s: dynamic header block size %u is not a power of two "
			       "multiple of 512", vhd->name, bs);
	/* One bit per sector, padded to whole sectors. */
	vhd->block_size = bs;
	vhd->bitmap_size = (uint32_t)round_up((bs / SECTOR + 7) / 8, SECTOR);

	needed = vhd->size / bs + (vhd->size % bs != 0);
	max_entries = get_be32(h + H_MAX_ENTRIES);
	if (needed > max_entries)
		return uvm_err(err, -EINVAL, "%s: dynamic header max table entries %u is too small for "
			       "the current size %" PRIu64 " in %u-byte blocks (%" PRIu64 " needed)",
			       vhd->name, max_entries, vhd->size, bs, needed);
	vhd->nr_blocks = (uint32_t)needed;

	vhd->table_offset = get_be64(h + H_TABLE_OFFSET);
	vhd->table_bytes = round_up((uint64_t)max_entries * 4, SECTOR);
	if (vhd->table_offset < VHD_FOOTER_SIZE || vhd->table_offset > footer_at ||
	    footer_at - vhd->table_offset < vhd->table_bytes)
		return uvm_err(err, -EINVAL, "%s: dynamic header table offset 0x%" PRIx64 " puts the "
			       "BAT (%" PRIu64 " bytes) outside the file before the footer (at 0x%" PRIx64 ")",
			       vhd->name, vhd->table_offset, vhd->table_bytes, footer_at);
	if (overlaps(vhd->table_offset, vhd->table_bytes, header_at, VHD_HEADER_SIZE))
		return uvm_err(err, -EINVAL, "%s: dynamic header table offset 0x%" PRIx64 " puts the "
			       "BAT over the dynamic header", vhd->name, vhd->table_offset);
	return 0;
}

struct block_span {
	uint64_t start;
	uint32_t index;
};

static int compare_spans(const void *a, const void *b)
{
	const struct block_span *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Every allocated block (bitmap + data) lies before the footer, outside the
 * metadata, and apart from every other block. */
static int check_blocks(struct vhd *vhd, uint64_t header_at, uint64_t footer_at,
			struct uvm_error *err)
{
	uint64_t span = (uint64_t)vhd->bitmap_size + vhd->block_size;
	struct block_span *spans;
	uint32_t n = 0;
	int ret = 0;

	spans = malloc(((size_t)vhd->nr_blocks + 1) * sizeof(*spans));
	if (!spans)
		return uvm_err(err, -ENOMEM, "%s: out of memory checking the BAT", vhd->name);
	for (uint32_t i = 0; i < vhd->nr_blocks; i++) {
		uint32_t sector = vhd->bat[i];
		uint64_t start = (uint64_t)sector * SECTOR;
		const char *what = NULL;

		if (sector == VHD_BAT_UNUSED)
			continue;
		if (start > footer_at || footer_at - start < span) {
			ret = uvm_err(err, -EINVAL, "%s: BAT entry %u (sector 0x%x) points past the end "
				      "of the file (block of %" PRIu64 " bytes, footer at 0x%" PRIx64 ")",
				      vhd->name, i, sector, span, footer_at);
			goto out;
		}
		if (overlaps(start, span, 0, VHD_FOOTER_SIZE))
			what = "footer copy";
		else if (overlaps(start, span, header_at, VHD_HEADER_SIZE))
			what = "dynamic header";
		else if (overlaps(start, span, vhd->table_offset, vhd->table_bytes))
			what = "BAT";
		if (what) {
			ret = uvm_err(err, -EINVAL, "%s: BAT entry %u (sector 0x%x) points into the "
				      "metadata (the %s)", vhd->name, i, sector, what);
			goto out;
		}
		spans[n].start = start;
		spans[n].index = i;
		n++;
	}
	qsort(spans, n, sizeof(*spans), compare_spans);
	for (uint32_t k = 1; k < n; k++) {
		if (spans[k].start - spans[k - 1].start < span) {
			ret = uvm_err(err, -EINVAL, "%s: BAT entries %u and %u overlap (sectors 0x%" PRIx64
				      " and 0x%" PRIx64 ")", vhd->name, spans[k - 1].index,
				      spans[k].index, spans[k - 1].start / SECTOR, spans[k].start / SECTOR);
			goto out;
		}
	}
out:
	free(spans);
	return ret;
}

static int open_dynamic(struct vhd *vhd, uint64_t footer_at, struct uvm_error *err)
{
	uint8_t header[VHD_HEADER_SIZE];
	uint64_t header_at = get_be64(vhd->footer + F_DATA_OFFSET);
	size_t bat_len;
	int ret;

	ret = check_footer_copy(vhd, err);
	if (ret < 0)
		return ret;
	if (header_at < VHD_FOOTER_SIZE || header_at > footer_at ||
	    footer_at - header_at < VHD_HEADER_SIZE)
		return uvm_err(err, -EINVAL, "%s: footer data offset 0x%" PRIx64 " leaves no room for "
			       "the dynamic header between the footer copy and the footer (at 0x%"
			       PRIx64 ")", vhd->name, header_at, footer_at);
	ret = pread_full(vhd->fd, header, sizeof(header), (off_t)header_at);
	if (ret < 0)
		return uvm_err_sys(err, ret, "%s: reading the dynamic header", vhd->name);
	ret = check_header(vhd, header, header_at, footer_at, err);
	if (ret < 0)
		return ret;

	/* Only the entries that cover the disk; the BAT was checked to fit in the
	 * file, so this is bounded by the file's size. */
	bat_len = (size_t)vhd->nr_blocks * 4;
	vhd->bat = malloc(bat_len ? bat_len : 1);
	if (!vhd->bat)
		return uvm_err(err, -ENOMEM, "%s: out of memory for a BAT of %u entries",
			       vhd->name, vhd->nr_blocks);
	ret = pread_full(vhd->fd, vhd->bat, bat_len, (off_t)vhd->table_offset);
	if (ret < 0)
		return uvm_err_sys(err, ret, "%s: reading the BAT", vhd->name);
	for (uint32_t i = 0; i < vhd->nr_blocks; i++)
		vhd->bat[i] = get_be32(&vhd->bat[i]);
	return check_blocks(vhd, header_at, footer_at, err);
}

int vhd_open(int fd, const char *name, uint64_t file_size, bool read_only, struct vhd **out,
	     struct uvm_error *err)
{
	uint64_t footer_at;
	struct vhd *vhd;
	int ret;

	if (file_size < VHD_FOOTER_SIZE)
		return uvm_err(err, -EINVAL, "%s: %" PRIu64 " bytes is too small for a VHD footer",
			       name, file_size);
	footer_at = file_size - VHD_FOOTER_SIZE;
	vhd = calloc(1, sizeof(*vhd));
	if (!vhd || !(vhd->name = strdup(name))) {
		free(vhd);
		return uvm_err(err, -ENOMEM, "%s: out of memory", name);
	}
	pthread_mutex_init(&vhd->alloc_lock, NULL);
	vhd->fd = fd;
	vhd->read_only = read_only;
	vhd->footer_offset = footer_at;

	ret = pread_full(fd, vhd->footer, VHD_FOOTER_SIZE, (off_t)footer_at);
	if (ret < 0) {
		uvm_err_sys(err, ret, "%s: reading the footer", name);
		goto fail;
	}
	ret = check_footer(vhd->footer, name, "footer", err);
	if (ret < 0)
		goto fail;
	vhd->type = (enum vhd_disk_type)get_be32(vhd->footer + F_DISK_TYPE);
	vhd->size = get_be64(vhd->footer + F_CUR_SIZE);
	if (vhd->type == VHD_TYPE_FIXED) {
		/* The data is the first `current size` bytes; the footer stays out of reach. */
		if (vhd->size > footer_at) {
			ret = uvm_err(err, -EINVAL, "%s: footer current size %" PRIu64 " is larger than "
				      "the %" PRIu64 " bytes before the footer (truncated file?)",
				      name, vhd->size, footer_at);
			goto fail;
		}
	} else {
		ret = open_dynamic(vhd, footer_at, err);
		if (ret < 0)
			goto fail;
	}
	*out = vhd;
	return 0;
fail:
	vhd_close(vhd);
	return ret;
}

void vhd_close(struct vhd *vhd)
{
	if (!vhd)
		return;
	pthread_mutex_destroy(&vhd->alloc_lock);
	free(vhd->bat);
	free(vhd->name);
	free(vhd);
}

enum vhd_disk_type vhd_disk_type(const struct vhd *vhd)
{
	return vhd->type;
}

uint64_t vhd_size(const struct vhd *vhd)
{
	return vhd->size;
}

uint32_t vhd_block_size(const struct vhd *vhd)
{
	return vhd->type == VHD_TYPE_DYNAMIC ? vhd->block_size : 0;
}

uint64_t vhd_footer_offset(const struct vhd *vhd)
{
	return __atomic_load_n(&vhd->footer_offset, __ATOMIC_ACQUIRE);
}

/*
 * Give block `index` space at the end of the file. Each step leaves a valid
 * VHD behind, for us (footer at the end) and for qemu (which also trusts the
 * footer copy and the BAT), should the process die in between:
 *   1. write the footer at the new end: the file grows, the new block's data
 *      area (past the old end) is a hole and reads as zeros;
 *   2. zero the old footer if padding separates it from the block, then write
 *      the block's sector bitmap, all ones (every sector present);
 *   3. point the BAT entry at the block, on disk then in memory.
 * The block's data starts on a DATA_ALIGN boundary (for O_DIRECT). A failure
 * after step 1 leaves unreferenced space, never a broken file. Called with
 * alloc_lock held.
 */
static int allocate_block(struct vhd *vhd, uint32_t index, uint32_t *sector,
			  struct uvm_error *err)
{
	uint64_t old_footer = vhd->footer_offset, bitmap_at, new_footer;
	uint8_t entry[4];
	int ret;

	if (vhd->broken)
		return uvm_err(err, -EIO, "%s: an earlier failed block allocation left the end of "
			       "the file in an unknown state; no more allocations", vhd->name);
	bitmap_at = round_up(old_footer + vhd->bitmap_size, DATA_ALIGN) - vhd->bitmap_size;
	new_footer = bitmap_at + vhd->bitmap_size + vhd->block_size;
	if (bitmap_at / SECTOR >= VHD_BAT_UNUSED)
		return uvm_err(err, -EFBIG, "%s: no room for block %u: the file would outgrow the "
			       "BAT's 32-bit sector numbers", vhd->name, index);

	ret = pwrite_full(vhd->fd, vhd->footer, VHD_FOOTER_SIZE, (off_t)new_footer);
	if (ret < 0) {
		if (ftruncate(vhd->fd, (off_t)(old_footer + VHD_FOOTER_SIZE)) < 0)
			vhd->broken = true;
		return uvm_err_sys(err, ret, "%s: allocating block %u: writing the footer", vhd->name,
				   index);
	}
	__atomic_store_n(&vhd->footer_offset, new_footer, __ATOMIC_RELEASE);

	if (bitmap_at > old_footer)
		ret = pwrite_fill(vhd->fd, 0, VHD_FOOTER_SIZE, old_footer);
	if (ret == 0)
		ret = pwrite_fill(vhd->fd, 0xff, vhd->bitmap_size, bitmap_at);
	if (ret < 0)
		return uvm_err_sys(err, ret, "%s: allocating block %u: writing the sector bitmap",
				   vhd->name, index);

	put_be32(entry, (uint32_t)(bitmap_at / SECTOR));
	ret = pwrite_full(vhd->fd, entry, sizeof(entry), (off_t)(vhd->table_offset + 4ull * index));
	if (ret < 0)
		return uvm_err_sys(err, ret, "%s: allocating block %u: writing the BAT entry",
				   vhd->name, index);
	*sector = (uint32_t)(bitmap_at / SECTOR);
	__atomic_store_n(&vhd->bat[index], *sector, __ATOMIC_RELEASE);
	return 0;
}

int vhd_map(struct vhd *vhd, uint64_t offset, uint64_t len, bool for_write,
	    struct disk_extent *ext, struct uvm_error *err)
{
	uint64_t within, room;
	uint32_t index, sector;
	int ret = 0;

	if (len == 0 || offset > vhd->size || len > vhd->size - offset)
		return uvm_err(err, -EINVAL, "%s: range 0x%" PRIx64 "+0x%" PRIx64 " is outside the disk",
			       vhd->name, offset, len);
	if (for_write && vhd->read_only)
		return uvm_err(err, -EROFS, "%s: the image is read-only", vhd->name);
	if (vhd->type == VHD_TYPE_FIXED) {
		ext->file_offset = offset;
		ext->length = len;
		ext->hole = false;
		return 0;
	}

	index = (uint32_t)(offset / vhd->block_size);
	within = offset % vhd->block_size;
	room = vhd->block_size - within;
	ext->length = len < room ? len : room;
	sector = __atomic_load_n(&vhd->bat[index], __ATOMIC_ACQUIRE);
	if (sector == VHD_BAT_UNUSED && !for_write) {
		ext->file_offset = 0;
		ext->hole = true;
		return 0;
	}
	if (sector == VHD_BAT_UNUSED) {
		pthread_mutex_lock(&vhd->alloc_lock);
		sector = __atomic_load_n(&vhd->bat[index], __ATOMIC_ACQUIRE);
		if (sector == VHD_BAT_UNUSED)
			ret = allocate_block(vhd, index, &sector, err);
		pthread_mutex_unlock(&vhd->alloc_lock);
		if (ret < 0)
			return ret;
	}
	ext->file_offset = (uint64_t)sector * SECTOR + vhd->bitmap_size + within;
	ext->hole = false;
	return 0;
}

static int build_footer(uint8_t *f, const char *name, uint64_t size, enum vhd_disk_type type,
			uint64_t data_offset, struct uvm_error *err)
{
	time_t now = time(NULL);
	uint16_t cylinders;
	uint8_t heads, spt;

	memset(f, 0, VHD_FOOTER_SIZE);
	memcpy(f + F_COOKIE, VHD_COOKIE, 8);
	put_be32(f + F_FEATURES, VHD_FEATURES);
	put_be32(f + F_VERSION, VHD_VERSION);
	put_be64(f + F_DATA_OFFSET, data_offset);
	put_be32(f + F_TIMESTAMP, now > VHD_EPOCH ? (uint32_t)(now - VHD_EPOCH) : 0);
	memcpy(f + F_CREATOR_APP, "uvmr", 4);
	put_be32(f + F_CREATOR_VER, 0x00010000);
	memcpy(f + F_CREATOR_OS, "Wi2k", 4);
	put_be64(f + F_ORIG_SIZE, size);
	put_be64(f + F_CUR_SIZE, size);
	vhd_chs_geometry(size / SECTOR, &cylinders, &heads, &spt);
	put_be16(f + F_GEOMETRY, cylinders);
	f[F_GEOMETRY + 2] = heads;
	f[F_GEOMETRY + 3] = spt;
	put_be32(f + F_DISK_TYPE, type);
	if (getrandom(f + F_UUID, 16, 0) != 16)
		return uvm_err_sys(err, -errno, "%s: getrandom for the disk UUID", name);
	f[F_UUID + 6] = (uint8_t)((f[F_UUID + 6] & 0x0f) | 0x40);  /* a version 4 UUID */
	f[F_UUID + 8] = (uint8_t)((f[F_UUID + 8] & 0x3f) | 0x80);
	put_be32(f + F_CHECKSUM, vhd_checksum(f, VHD_FOOTER_SIZE, F_CHECKSUM));
	return 0;
}

static int check_new_size(const char *name, uint64_t size, uint64_t max, struct uvm_error *err)
{
	if (size == 0 || size % SECTOR)
		return uvm_err(err, -EINVAL, "%s: disk size %" PRIu64 " is not a non-zero multiple of 512",
			       name, size);
	if (size > max)
		return uvm_err(err, -EFBIG, "%s: disk size %" PRIu64 " is over the %" PRIu64
			       "-byte limit", name, size, max);
	return 0;
}

int vhd_append_footer(int fd, const char *name, uint64_t size, struct uvm_error *err)
{
	uint8_t footer[VHD_FOOTER_SIZE];
	int ret;

	ret = check_new_size(name, size, (uint64_t)INT64_MAX - VHD_FOOTER_SIZE, err);
	if (ret < 0)
		return ret;
	ret = build_footer(footer, name, size, VHD_TYPE_FIXED, UINT64_MAX, err);
	if (ret < 0)
		return ret;
	ret = pwrite_full(fd, footer, sizeof(footer), (off_t)size);
	if (ret < 0) {
		if (ftruncate(fd, (off_t)size) < 0)
			uvm_err_sys(err, -errno, "%s: cutting a partial footer off", name);
		return uvm_err_sys(err, ret, "%s: writing the footer", name);
	}
	return 0;
}

static int write_new_dynamic(int fd, const char *name, uint64_t size, struct uvm_error *err)
{
	uint64_t entries = size / VHD_NEW_BLOCK_SIZE + (size % VHD_NEW_BLOCK_SIZE != 0);
	uint64_t table_at = VHD_FOOTER_SIZE + VHD_HEADER_SIZE;
	uint64_t bat_bytes = round_up(entries * 4, SECTOR);
	uint8_t footer[VHD_FOOTER_SIZE], header[VHD_HEADER_SIZE];
	int ret;

	ret = build_footer(footer, name, size, VHD_TYPE_DYNAMIC, VHD_FOOTER_SIZE, err);
	if (ret < 0)
		return ret;
	memset(header, 0, sizeof(header));
	memcpy(header + H_COOKIE, VHD_HDR_COOKIE, 8);
	put_be64(header + H_DATA_OFFSET, UINT64_MAX);
	put_be64(header + H_TABLE_OFFSET, table_at);
	put_be32(header + H_VERSION, VHD_VERSION);
	put_be32(header + H_MAX_ENTRIES, (uint32_t)entries);
	put_be32(header + H_BLOCK_SIZE, VHD_NEW_BLOCK_SIZE);
	put_be32(header + H_CHECKSUM, vhd_checksum(header, sizeof(header), H_CHECKSUM));

	ret = pwrite_full(fd, footer, sizeof(footer), 0);
	if (ret == 0)
		ret = pwrite_full(fd, header, sizeof(header), VHD_FOOTER_SIZE);
	if (ret == 0)
		ret = pwrite_fill(fd, 0xff, bat_bytes, table_at);
	if (ret == 0)
		ret = pwrite_full(fd, footer, sizeof(footer), (off_t)(table_at + bat_bytes));
	if (ret < 0)
		return uvm_err_sys(err, ret, "%s: writing the new image", name);
	return 0;
}

int vhd_write_new(int fd, const char *name, uint64_t size, bool dynamic, struct uvm_error *err)
{
	uint8_t footer[VHD_FOOTER_SIZE];
	int ret;

	if (dynamic) {
		ret = check_new_size(name, size, VHD_MAX_NEW_SIZE, err);
		return ret < 0 ? ret : write_new_dynamic(fd, name, size, err);
	}
	ret = check_new_size(name, size, (uint64_t)INT64_MAX - VHD_FOOTER_SIZE, err);
	if (ret < 0)
		return ret;
	ret = build_footer(footer, name, size, VHD_TYPE_FIXED, UINT64_MAX, err);
	if (ret < 0)
		return ret;
	if (ftruncate(fd, (off_t)size) < 0)
		return uvm_err_sys(err, -errno, "%s: sizing the data to %" PRIu64 " bytes", name, size);
	ret = pwrite_full(fd, footer, sizeof(footer), (off_t)size);
	if (ret < 0)
		return uvm_err_sys(err, ret, "%s: writing the footer", name);
	return 0;
}
