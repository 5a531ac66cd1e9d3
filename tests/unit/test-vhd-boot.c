/* Booting from a disk image (BootSource "Vhd"): the kernel and initrd are
 * copied out of an ext4 file system made by layer_build, whether the image
 * is raw, a fixed VHD or a dynamic VHD (expanded through disk_image); a
 * file the image lacks, or an image that is no file system, is refused. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../boot/vhd-boot.h"
#include "../../devices/disk-image.h"
#include "../../hcs-api/layer-build.h"
#include "../../vmm/fileio.h"
#include "test.h"

struct rig {
	char dir[64], src[96], raw[96], fixed[96], dynamic[96];
};

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	CHECK(fd >= 0);
	CHECK_EQ(write_full(fd, text, strlen(text)), 0);
	close(fd);
}

/* A dynamic VHD with the raw image's contents, written through disk_image. */
static void make_dynamic(const char *raw, const char *out)
{
	struct disk_image *img;
	struct uvm_error err = { 0 };
	static uint8_t buf[65536];
	struct stat st;
	int fd = open(raw, O_RDONLY | O_CLOEXEC);

	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	CHECK_EQ(disk_image_create_vhd(out, (uint64_t)st.st_size, true, &err), 0);
	CHECK_EQ(disk_image_open(out, false, &img, &err), 0);
	for (uint64_t off = 0; off < (uint64_t)st.st_size; off += sizeof(buf)) {
		bool zero = true;
		struct disk_extent ext;

		CHECK_EQ(pread_full(fd, buf, sizeof(buf), (off_t)off), 0);
		for (size_t i = 0; i < sizeof(buf) && zero; i++)
			zero = !buf[i];
		if (zero)
			continue;     /* stays a hole */
		CHECK_EQ(disk_image_map(img, off, sizeof(buf), true, &ext, &err), 0);
		CHECK_EQ(ext.length, sizeof(buf));
		CHECK_EQ(pwrite_full(disk_image_fd(img), buf, sizeof(buf), (off_t)ext.file_offset), 0);
	}
	CHECK_EQ(disk_image_flush(img, &err), 0);
	disk_image_close(img);
	close(fd);
}

static void rig_setup(struct rig *r)
{
	struct uvm_error err = { 0 };
	char path[160];
	uint64_t size;

	snprintf(r->dir, sizeof(r->dir), "/tmp/vhd-boot.XXXXXX");
	CHECK(mkdtemp(r->dir) != NULL);
	snprintf(r->src, sizeof(r->src), "%s/src", r->dir);
	snprintf(r->raw, sizeof(r->raw), "%s/boot.img", r->dir);
	snprintf(r->fixed, sizeof(r->fixed), "%s/boot.vhd", r->dir);
	snprintf(r->dynamic, sizeof(r->dynamic), "%s/dynamic.vhd", r->dir);
	snprintf(path, sizeof(path), "%s/boot", r->src);
	CHECK_EQ(mkdir(r->src, 0755), 0);
	CHECK_EQ(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/boot/vmlinuz", r->src);
	write_text(path, "a kernel\n");
	snprintf(path, sizeof(path), "%s/boot/initrd.img", r->src);
	write_text(path, "an initrd\n");
	CHECK_EQ(layer_build(r->src, r->raw, &size, &err), 0);
	CHECK_EQ(layer_build(r->src, r->fixed, &size, &err), 0);
	make_dynamic(r->raw, r->dynamic);
}

static void rig_teardown(struct rig *r)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dir);
	CHECK_EQ(system(cmd), 0);
}

static void check_extracts(struct rig *r, const char *image)
{
	const char *const inner[] = { "/boot/vmlinuz", "/boot/initrd.img" };
	char k[128], i[128];
	const char *const out[] = { k, i };
	struct uvm_error err = { 0 };
	uint8_t *data = NULL;
	size_t len = 0;

	snprintf(k, sizeof(k), "%s/k", r->dir);
	snprintf(i, sizeof(i), "%s/i", r->dir);
	CHECK_EQ(vhd_boot_extract(image, inner, out, 2, r->dir, &err), 0);
	if (err.code)
		printf("#   %s\n", err.msg);
	CHECK_EQ(read_file(k, 4096, &data, &len, &err), 0);
	CHECK(len == 9 && !memcmp(data, "a kernel\n", 9));
	free(data);
	data = NULL;
	len = 0;
	CHECK_EQ(read_file(i, 4096, &data, &len, &err), 0);
	CHECK(len == 10 && !memcmp(data, "an initrd\n", 10));
	free(data);
}

static void kernel_and_initrd_come_out_of_every_format(void)
{
	struct rig r;
	struct disk_image *img;
	struct uvm_error err = { 0 };

	rig_setup(&r);
	CHECK_EQ(disk_image_open(r.dynamic, true, &img, &err), 0);
	CHECK_EQ(disk_image_format(img), DISK_FORMAT_VHD_DYNAMIC);
	disk_image_close(img);
	check_extracts(&r, r.raw);
	check_extracts(&r, r.fixed);
	check_extracts(&r, r.dynamic);
	rig_teardown(&r);
}

static void missing_files_and_non_file_systems_are_refused(void)
{
	const char *const inner[] = { "/boot/nope" };
	const char *const bad[] = { "boot/vmlinuz" };
	struct rig r;
	struct uvm_error err = { 0 };
	char out[128], junk[128];
	const char *const outs[] = { out };

	rig_setup(&r);
	snprintf(out, sizeof(out), "%s/out", r.dir);
	CHECK_EQ(vhd_boot_extract(r.fixed, inner, outs, 1, r.dir, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "no /boot/nope");
	CHECK(access(out, F_OK) < 0);
	CHECK_EQ(vhd_boot_extract(r.fixed, bad, outs, 1, r.dir, &err), -EINVAL);
	snprintf(junk, sizeof(junk), "%s/junk", r.dir);
	write_text(junk, "not a file system, not a VHD, just text\n");
	CHECK_EQ(truncate(junk, 1 << 20), 0);
	CHECK_EQ(vhd_boot_extract(junk, (const char *const[]){ "/boot/vmlinuz" }, outs, 1, r.dir, &err),
		 -ENOENT);
	CHECK(access(out, F_OK) < 0);
	rig_teardown(&r);
}

TEST_LIST(T(kernel_and_initrd_come_out_of_every_format),
	  T(missing_files_and_non_file_systems_are_refused));
TEST_MAIN("vhd-boot")
