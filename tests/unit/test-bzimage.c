/* bzImage header parsing against Debian's real kernel, and refusal of
 * everything that is not a bootable x86-64 bzImage, with a message that
 * names the problem. */
#include <errno.h>

#include "../../boot/bzimage.h"
#include "../../vmm/bytes.h"
#include "../../vmm/layout.h"
#include "kernel-file.h"

static void debian_kernel_header_is_read(void)
{
	struct bzimage bz;
	struct uvm_error err = { 0 };
	uint8_t *data;
	size_t size;

	if (load_test_kernel(&data, &size) < 0) {
		CHECK(!"test kernel available");
		return;
	}
	CHECK_EQ(bzimage_parse(data, size, &bz, &err), 0);
	CHECK(bz.version >= 0x020c);
	CHECK(bz.xloadflags & BZ_XLF_KERNEL_64);
	CHECK(bz.loadflags & BZ_LOADED_HIGH);
	CHECK_EQ(bz.setup_size, (size_t)(data[0x1f1] + 1) * 512);
	CHECK_EQ(bz.kernel_size, size - bz.setup_size);
	CHECK_EQ(bz.header_len, 0x202 + data[0x201] - 0x1f1);
	CHECK(bz.relocatable);
	CHECK_EQ(bz.kernel_alignment, 2 * MiB);
	CHECK_EQ(bz.pref_address, 16 * MiB);     /* Debian's LOAD_PHYSICAL_ADDR */
	CHECK_EQ(bz.initrd_addr_max, 0x7fffffff);
	CHECK_EQ(bz.cmdline_size, 2047);
	CHECK(bz.init_size > bz.kernel_size);
	CHECK_EQ(bz.init_size, get_le32(data + 0x260));
	/* Loaded at 1 MiB it runs at LOAD_PHYSICAL_ADDR and needs init_size. */
	CHECK_EQ(bzimage_kernel_end(&bz, KERNEL_LOAD_ADDR), 16 * MiB + bz.init_size);
	free(data);
}

static void kernel_is_copied_to_its_load_address(void)
{
	struct guest_memory gm;
	struct bzimage bz;
	uint8_t *data;
	size_t size;

	if (load_test_kernel(&data, &size) < 0) {
		CHECK(!"test kernel available");
		return;
	}
	CHECK_EQ(bzimage_parse(data, size, &bz, NULL), 0);
	CHECK_EQ(guest_memory_create(&gm, 64 * MiB, NULL), 0);
	CHECK_EQ(bzimage_load(&bz, &gm, KERNEL_LOAD_ADDR, NULL), 0);
	CHECK(memcmp(gm_ptr(&gm, KERNEL_LOAD_ADDR, bz.kernel_size), data + bz.setup_size,
		     bz.kernel_size) == 0);
	guest_memory_destroy(&gm);
	CHECK_EQ(guest_memory_create(&gm, 4 * MiB, NULL), 0);
	CHECK_EQ(bzimage_load(&bz, &gm, KERNEL_LOAD_ADDR, NULL), -ENOMEM);
	guest_memory_destroy(&gm);
	free(data);
}

static void opened_kernel_is_streamed_into_guest_memory(void)
{
	const char *path = getenv("UVMRUN_TEST_KERNEL");
	struct guest_memory gm;
	struct bzimage bz;
	uint8_t *data;
	size_t size;

	if (!path || load_test_kernel(&data, &size) < 0) {
		CHECK(!"test kernel available");
		return;
	}
	CHECK_EQ(bzimage_open(path, &bz, NULL), 0);
	CHECK_EQ(bz.size, size);
	CHECK(bz.fd >= 0);
	CHECK_EQ(guest_memory_create(&gm, 64 * MiB, NULL), 0);
	CHECK_EQ(bzimage_load(&bz, &gm, KERNEL_LOAD_ADDR, NULL), 0);
	CHECK(memcmp(gm_ptr(&gm, KERNEL_LOAD_ADDR, bz.kernel_size), data + bz.setup_size,
		     bz.kernel_size) == 0);
	guest_memory_destroy(&gm);
	bzimage_close(&bz);
	free(data);
}

