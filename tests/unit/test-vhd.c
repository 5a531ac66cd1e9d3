/* VHD images: layout of what we create, reads, block allocation (also from
 * several threads), refusal of every corruption we validate with a message
 * naming the field, and agreement with qemu-img/qemu-io in both directions. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../devices/disk-image.h"
#include "../../devices/vhd.h"
#include "../../vmm/bytes.h"
#include "../../vmm/fileio.h"
#include "test.h"

#define MiB (1024ull * 1024)
#define BLOCK (2 * MiB)
/* Footer and dynamic header fields, as the spec lays them out. */
#define FT_VERSION 12
#define FT_DATA_OFFSET 16
#define FT_TIMESTAMP 24
#define FT_CREATOR 28
#define FT_CUR_SIZE 48
#define FT_GEOMETRY 56
#define FT_TYPE 60
#define FT_CHECKSUM 64
#define HD_TABLE_OFFSET 16
#define HD_VERSION 24
#define HD_MAX_ENTRIES 28
#define HD_BLOCK_SIZE 32
#define HD_CHECKSUM 36

/* The spec's checksum, written again here so the code is not its own oracle. */
static uint32_t ones_complement_sum(const uint8_t *buf, size_t len, size_t at)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += (i >= at && i < at + 4) ? 0 : buf[i];
	return ~sum;
}

#define fix_footer(f) put_be32((f) + FT_CHECKSUM, ones_complement_sum((f), 512, FT_CHECKSUM))
#define fix_header(h) put_be32((h) + HD_CHECKSUM, ones_complement_sum((h), 1024, HD_CHECKSUM))

static void make_tmp_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/uvm-test-vhd-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
}

static void remove_tmp_dir(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ(system(cmd), 0);
}

/* Run a shell command (stdout discarded); its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int n, status;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + sizeof(" >/dev/null") > sizeof(cmd)) {
		CHECK(!"command fits its buffer");
		return -1;
	}
	strcat(cmd, " >/dev/null");
	status = system(cmd);
	if (status != 0)
		printf("#   command failed (status %d): %s\n", status, cmd);
	return status;
}

static bool have_qemu(void)
{
	if (system("command -v qemu-img >/dev/null 2>&1 && command -v qemu-io >/dev/null 2>&1") == 0)
		return true;
	printf("#   qemu-img and qemu-io not found: install Debian's qemu-utils (test equipment)\n");
	CHECK(!"qemu-img and qemu-io installed");
	return false;
}

static void fill_pattern(uint8_t *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((i * 131 + seed * 17 + (i >> 9)) % 251 + 1);
}

static int save(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret;

	if (fd < 0)
		return -errno;
	ret = pwrite_full(fd, data, len, 0);
	close(fd);
	return ret;
}

static uint8_t *load(const char *path, size_t *size)
{
	uint8_t *data = NULL;

	CHECK_EQ(read_file(path, 1ull << 30, &data, size, NULL), 0);
	return data;
}

/* Read or write the guest's view through map + pread/pwrite, extent by extent. */
static int disk_io(struct disk_image *img, uint64_t off, uint8_t *buf, uint64_t len, bool write)
{
	while (len) {
		struct uvm_error err = { 0 };
		struct disk_extent ext;
		int ret = disk_image_map(img, off, len, write, &ext, &err);

		if (ret < 0) {
			printf("#   map 0x%" PRIx64 "+0x%" PRIx64 ": %s\n", off, len, err.msg);
			return ret;
		}
		if (ext.length == 0 || ext.length > len || ext.length % 512 || (write && ext.hole))
			return -EPROTO;
		if (ext.hole)
			memset(buf, 0, ext.length);
		else if (write)
			ret = pwrite_full(disk_image_fd(img), buf, ext.length, (off_t)ext.file_offset);
		else
			ret = pread_full(disk_image_fd(img), buf, ext.length, (off_t)ext.file_offset);
		if (ret < 0)
			return ret;
		off += ext.length;
		buf += ext.length;
		len -= ext.length;
	}
	return 0;
}

static struct disk_image *open_ok(const char *path, bool read_only)
{
	struct uvm_error err = { 0 };
	struct disk_image *img = NULL;

	if (disk_image_open(path, read_only, &img, &err) < 0)
		printf("#   open %s: %s\n", path, err.msg);
	CHECK(img != NULL);
	return img;
}

