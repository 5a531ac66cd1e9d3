/* The format-independent disk image API: detection by content, raw images,
 * range checks, read-only images, creating VHDs and appending footers, the
 * two file descriptors. VHD internals and qemu agreement are in test-vhd.c. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../devices/disk-image.h"
#include "../../vmm/bytes.h"
#include "../../vmm/fileio.h"
#include "test.h"

#define MiB (1024ull * 1024)

static void make_tmp_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/uvm-test-disk-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
}

static void remove_tmp_dir(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_EQ(system(cmd), 0);
}

static void fill_pattern(uint8_t *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)((i * 37 + seed * 11 + (i >> 9)) % 253 + 1);
}

static void save(const char *path, const uint8_t *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ(pwrite_full(fd, data, len, 0), 0);
	close(fd);
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

static void expect_open_error(const char *path, int code, const char *what)
{
	struct uvm_error err = { 0 };
	struct disk_image *img = NULL;

	CHECK_EQ(disk_image_open(path, false, &img, &err), code);
	CHECK(img == NULL);
	CHECK_STR_CONTAINS(err.msg, path);
	CHECK_STR_CONTAINS(err.msg, what);
}

static void format_names_are_stable(void)
{
	CHECK(!strcmp(disk_format_name(DISK_FORMAT_RAW), "raw"));
	CHECK(!strcmp(disk_format_name(DISK_FORMAT_VHD_FIXED), "vhd-fixed"));
	CHECK(!strcmp(disk_format_name(DISK_FORMAT_VHD_DYNAMIC), "vhd-dynamic"));
}

static void raw_image_maps_onto_itself(void)
{
	char dir[64], path[128];
	uint8_t data[64 * 1024], got[sizeof(data)];
	struct disk_image *img;
	struct disk_extent ext;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/disk.raw", dir);
	fill_pattern(data, sizeof(data), 1);
	save(path, data, sizeof(data));
	img = open_ok(path, false);
	if (img) {
		CHECK_EQ(disk_image_format(img), DISK_FORMAT_RAW);
		CHECK_EQ(disk_image_size(img), sizeof(data));
		CHECK(!disk_image_read_only(img));
		CHECK(!strcmp(disk_image_path(img), path));
		CHECK_EQ(disk_image_map(img, 4096, sizeof(data) - 4096, false, &ext, NULL), 0);
		CHECK_EQ(ext.file_offset, 4096);
		CHECK_EQ(ext.length, sizeof(data) - 4096);
		CHECK(!ext.hole);
		CHECK_EQ(disk_image_map(img, 512, 1024, true, &ext, NULL), 0);
		CHECK_EQ(ext.file_offset, 512);
		CHECK_EQ(ext.length, 1024);
		memset(got, 0x77, 1024);
		CHECK_EQ(pwrite_full(disk_image_fd(img), got, 1024, (off_t)ext.file_offset), 0);
		memset(data + 512, 0x77, 1024);
		CHECK_EQ(disk_image_flush(img, NULL), 0);
		CHECK_EQ(pread_full(disk_image_fd(img), got, sizeof(got), 0), 0);
		CHECK(memcmp(got, data, sizeof(data)) == 0);
		disk_image_close(img);
	}
	remove_tmp_dir(dir);
}

/* A VHD named .raw is a VHD, a raw file named .vhd is raw. */
static void formats_are_detected_by_content_not_name(void)
{
	char dir[64], fixed[128], dynamic[128], raw[128];
	uint8_t zeros[4096] = { 0 };
	struct disk_image *img;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(fixed, sizeof(fixed), "%s/fixed.raw", dir);
	snprintf(dynamic, sizeof(dynamic), "%s/dynamic.img", dir);
	snprintf(raw, sizeof(raw), "%s/plain.vhd", dir);
	CHECK_EQ(disk_image_create_vhd(fixed, 3 * MiB, false, NULL), 0);
	CHECK_EQ(disk_image_create_vhd(dynamic, 5 * MiB, true, NULL), 0);
	save(raw, zeros, sizeof(zeros));
	img = open_ok(fixed, false);
	if (img) {
		CHECK_EQ(disk_image_format(img), DISK_FORMAT_VHD_FIXED);
		CHECK_EQ(disk_image_size(img), 3 * MiB);
		disk_image_close(img);
	}
	img = open_ok(dynamic, false);
	if (img) {
		CHECK_EQ(disk_image_format(img), DISK_FORMAT_VHD_DYNAMIC);
		CHECK_EQ(disk_image_size(img), 5 * MiB);
		disk_image_close(img);
	}
	img = open_ok(raw, false);
	if (img) {
		CHECK_EQ(disk_image_format(img), DISK_FORMAT_RAW);
		CHECK_EQ(disk_image_size(img), sizeof(zeros));
		disk_image_close(img);
	}
	remove_tmp_dir(dir);
}