/* A header good enough to parse, to break one field at a time. */
static void make_header(uint8_t *img, size_t size)
{
	memset(img, 0, size);
	img[0x1f1] = 1;                        /* 2 sectors of setup */
	put_le32(img + 0x1f4, (uint32_t)((size - 1024) / 16));
	put_le16(img + 0x1fe, 0xaa55);
	img[0x201] = 0x66;                     /* header ends at 0x268 */
	memcpy(img + 0x202, "HdrS", 4);
	put_le16(img + 0x206, 0x020f);
	img[0x211] = BZ_LOADED_HIGH;
	put_le32(img + 0x22c, 0x7fffffff);
	put_le32(img + 0x230, 0x200000);
	img[0x234] = 1;
	put_le16(img + 0x236, BZ_XLF_KERNEL_64);
	put_le32(img + 0x238, 255);
	put_le64(img + 0x258, 0x1000000);
	put_le32(img + 0x260, 0x100000);
}

static int parse_with_message(const uint8_t *img, size_t size, const char *expect)
{
	struct bzimage bz;
	struct uvm_error err = { 0 };
	int ret = bzimage_parse(img, size, &bz, &err);

	CHECK_STR_CONTAINS(err.msg, expect);
	return ret;
}

static void synthetic_header_parses(void)
{
	uint8_t img[4096];
	struct bzimage bz;

	make_header(img, sizeof(img));
	CHECK_EQ(bzimage_parse(img, sizeof(img), &bz, NULL), 0);
	CHECK_EQ(bz.setup_size, 1024);
	CHECK_EQ(bz.kernel_size, 3072);
}

static void non_bzimages_are_refused_with_a_reason(void)
{
	uint8_t img[4096];

	memcpy(img, "\177ELF", 4);
	CHECK_EQ(parse_with_message(img, sizeof(img), "ELF"), -ENOEXEC);
	memset(img, 0, sizeof(img));
	CHECK_EQ(parse_with_message(img, 100, "too short"), -ENOEXEC);

	make_header(img, sizeof(img));
	put_le16(img + 0x1fe, 0x1234);
	CHECK_EQ(parse_with_message(img, sizeof(img), "boot flag"), -ENOEXEC);

	make_header(img, sizeof(img));
	memcpy(img + 0x202, "NOPE", 4);
	CHECK_EQ(parse_with_message(img, sizeof(img), "HdrS"), -ENOEXEC);

	make_header(img, sizeof(img));
	put_le16(img + 0x206, 0x0204);
	CHECK_EQ(parse_with_message(img, sizeof(img), "too old"), -ENOEXEC);

	make_header(img, sizeof(img));
	img[0x211] = 0;
	CHECK_EQ(parse_with_message(img, sizeof(img), "zImage"), -ENOEXEC);

	make_header(img, sizeof(img));
	put_le16(img + 0x236, 0);
	CHECK_EQ(parse_with_message(img, sizeof(img), "64-bit"), -ENOEXEC);
}

static void truncated_and_inconsistent_images_are_refused(void)
{
	uint8_t img[4096];

	make_header(img, sizeof(img));
	img[0x1f1] = 9;                        /* setup runs past the end */
	CHECK_EQ(parse_with_message(img, 2048, "truncated"), -ENOEXEC);

	make_header(img, sizeof(img));
	put_le32(img + 0x1f4, 0x10000);        /* syssize beyond the file */
	CHECK_EQ(parse_with_message(img, sizeof(img), "syssize"), -ENOEXEC);

	make_header(img, sizeof(img));
	put_le32(img + 0x230, 0x300000);
	CHECK_EQ(parse_with_message(img, sizeof(img), "power of two"), -ENOEXEC);

	make_header(img, sizeof(img));
	put_le32(img + 0x260, 16);
	CHECK_EQ(parse_with_message(img, sizeof(img), "init_size"), -ENOEXEC);

	make_header(img, sizeof(img));
	img[0x201] = 0x10;                     /* header too short for init_size */
	CHECK_EQ(parse_with_message(img, sizeof(img), "too short"), -ENOEXEC);
}

static void opening_a_missing_file_names_it(void)
{
	struct bzimage bz;
	struct uvm_error err = { 0 };

	CHECK_EQ(bzimage_open("/nonexistent/vmlinuz", &bz, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "/nonexistent/vmlinuz");
	CHECK_EQ(bzimage_open("/dev/null", &bz, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "not a regular file");
}

TEST_LIST(T(debian_kernel_header_is_read), T(kernel_is_copied_to_its_load_address),
	  T(opened_kernel_is_streamed_into_guest_memory),
	  T(synthetic_header_parses), T(non_bzimages_are_refused_with_a_reason),
	  T(truncated_and_inconsistent_images_are_refused), T(opening_a_missing_file_names_it));
TEST_MAIN("bzimage")