/* The whole disk matches `expect` (size bytes). */
static void check_disk_equals(struct disk_image *img, const uint8_t *expect, uint64_t size)
{
	uint8_t *got = malloc(size);

	CHECK_EQ(disk_image_size(img), size);
	CHECK_EQ(disk_io(img, 0, got, size, false), 0);
	CHECK(memcmp(got, expect, size) == 0);
	free(got);
}

static void chs_geometry_follows_the_spec(void)
{
	uint16_t c;
	uint8_t h, s;

	vhd_chs_geometry(20536, &c, &h, &s);              /* qemu's "10M" */
	CHECK(c == 302 && h == 4 && s == 17);
	vhd_chs_geometry(2 * MiB, &c, &h, &s);            /* 1 GiB */
	CHECK(c == 2080 && h == 16 && s == 63);
	vhd_chs_geometry(65535ull * 16 * 63, &c, &h, &s);  /* the switch to 255 sectors */
	CHECK(c == 16191 && h == 16 && s == 255);
	vhd_chs_geometry(65535ull * 16 * 63 - 1, &c, &h, &s);
	CHECK(c == 65534 && h == 16 && s == 63);
	vhd_chs_geometry(1ull << 40, &c, &h, &s);         /* capped */
	CHECK(c == 65535 && h == 16 && s == 255);
}

/* qemu-img without force_size rounds the size up to a CHS geometry from the same
 * algorithm; ours must give that very geometry for qemu's size. */
static void chs_geometry_matches_qemu(void)
{
	static const char *sizes[] = { "10M", "100M", "1G", "40G", "100G" };
	char dir[64], path[128];

	if (!have_qemu())
		return;
	make_tmp_dir(dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *data = NULL, *footer, h, s;
		uint16_t c;
		size_t size;

		snprintf(path, sizeof(path), "%s/g%zu.vhd", dir, i);
		if (run("qemu-img create -q -f vpc -o subformat=dynamic %s %s", path, sizes[i]) ||
		    !(data = load(path, &size)))
			continue;
		footer = data + size - 512;
		vhd_chs_geometry(get_be64(footer + FT_CUR_SIZE) / 512, &c, &h, &s);
		CHECK_EQ(c, get_be16(footer + FT_GEOMETRY));
		CHECK_EQ(h, footer[FT_GEOMETRY + 2]);
		CHECK_EQ(s, footer[FT_GEOMETRY + 3]);
		free(data);
	}
	remove_tmp_dir(dir);
}

static void created_dynamic_image_has_the_spec_layout(void)
{
	char dir[64], path[128];
	uint64_t size = 9 * MiB + 5 * 512;   /* 5 blocks, the last partial */
	uint8_t *data;
	size_t len;
	long now = (long)time(NULL) - 946684800;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/new.vhd", dir);
	CHECK_EQ(disk_image_create_vhd(path, size, true, NULL), 0);
	data = load(path, &len);
	if (!data || len != 512 + 1024 + 512 + 512) {
		CHECK(!"created file of 2560 bytes");
		free(data);
		remove_tmp_dir(dir);
		return;
	}  /* copy, header, 5 entries in a sector, footer */
	CHECK(memcmp(data, data + len - 512, 512) == 0);
	CHECK(memcmp(data, "conectix", 8) == 0);
	CHECK_EQ(get_be32(data + 8), 2);                          /* features */
	CHECK_EQ(get_be32(data + FT_VERSION), 0x00010000);
	CHECK_EQ(get_be64(data + FT_DATA_OFFSET), 512);
	CHECK(labs((long)get_be32(data + FT_TIMESTAMP) - now) < 60);
	CHECK(memcmp(data + FT_CREATOR, "uvmr", 4) == 0);
	CHECK_EQ(get_be64(data + 40), size);                      /* original size */
	CHECK_EQ(get_be64(data + FT_CUR_SIZE), size);
	CHECK_EQ(get_be32(data + FT_TYPE), 3);
	CHECK_EQ(get_be32(data + FT_CHECKSUM), ones_complement_sum(data, 512, FT_CHECKSUM));
	CHECK_EQ(data[68 + 6] >> 4, 4);                           /* a random UUID */

	CHECK(memcmp(data + 512, "cxsparse", 8) == 0);
	CHECK_EQ(get_be64(data + 512 + 8), UINT64_MAX);
	CHECK_EQ(get_be64(data + 512 + HD_TABLE_OFFSET), 1536);
	CHECK_EQ(get_be32(data + 512 + HD_VERSION), 0x00010000);
	CHECK_EQ(get_be32(data + 512 + HD_MAX_ENTRIES), 5);
	CHECK_EQ(get_be32(data + 512 + HD_BLOCK_SIZE), BLOCK);
	CHECK_EQ(get_be32(data + 512 + HD_CHECKSUM), ones_complement_sum(data + 512, 1024, HD_CHECKSUM));
	for (size_t i = 1536; i < 2048; i++)
		CHECK_EQ(data[i], 0xff);
	free(data);
	remove_tmp_dir(dir);
}