static void raw_images_must_be_whole_sectors(void)
{
	char dir[64], path[128];
	uint8_t data[1000] = { 0 };
	struct disk_image *img;
	struct disk_extent ext;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/odd.raw", dir);
	save(path, data, sizeof(data));
	expect_open_error(path, -EINVAL, "raw image size 1000 is not a multiple of 512");
	save(path, data, 100);
	expect_open_error(path, -EINVAL, "multiple of 512");
	save(path, data, 0);                    /* empty: a disk of no sectors */
	img = open_ok(path, false);
	if (img) {
		CHECK_EQ(disk_image_size(img), 0);
		CHECK_EQ(disk_image_map(img, 0, 512, false, &ext, NULL), -EINVAL);
		disk_image_close(img);
	}
	remove_tmp_dir(dir);
}

static void missing_and_non_regular_files_are_refused(void)
{
	char dir[64], path[128];

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/none.vhd", dir);
	expect_open_error(path, -ENOENT, "No such file");
	expect_open_error(dir, -EISDIR, dir);   /* O_RDWR on a directory */
	{
		struct uvm_error err = { 0 };
		struct disk_image *img = NULL;

		CHECK_EQ(disk_image_open(dir, true, &img, &err), -EINVAL);
		CHECK_STR_CONTAINS(err.msg, "not a regular file");
	}
	remove_tmp_dir(dir);
}

/* Every format refuses ranges that are not whole sectors inside the disk. */
static void bad_ranges_are_refused_in_every_format(void)
{
	char dir[64], path[3][128];
	uint8_t zeros[1024 * 1024];

	memset(zeros, 0, sizeof(zeros));
	make_tmp_dir(dir, sizeof(dir));
	snprintf(path[0], sizeof(path[0]), "%s/r.raw", dir);
	snprintf(path[1], sizeof(path[1]), "%s/f.vhd", dir);
	snprintf(path[2], sizeof(path[2]), "%s/d.vhd", dir);
	save(path[0], zeros, sizeof(zeros));
	CHECK_EQ(disk_image_create_vhd(path[1], MiB, false, NULL), 0);
	CHECK_EQ(disk_image_create_vhd(path[2], MiB, true, NULL), 0);
	for (int i = 0; i < 3; i++) {
		struct disk_image *img = open_ok(path[i], false);
		struct uvm_error err = { 0 };
		struct disk_extent ext;

		if (!img)
			continue;
		CHECK_EQ(disk_image_size(img), MiB);
		CHECK_EQ(disk_image_map(img, 100, 512, false, &ext, &err), -EINVAL);
		CHECK_STR_CONTAINS(err.msg, "range 0x64+0x200");
		CHECK_EQ(disk_image_map(img, 0, 100, false, &ext, NULL), -EINVAL);
		CHECK_EQ(disk_image_map(img, 0, 0, false, &ext, NULL), -EINVAL);
		CHECK_EQ(disk_image_map(img, MiB, 512, false, &ext, NULL), -EINVAL);
		CHECK_EQ(disk_image_map(img, MiB - 512, 1024, true, &ext, NULL), -EINVAL);
		CHECK_EQ(disk_image_map(img, UINT64_MAX - 511, 1024, false, &ext, NULL), -EINVAL);
		CHECK_EQ(disk_image_map(img, 512, UINT64_MAX - 511, true, &ext, NULL), -EINVAL);
		CHECK_EQ(disk_image_map(img, MiB - 512, 512, true, &ext, NULL), 0);
		CHECK_EQ(ext.length, 512);
		CHECK(!ext.hole);
		disk_image_close(img);
	}
	remove_tmp_dir(dir);
}