static void writes_allocate_blocks_that_survive_reopen(void)
{
	char dir[64], path[128];
	uint64_t size = 8 * MiB;
	uint8_t *expect = calloc(1, size), *before, *after;
	size_t before_len, after_len;
	struct disk_image *img;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/alloc.vhd", dir);
	CHECK_EQ(disk_image_create_vhd(path, size, true, NULL), 0);
	before = load(path, &before_len);
	img = open_ok(path, false);
	if (img) {
		fill_pattern(expect + 3 * BLOCK + 4096, 64 * 1024, 1);
		fill_pattern(expect + BLOCK - 1024, 2048, 2);     /* straddles blocks 0 and 1 */
		CHECK_EQ(disk_io(img, 3 * BLOCK + 4096, expect + 3 * BLOCK + 4096, 64 * 1024, true), 0);
		CHECK_EQ(disk_io(img, BLOCK - 1024, expect + BLOCK - 1024, 2048, true), 0);
		CHECK_EQ(disk_image_flush(img, NULL), 0);
		check_disk_equals(img, expect, size);
		disk_image_close(img);
	}
	after = load(path, &after_len);
	if (after && before) {
		/* Three blocks, each with its data on a 4 KiB boundary after a one-sector
		 * bitmap of all ones; the footer at the new end; the copy untouched. */
		uint64_t end = before_len - 512, seen = 0;

		CHECK(memcmp(after, before, 512) == 0);
		CHECK(memcmp(after + after_len - 512, before + before_len - 512, 512) == 0);
		for (uint32_t b = 0; b < 4; b++) {
			uint32_t sector = get_be32(after + 1536 + 4 * b);
			uint64_t at = (uint64_t)sector * 512;

			if (b == 2) {
				CHECK_EQ(sector, 0xffffffff);
				continue;
			}
			CHECK(at >= end && at + 512 + BLOCK <= after_len - 512);
			CHECK_EQ((at + 512) % 4096, 0);
			for (size_t i = 0; i < 512; i++)
				CHECK_EQ(after[at + i], 0xff);
			CHECK(memcmp(after + at + 512, expect + b * BLOCK, BLOCK) == 0);
			seen++;
		}
		CHECK_EQ(seen, 3);
		CHECK_EQ(after_len, 4096 + 3 * (BLOCK + 4096) - 4096 + 512);
	}
	img = open_ok(path, true);
	if (img) {
		check_disk_equals(img, expect, size);
		disk_image_close(img);
	}
	free(before);
	free(after);
	free(expect);
	remove_tmp_dir(dir);
}

struct racer {
	struct disk_image *img;
	pthread_barrier_t *start;
	unsigned int id;
	uint64_t offsets[8];    /* file offset of each block's data, as this thread saw it */
	int failures;
};

static void *race_for_blocks(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->start);
	for (unsigned int round = 0; round < 50; round++) {
		for (unsigned int k = 0; k < 8; k++) {
			unsigned int b = (k + r->id * 3 + round) % 8;
			uint64_t off = b * BLOCK + r->id * 512;
			struct disk_extent ext;
			uint8_t sector[512];

			if (disk_image_map(r->img, off, 512, true, &ext, NULL) < 0 || ext.hole) {
				r->failures++;
				continue;
			}
			if (r->offsets[b] && r->offsets[b] != ext.file_offset - r->id * 512)
				r->failures++;
			r->offsets[b] = ext.file_offset - r->id * 512;
			memset(sector, (int)(r->id + 1), sizeof(sector));
			if (pwrite_full(disk_image_fd(r->img), sector, 512, (off_t)ext.file_offset) < 0)
				r->failures++;
		}
	}
	return NULL;
}

static void concurrent_writers_allocate_each_block_once(void)
{
	enum { THREADS = 6 };
	struct racer racers[THREADS];
	pthread_t threads[THREADS];
	pthread_barrier_t start;
	char dir[64], path[128];
	struct disk_image *img;
	struct stat st;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/race.vhd", dir);
	CHECK_EQ(disk_image_create_vhd(path, 8 * BLOCK, true, NULL), 0);
	img = open_ok(path, false);
	if (!img) {
		remove_tmp_dir(dir);
		return;
	}
	memset(racers, 0, sizeof(racers));
	pthread_barrier_init(&start, NULL, THREADS);
	for (unsigned int i = 0; i < THREADS; i++) {
		racers[i].img = img;
		racers[i].start = &start;
		racers[i].id = i;
		CHECK_EQ(pthread_create(&threads[i], NULL, race_for_blocks, &racers[i]), 0);
	}
	for (unsigned int i = 0; i < THREADS; i++)
		pthread_join(threads[i], NULL);
	pthread_barrier_destroy(&start);
	for (unsigned int i = 0; i < THREADS; i++) {
		CHECK_EQ(racers[i].failures, 0);
		for (unsigned int b = 0; b < 8; b++) {
			CHECK_EQ(racers[i].offsets[b], racers[0].offsets[b]);
			for (unsigned int c = 0; c < b; c++)
				CHECK(racers[0].offsets[b] != racers[0].offsets[c]);
		}
	}
	CHECK_EQ(disk_image_flush(img, NULL), 0);
	disk_image_close(img);

	/* Exactly 8 blocks in the file, and every thread's sector where it wrote it. */
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_size, 4096 + 8 * (BLOCK + 4096) - 4096 + 512);
	img = open_ok(path, true);
	if (img) {
		for (unsigned int b = 0; b < 8; b++) {
			for (unsigned int i = 0; i < THREADS; i++) {
				uint8_t sector[512];

				CHECK_EQ(disk_io(img, b * BLOCK + i * 512, sector, 512, false), 0);
				CHECK_EQ(sector[0], i + 1);
				CHECK_EQ(sector[511], i + 1);
			}
		}
		disk_image_close(img);
	}
	remove_tmp_dir(dir);
}

/* A VHD in memory to break one field at a time. */
struct sample {
	char dir[64];
	uint8_t *data;
	size_t len;
};

/* A dynamic image of 4 blocks with blocks 0 and 2 allocated, or a fixed one. */
static bool make_sample(struct sample *s, bool dynamic)
{
	char path[128];
	struct disk_image *img;
	uint8_t buf[512];

	make_tmp_dir(s->dir, sizeof(s->dir));
	snprintf(path, sizeof(path), "%s/sample.vhd", s->dir);
	CHECK_EQ(disk_image_create_vhd(path, 4 * BLOCK, dynamic, NULL), 0);
	img = open_ok(path, false);
	if (!img)
		return false;
	memset(buf, 0x42, sizeof(buf));
	CHECK_EQ(disk_io(img, 0, buf, 512, true), 0);
	CHECK_EQ(disk_io(img, 2 * BLOCK, buf, 512, true), 0);
	disk_image_close(img);
	s->data = load(path, &s->len);
	return s->data != NULL;
}

/* Open a modified copy (len bytes of data): expect `code` and `what` in the message. */
static void expect_refused(struct sample *s, size_t len, int code, const char *what)
{
	char path[128];
	struct uvm_error err = { 0 };
	struct disk_image *img = NULL;

	snprintf(path, sizeof(path), "%s/broken.vhd", s->dir);
	CHECK_EQ(save(path, s->data, len), 0);
	CHECK_EQ(disk_image_open(path, false, &img, &err), code);
	CHECK(img == NULL);
	CHECK_STR_CONTAINS(err.msg, what);
	CHECK_STR_CONTAINS(err.msg, path);
}

/* Both footers (the copy and the one at the end) get the same change. */
#define BOTH_FOOTERS(s, stmt)                                                  \
	do {                                                                   \
		uint8_t *f = (s)->data;                                        \
		stmt; fix_footer(f);                                           \
		f = (s)->data + (s)->len - 512;                                \
		stmt; fix_footer(f);                                           \
	} while (0)