static void read_only_images_refuse_writes(void)
{
	char dir[64], path[3][128];
	uint8_t zeros[8192] = { 0 };

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path[0], sizeof(path[0]), "%s/r.raw", dir);
	snprintf(path[1], sizeof(path[1]), "%s/f.vhd", dir);
	snprintf(path[2], sizeof(path[2]), "%s/d.vhd", dir);
	save(path[0], zeros, sizeof(zeros));
	CHECK_EQ(disk_image_create_vhd(path[1], sizeof(zeros), false, NULL), 0);
	CHECK_EQ(disk_image_create_vhd(path[2], 4 * MiB, true, NULL), 0);
	for (int i = 0; i < 3; i++) {
		struct disk_image *img = open_ok(path[i], true);
		struct uvm_error err = { 0 };
		struct disk_extent ext;
		struct stat before, after;

		if (!img)
			continue;
		CHECK_EQ(stat(path[i], &before), 0);
		CHECK(disk_image_read_only(img));
		CHECK_EQ(disk_image_map(img, 0, 512, true, &ext, &err), -EROFS);
		CHECK_STR_CONTAINS(err.msg, "read-only");
		CHECK_EQ(disk_image_map(img, 0, 512, false, &ext, NULL), 0);
		CHECK_EQ(ext.hole, i == 2);
		CHECK_EQ(fcntl(disk_image_fd(img), F_GETFL) & O_ACCMODE, O_RDONLY);
		CHECK_EQ(disk_image_flush(img, NULL), 0);
		disk_image_close(img);
		CHECK_EQ(stat(path[i], &after), 0);
		CHECK_EQ(after.st_size, before.st_size);
	}
	remove_tmp_dir(dir);
}

/* A dynamic VHD maps block by block: an extent never crosses a block boundary,
 * unallocated blocks are holes, and mapping for write allocates only the
 * block the extent is in. */
static void dynamic_vhd_extents_stop_at_block_boundaries(void)
{
	char dir[64], path[128];
	struct disk_image *img;
	struct disk_extent ext;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/d.vhd", dir);
	CHECK_EQ(disk_image_create_vhd(path, 8 * MiB, true, NULL), 0);
	img = open_ok(path, false);
	if (img) {
		CHECK_EQ(disk_image_map(img, 0, 8 * MiB, false, &ext, NULL), 0);
		CHECK(ext.hole);
		CHECK_EQ(ext.length, 2 * MiB);
		CHECK_EQ(disk_image_map(img, 2 * MiB - 512, 4096, false, &ext, NULL), 0);
		CHECK(ext.hole);
		CHECK_EQ(ext.length, 512);
		CHECK_EQ(disk_image_map(img, 2 * MiB - 512, 4096, true, &ext, NULL), 0);
		CHECK(!ext.hole);
		CHECK_EQ(ext.length, 512);
		CHECK_EQ(disk_image_map(img, 0, 512, false, &ext, NULL), 0);
		CHECK(!ext.hole);
		CHECK_EQ(disk_image_map(img, 2 * MiB, 3584, false, &ext, NULL), 0);
		CHECK(ext.hole);
		CHECK_EQ(ext.length, 3584);
		CHECK_EQ(disk_image_map(img, 8 * MiB - 1024, 1024, false, &ext, NULL), 0);
		CHECK(ext.hole);
		CHECK_EQ(ext.length, 1024);
		disk_image_close(img);
	}
	remove_tmp_dir(dir);
}

/* The data of a fixed VHD is the start of the file; the footer after it is
 * never reachable, even by writing the last sector. */