static void corrupt_dynamic_footers_are_refused(void)
{
	struct sample s;
	uint8_t *end;

	if (!make_sample(&s, true))
		return;
	end = s.data + s.len - 512;
	end[7] ^= 1;                                     /* cookie at the end */
	expect_refused(&s, s.len, -EINVAL, "truncated or damaged VHD");
	end[7] ^= 1;
	end[100] ^= 1;                                   /* checksum at the end */
	expect_refused(&s, s.len, -EINVAL, "footer checksum mismatch (expected 0x");
	end[100] ^= 1;
	s.data[100] ^= 1;                                /* checksum of the copy */
	expect_refused(&s, s.len, -EINVAL, "footer copy at offset 0 checksum mismatch");
	s.data[100] ^= 1;
	put_be64(s.data + FT_CUR_SIZE, 2 * BLOCK);       /* the copy disagrees */
	fix_footer(s.data);
	expect_refused(&s, s.len, -EINVAL, "differ in their current size");
	put_be64(s.data + FT_CUR_SIZE, 4 * BLOCK);
	fix_footer(s.data);

	BOTH_FOOTERS(&s, put_be32(f + FT_VERSION, 0x00020000));
	expect_refused(&s, s.len, -EINVAL, "file format version");
	BOTH_FOOTERS(&s, put_be32(f + FT_VERSION, 0x00010000));
	BOTH_FOOTERS(&s, put_be32(f + FT_TYPE, 4));
	expect_refused(&s, s.len, -ENOTSUP, "differencing disks");
	BOTH_FOOTERS(&s, put_be32(f + FT_TYPE, 7));
	expect_refused(&s, s.len, -EINVAL, "disk type 7");
	BOTH_FOOTERS(&s, put_be32(f + FT_TYPE, 3));
	BOTH_FOOTERS(&s, put_be64(f + FT_CUR_SIZE, 4 * BLOCK - 100));
	expect_refused(&s, s.len, -EINVAL, "current size");
	BOTH_FOOTERS(&s, put_be64(f + FT_CUR_SIZE, 4 * BLOCK));
	BOTH_FOOTERS(&s, put_be64(f + FT_DATA_OFFSET, 0));
	expect_refused(&s, s.len, -EINVAL, "data offset");
	BOTH_FOOTERS(&s, put_be64(f + FT_DATA_OFFSET, s.len - 1024));
	expect_refused(&s, s.len, -EINVAL, "data offset");
	BOTH_FOOTERS(&s, put_be64(f + FT_DATA_OFFSET, 512));

	expect_refused(&s, s.len - 512, -EINVAL, "truncated");    /* footer cut off */
	expect_refused(&s, s.len - 4096, -EINVAL, "truncated");
	free(s.data);
	remove_tmp_dir(s.dir);
}

static void corrupt_dynamic_headers_are_refused(void)
{
	struct sample s;
	uint8_t *h;

	if (!make_sample(&s, true))
		return;
	h = s.data + 512;
	h[0] = 'X';
	fix_header(h);
	expect_refused(&s, s.len, -EINVAL, "dynamic header cookie");
	h[0] = 'c';
	fix_header(h);
	h[600] ^= 1;
	expect_refused(&s, s.len, -EINVAL, "dynamic header checksum mismatch (expected 0x");
	expect_refused(&s, s.len, -EINVAL, ", found 0x");
	h[600] ^= 1;
	put_be32(h + HD_VERSION, 0x00030000);
	fix_header(h);
	expect_refused(&s, s.len, -EINVAL, "dynamic header version");
	put_be32(h + HD_VERSION, 0x00010000);

	put_be32(h + HD_BLOCK_SIZE, 3 * 1024 * 1024);
	fix_header(h);
	expect_refused(&s, s.len, -EINVAL, "block size");
	put_be32(h + HD_BLOCK_SIZE, 256);
	fix_header(h);
	expect_refused(&s, s.len, -EINVAL, "block size");
	put_be32(h + HD_BLOCK_SIZE, BLOCK);

	put_be32(h + HD_MAX_ENTRIES, 3);
	fix_header(h);
	expect_refused(&s, s.len, -EINVAL, "max table entries");
	put_be32(h + HD_MAX_ENTRIES, 0x40000000);       /* a BAT larger than the file */
	fix_header(h);
	expect_refused(&s, s.len, -EINVAL, "table offset");
	put_be32(h + HD_MAX_ENTRIES, 4);

	put_be64(h + HD_TABLE_OFFSET, s.len);
	fix_header(h);
	expect_refused(&s, s.len, -EINVAL, "table offset");
	put_be64(h + HD_TABLE_OFFSET, 1024);            /* over the header */
	fix_header(h);
	expect_refused(&s, s.len, -EINVAL, "table offset");
	put_be64(h + HD_TABLE_OFFSET, 1536);
	fix_header(h);
	free(s.data);
	remove_tmp_dir(s.dir);
}

static void corrupt_bat_entries_are_refused(void)
{
	struct sample s;
	uint8_t *bat;
	uint32_t first;

	if (!make_sample(&s, true))
		return;
	bat = s.data + 1536;
	first = get_be32(bat);
	put_be32(bat + 4, (uint32_t)(s.len / 512));           /* past the end */
	expect_refused(&s, s.len, -EINVAL, "BAT entry 1 (sector");
	expect_refused(&s, s.len, -EINVAL, "past the end of the file");
	put_be32(bat + 4, (uint32_t)(s.len / 512) - 2);       /* runs into the footer */
	expect_refused(&s, s.len, -EINVAL, "past the end of the file");
	put_be32(bat + 4, 0xfffffffe);
	expect_refused(&s, s.len, -EINVAL, "past the end of the file");
	put_be32(bat + 4, 1);                                 /* the dynamic header */
	expect_refused(&s, s.len, -EINVAL, "points into the metadata (the dynamic header)");
	put_be32(bat + 4, 3);                                 /* the BAT itself */
	expect_refused(&s, s.len, -EINVAL, "points into the metadata (the BAT)");
	put_be32(bat + 4, first);                             /* aliases block 0 */
	expect_refused(&s, s.len, -EINVAL, "BAT entries");
	put_be32(bat + 4, first + 1);                         /* overlaps block 0 */
	expect_refused(&s, s.len, -EINVAL, "overlap");
	put_be32(bat + 4, 0xffffffff);
	expect_refused(&s, s.len - 4096, -EINVAL, "truncated");
	free(s.data);
	remove_tmp_dir(s.dir);
}

static void corrupt_fixed_footers_are_refused(void)
{
	struct sample s;
	uint8_t *end;

	if (!make_sample(&s, false))
		return;
	end = s.data + s.len - 512;
	end[70] ^= 1;
	expect_refused(&s, s.len, -EINVAL, "footer checksum");
	end[70] ^= 1;
	put_be64(end + FT_CUR_SIZE, s.len);
	fix_footer(end);
	expect_refused(&s, s.len, -EINVAL, "current size");
	expect_refused(&s, s.len, -EINVAL, "truncated");
	put_be64(end + FT_CUR_SIZE, 4 * BLOCK - 512 * 3 - 12);
	fix_footer(end);
	expect_refused(&s, s.len, -EINVAL, "not a multiple of 512");
	put_be32(end + FT_TYPE, 4);
	put_be64(end + FT_CUR_SIZE, 4 * BLOCK);
	fix_footer(end);
	expect_refused(&s, s.len, -ENOTSUP, "not supported");
	free(s.data);
	remove_tmp_dir(s.dir);
}

/* The first allocation step (footer written at the new end) is where a crash
 * leaves the most behind: the file must still open, for us and for qemu. */