static void fixed_vhd_footer_is_out_of_reach(void)
{
	char dir[64], path[128];
	struct disk_image *img;
	struct disk_extent ext;
	struct stat st;
	uint8_t sector[512];

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/f.vhd", dir);
	CHECK_EQ(disk_image_create_vhd(path, 64 * MiB, false, NULL), 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_size, 64 * MiB + 512);
	CHECK((uint64_t)st.st_blocks * 512 < MiB);   /* sparse */
	img = open_ok(path, false);
	if (img) {
		CHECK_EQ(disk_image_map(img, 0, 64 * MiB, true, &ext, NULL), 0);
		CHECK_EQ(ext.file_offset, 0);
		CHECK_EQ(ext.length, 64 * MiB);
		CHECK_EQ(disk_image_map(img, 64 * MiB - 512, 512, true, &ext, NULL), 0);
		CHECK_EQ(ext.file_offset, 64 * MiB - 512);
		memset(sector, 0xab, sizeof(sector));
		CHECK_EQ(pwrite_full(disk_image_fd(img), sector, 512, (off_t)ext.file_offset), 0);
		CHECK_EQ(disk_image_map(img, 64 * MiB, 512, false, &ext, NULL), -EINVAL);
		disk_image_close(img);
	}
	img = open_ok(path, true);   /* the footer is intact */
	if (img) {
		CHECK_EQ(disk_image_format(img), DISK_FORMAT_VHD_FIXED);
		disk_image_close(img);
	}
	remove_tmp_dir(dir);
}

static void create_never_overwrites_and_leaves_nothing_on_error(void)
{
	char dir[64], path[128];
	struct uvm_error err = { 0 };
	uint8_t data[512], got[512];
	struct stat st;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/taken.vhd", dir);
	fill_pattern(data, sizeof(data), 3);
	save(path, data, sizeof(data));
	CHECK_EQ(disk_image_create_vhd(path, MiB, true, &err), -EEXIST);
	CHECK_STR_CONTAINS(err.msg, path);
	CHECK_EQ(disk_image_create_vhd(path, MiB, false, NULL), -EEXIST);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_size, 512);
	{
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		CHECK_EQ(pread_full(fd, got, sizeof(got), 0), 0);
		close(fd);
		CHECK(memcmp(got, data, sizeof(data)) == 0);
	}

	snprintf(path, sizeof(path), "%s/bad.vhd", dir);
	CHECK_EQ(disk_image_create_vhd(path, 1000, true, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "multiple of 512");
	CHECK(access(path, F_OK) < 0);
	CHECK_EQ(disk_image_create_vhd(path, 0, false, NULL), -EINVAL);
	CHECK(access(path, F_OK) < 0);
	CHECK_EQ(disk_image_create_vhd(path, 2041ull << 30, true, &err), -EFBIG);
	CHECK_STR_CONTAINS(err.msg, "limit");
	CHECK(access(path, F_OK) < 0);
	snprintf(path, sizeof(path), "%s/no/such/dir.vhd", dir);
	CHECK_EQ(disk_image_create_vhd(path, MiB, true, NULL), -ENOENT);
	remove_tmp_dir(dir);
}

static void created_images_open_with_their_size(void)
{
	static const uint64_t sizes[] = { 512, 2 * MiB, 2 * MiB + 512, 100 * MiB + 3 * 512,
					  40ull << 30 };
	char dir[64], path[128];

	make_tmp_dir(dir, sizeof(dir));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int dynamic = 0; dynamic < 2; dynamic++) {
			struct disk_image *img;
			struct disk_extent ext;

			snprintf(path, sizeof(path), "%s/%zu-%d.vhd", dir, i, dynamic);
			CHECK_EQ(disk_image_create_vhd(path, sizes[i], dynamic, NULL), 0);
			img = open_ok(path, false);
			if (!img)
				continue;
			CHECK_EQ(disk_image_format(img),
				 dynamic ? DISK_FORMAT_VHD_DYNAMIC : DISK_FORMAT_VHD_FIXED);
			CHECK_EQ(disk_image_size(img), sizes[i]);
			CHECK_EQ(disk_image_map(img, sizes[i] - 512, 512, false, &ext, NULL), 0);
			CHECK_EQ(ext.hole, dynamic);
			disk_image_close(img);
			unlink(path);
		}
	}
	remove_tmp_dir(dir);
}