static void image_stays_valid_after_a_crash_mid_allocation(void)
{
	char dir[64], path[160];
	struct disk_image *img;
	struct sample s;
	uint8_t *zeros = calloc(1, 4 * BLOCK), buf[512];

	if (!make_sample(&s, true)) {
		free(zeros);
		return;
	}
	memcpy(dir, s.dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/crash.vhd", dir);
	CHECK_EQ(save(path, s.data, s.len), 0);
	CHECK_EQ(truncate(path, (off_t)(s.len - 512 + 4096 + BLOCK)), 0);
	{
		int fd = open(path, O_WRONLY | O_CLOEXEC);

		CHECK(fd >= 0);
		CHECK_EQ(pwrite_full(fd, s.data, 512, (off_t)(s.len - 512 + 4096 + BLOCK)), 0);
		close(fd);
	}
	img = open_ok(path, false);
	if (img) {
		memset(buf, 0x42, sizeof(buf));
		memcpy(zeros, buf, 512);
		memcpy(zeros + 2 * BLOCK, buf, 512);
		check_disk_equals(img, zeros, 4 * BLOCK);
		CHECK_EQ(disk_io(img, BLOCK, buf, 512, true), 0);  /* allocates after the new end */
		memcpy(zeros + BLOCK, buf, 512);
		disk_image_close(img);
	}
	img = open_ok(path, true);
	if (img) {
		check_disk_equals(img, zeros, 4 * BLOCK);
		disk_image_close(img);
	}
	if (have_qemu()) {
		char raw[160];

		snprintf(raw, sizeof(raw), "%s/crash.raw", dir);
		CHECK_EQ(save(raw, zeros, 4 * BLOCK), 0);
		CHECK_EQ(run("qemu-img compare -q -f vpc -F raw %s %s", path, raw), 0);
	}
	free(zeros);
	free(s.data);
	remove_tmp_dir(dir);
}

/* A raw source with data blocks, an all-zero block, and a partial last block. */
static uint8_t *make_source(uint64_t size)
{
	uint8_t *src = calloc(1, size);

	fill_pattern(src, BLOCK, 7);
	fill_pattern(src + 2 * BLOCK + 12 * 512, 3 * 4096, 8);
	fill_pattern(src + size - 5 * 512, 5 * 512, 9);
	return src;
}

/* Convert a raw file with qemu-img (-o options), read it back through our API:
 * the same bytes, then zeros up to the (CHS-rounded) size. */
static void check_qemu_conversion(const char *options, enum disk_format format, bool exact)
{
	uint64_t size = 9 * MiB + 5 * 512;
	uint8_t *src = make_source(size), *got;
	char dir[64], raw[128], vhd[128];
	struct disk_image *img;
	uint64_t disk_size;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(raw, sizeof(raw), "%s/src.raw", dir);
	snprintf(vhd, sizeof(vhd), "%s/qemu.img", dir);   /* no hint in the name */
	CHECK_EQ(save(raw, src, size), 0);
	CHECK_EQ(run("qemu-img convert -f raw -O vpc -o %s %s %s", options, raw, vhd), 0);
	img = open_ok(vhd, true);
	if (img) {
		CHECK_EQ(disk_image_format(img), format);
		disk_size = disk_image_size(img);
		CHECK(exact ? disk_size == size : disk_size >= size);
		got = calloc(1, disk_size);
		CHECK_EQ(disk_io(img, 0, got, disk_size, false), 0);
		CHECK(memcmp(got, src, size) == 0);
		for (uint64_t i = size; i < disk_size; i++)
			CHECK_EQ(got[i], 0);
		free(got);
		disk_image_close(img);
	}
	free(src);
	remove_tmp_dir(dir);
}

static void qemu_dynamic_images_read_like_their_source(void)
{
	if (!have_qemu())
		return;
	check_qemu_conversion("subformat=dynamic,force_size=on", DISK_FORMAT_VHD_DYNAMIC, true);
	check_qemu_conversion("subformat=dynamic", DISK_FORMAT_VHD_DYNAMIC, false);
}

static void qemu_fixed_images_read_like_their_source(void)
{
	if (!have_qemu())
		return;
	check_qemu_conversion("subformat=fixed,force_size=on", DISK_FORMAT_VHD_FIXED, true);
	check_qemu_conversion("subformat=fixed", DISK_FORMAT_VHD_FIXED, false);
}

/* qemu-io writes into a qemu-made image and into one of ours (where we had
 * allocated a block, which qemu writes into, next to blocks qemu allocates);
 * we read what it wrote. */
static void qemu_io_writes_are_read_back(void)
{
	uint64_t size = 6 * MiB;
	uint8_t *qemu_expect = calloc(1, size), *ours_expect = calloc(1, size);
	char dir[64], qemu_made[128], ours[128];
	struct disk_image *img;

	if (!have_qemu()) {
		free(qemu_expect);
		free(ours_expect);
		return;
	}
	make_tmp_dir(dir, sizeof(dir));
	snprintf(qemu_made, sizeof(qemu_made), "%s/qemu.vhd", dir);
	snprintf(ours, sizeof(ours), "%s/ours.vhd", dir);
	CHECK_EQ(run("qemu-img create -q -f vpc -o subformat=dynamic,force_size=on %s 6M",
		     qemu_made), 0);
	CHECK_EQ(disk_image_create_vhd(ours, size, true, NULL), 0);
	img = open_ok(ours, false);
	if (img) {
		fill_pattern(ours_expect + 4 * MiB, 4096, 3);
		CHECK_EQ(disk_io(img, 4 * MiB, ours_expect + 4 * MiB, 4096, true), 0);
		disk_image_close(img);
	}
	for (int i = 0; i < 2; i++) {
		uint8_t *expect = i ? ours_expect : qemu_expect;

		memset(expect + 3 * MiB, 0x5a, 64 * 1024);
		memset(expect + 512, 0xa5, 512);
		memset(expect + 5 * MiB, 0x3c, 8192);
		CHECK_EQ(run("qemu-io -f vpc -c 'write -P 0x5a 3M 64k' -c 'write -P 0xa5 512 512' "
			     "-c 'write -P 0x3c 5M 8k' %s", i ? ours : qemu_made), 0);
		img = open_ok(i ? ours : qemu_made, true);
		if (img) {
			check_disk_equals(img, expect, size);
			disk_image_close(img);
		}
	}
	free(qemu_expect);
	free(ours_expect);
	remove_tmp_dir(dir);
}

/* Images we create and write are what qemu-img reads: convert and compare.
 * qemu before 10.0 sizes a VHD from an unknown creator ("uvmr") by its CHS
 * geometry, so for a size the geometry cannot express it sees a prefix; with a
 * size it can (20536 sectors: 302/4/17) every qemu sees exactly our disk. */
static void qemu_reads_what_we_wrote(void)
{
	static const uint64_t sizes[] = { 20536 * 512, 9 * MiB + 5 * 512 };
	char dir[64], path[128], raw[128], out[128];

	if (!have_qemu())
		return;
	make_tmp_dir(dir, sizeof(dir));
	for (int i = 0; i < 4; i++) {
		uint64_t size = sizes[i / 2], chs_size;
		uint8_t *expect = make_source(size), *got;
		bool dynamic = i % 2;
		struct disk_image *img;
		uint16_t c;
		uint8_t h, s;
		size_t len = 0;

		vhd_chs_geometry(size / 512, &c, &h, &s);
		chs_size = (uint64_t)c * h * s * 512;
		snprintf(raw, sizeof(raw), "%s/expect-%d.raw", dir, i);
		snprintf(path, sizeof(path), "%s/ours-%d.vhd", dir, i);
		snprintf(out, sizeof(out), "%s/out-%d.raw", dir, i);
		CHECK_EQ(save(raw, expect, size), 0);
		CHECK_EQ(disk_image_create_vhd(path, size, dynamic, NULL), 0);
		img = open_ok(path, false);
		if (!img) {
			free(expect);
			continue;
		}
		CHECK_EQ(disk_image_format(img), dynamic ? DISK_FORMAT_VHD_DYNAMIC : DISK_FORMAT_VHD_FIXED);
		/* Uneven pieces; the all-zero block is never written, so it stays a hole. */
		CHECK_EQ(disk_io(img, 0, expect, 3 * 512, true), 0);
		CHECK_EQ(disk_io(img, 3 * 512, expect + 3 * 512, BLOCK + 4096 - 3 * 512, true), 0);
		CHECK_EQ(disk_io(img, 2 * BLOCK, expect + 2 * BLOCK, 64 * 1024, true), 0);
		CHECK_EQ(disk_io(img, size - 8 * 512, expect + size - 8 * 512, 8 * 512, true), 0);
		CHECK_EQ(disk_image_flush(img, NULL), 0);
		disk_image_close(img);

		CHECK_EQ(run("qemu-img convert -f vpc -O raw %s %s", path, out), 0);
		got = load(out, &len);
		if (size == chs_size)
			CHECK_EQ(len, size);
		else
			CHECK(len == size || len == chs_size);
		CHECK(got && len <= size && memcmp(got, expect, len) == 0);
		if (len == size)
			CHECK_EQ(run("qemu-img compare -q -f vpc -F raw %s %s", path, raw), 0);
		free(got);
		free(expect);
	}
	remove_tmp_dir(dir);
}

TEST_LIST(
	T(chs_geometry_follows_the_spec),
	T(chs_geometry_matches_qemu),
	T(created_dynamic_image_has_the_spec_layout),
	T(writes_allocate_blocks_that_survive_reopen),
	T(concurrent_writers_allocate_each_block_once),
	T(corrupt_dynamic_footers_are_refused),
	T(corrupt_dynamic_headers_are_refused),
	T(corrupt_bat_entries_are_refused),
	T(corrupt_fixed_footers_are_refused),
	T(image_stays_valid_after_a_crash_mid_allocation),
	T(qemu_dynamic_images_read_like_their_source),
	T(qemu_fixed_images_read_like_their_source),
	T(qemu_io_writes_are_read_back),
	T(qemu_reads_what_we_wrote),
);

TEST_MAIN("vhd")