static void appending_a_footer_makes_a_fixed_vhd(void)
{
	char dir[64], path[128], other[128];
	uint8_t data[3 * 4096], got[sizeof(data)];
	struct uvm_error err = { 0 };
	struct disk_image *img;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/layer.raw", dir);
	fill_pattern(data, sizeof(data), 4);
	save(path, data, sizeof(data));
	CHECK_EQ(disk_image_append_vhd_footer(path, NULL), 0);
	img = open_ok(path, false);
	if (img) {
		CHECK_EQ(disk_image_format(img), DISK_FORMAT_VHD_FIXED);
		CHECK_EQ(disk_image_size(img), sizeof(data));
		CHECK_EQ(pread_full(disk_image_fd(img), got, sizeof(got), 0), 0);
		CHECK(memcmp(got, data, sizeof(data)) == 0);
		disk_image_close(img);
	}
	CHECK_EQ(disk_image_append_vhd_footer(path, &err), -EEXIST);
	CHECK_STR_CONTAINS(err.msg, "already a VHD");

	snprintf(other, sizeof(other), "%s/dyn.vhd", dir);
	CHECK_EQ(disk_image_create_vhd(other, MiB, true, NULL), 0);
	CHECK_EQ(disk_image_append_vhd_footer(other, NULL), -EEXIST);
	save(other, data, 1000);
	CHECK_EQ(disk_image_append_vhd_footer(other, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "multiple of 512");
	save(other, data, 0);
	CHECK_EQ(disk_image_append_vhd_footer(other, NULL), -EINVAL);
	snprintf(other, sizeof(other), "%s/missing.raw", dir);
	CHECK_EQ(disk_image_append_vhd_footer(other, NULL), -ENOENT);
	remove_tmp_dir(dir);
}

/* The O_DIRECT fd, when the file system allows one, is the same file. */
static void direct_fd_is_the_same_file(void)
{
	char dir[64], path[128];
	struct disk_image *img;

	make_tmp_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/d.vhd", dir);
	CHECK_EQ(disk_image_create_vhd(path, 4 * MiB, true, NULL), 0);
	img = open_ok(path, false);
	if (img) {
		int dfd = disk_image_direct_fd(img);
		struct stat a, b;

		CHECK(dfd != disk_image_fd(img));
		if (dfd >= 0) {
			uint8_t *buf = aligned_alloc(4096, 4096);
			struct disk_extent ext;

			CHECK_EQ(fstat(disk_image_fd(img), &a), 0);
			CHECK_EQ(fstat(dfd, &b), 0);
			CHECK(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
			CHECK(fcntl(dfd, F_GETFL) & O_DIRECT);
			CHECK_EQ(fcntl(dfd, F_GETFL) & O_ACCMODE, O_RDWR);
			/* Allocated data starts on 4 KiB: O_DIRECT works there. */
			CHECK_EQ(disk_image_map(img, 0, 4096, true, &ext, NULL), 0);
			CHECK_EQ(ext.file_offset % 4096, 0);
			memset(buf, 0x5e, 4096);
			CHECK_EQ(pwrite(dfd, buf, 4096, (off_t)ext.file_offset), 4096);
			memset(buf, 0, 4096);
			CHECK_EQ(pread_full(disk_image_fd(img), buf, 4096, (off_t)ext.file_offset), 0);
			CHECK_EQ(buf[0], 0x5e);
			CHECK_EQ(buf[4095], 0x5e);
			free(buf);
		} else {
			printf("#   %s refuses O_DIRECT; direct fd is -1\n", dir);
		}
		CHECK_EQ(disk_image_flush(img, NULL), 0);
		disk_image_close(img);
	}
	remove_tmp_dir(dir);
}

TEST_LIST(
	T(format_names_are_stable),
	T(raw_image_maps_onto_itself),
	T(formats_are_detected_by_content_not_name),
	T(raw_images_must_be_whole_sectors),
	T(missing_and_non_regular_files_are_refused),
	T(bad_ranges_are_refused_in_every_format),
	T(read_only_images_refuse_writes),
	T(dynamic_vhd_extents_stop_at_block_boundaries),
	T(fixed_vhd_footer_is_out_of_reach),
	T(create_never_overwrites_and_leaves_nothing_on_error),
	T(created_images_open_with_their_size),
	T(appending_a_footer_makes_a_fixed_vhd),
	T(direct_fd_is_the_same_file),
);

TEST_MAIN("disk-image")
