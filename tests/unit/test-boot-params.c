/* boot_params as the Linux boot protocol asks for them, built for Debian's
 * real bzImage: the setup header copied, loader fields, command line and
 * initrd pointers, the e820 map and the ACPI RSDP address. */
#include <errno.h>

#include "../../boot/boot-params.h"
#include "../../boot/linux-loader.h"
#include "../../vmm/bytes.h"
#include "../../vmm/layout.h"
#include "kernel-file.h"

static void e820_map_for_small_guest(void)
{
	struct guest_memory gm;
	struct e820_entry e[8];
	int n;

	CHECK_EQ(guest_memory_create(&gm, 256 * MiB, NULL), 0);
	n = boot_e820_build(&gm, e, 8);
	CHECK_EQ(n, 4);
	CHECK_EQ(e[0].addr, 0);
	CHECK_EQ(e[0].size, EBDA_START);
	CHECK_EQ(e[0].type, E820_RAM);
	CHECK_EQ(e[1].type, E820_RESERVED);
	CHECK_EQ(e[2].addr, BIOS_AREA_START);
	CHECK_EQ(e[2].addr + e[2].size, MiB);
	CHECK_EQ(e[2].type, E820_RESERVED);
	CHECK_EQ(e[3].addr, MiB);
	CHECK_EQ(e[3].addr + e[3].size, 256 * MiB);
	CHECK_EQ(e[3].type, E820_RAM);
	guest_memory_destroy(&gm);
}

static void e820_map_splits_around_the_mmio_hole(void)
{
	struct guest_memory gm;
	struct e820_entry e[8];
	uint64_t ram = 0;
	int n;

	CHECK_EQ(guest_memory_create(&gm, 5 * GiB, NULL), 0);
	n = boot_e820_build(&gm, e, 8);
	CHECK_EQ(n, 5);
	CHECK_EQ(e[3].addr + e[3].size, MMIO_HOLE_START);
	CHECK_EQ(e[4].addr, HIGH_RAM_START);
	CHECK_EQ(e[4].size, 5 * GiB - MMIO_HOLE_START);
	for (int i = 0; i < n; i++) {
		if (e[i].type == E820_RAM)
			ram += e[i].size;
		/* Nothing in the map touches the IOAPIC or LAPIC. */
		CHECK(!(e[i].addr <= IOAPIC_ADDR && e[i].addr + e[i].size > IOAPIC_ADDR));
	}
	/* RAM below 1 MiB loses the EBDA and the BIOS area to reservations. */
	CHECK_EQ(ram, 5 * GiB - (MiB - EBDA_START));
	guest_memory_destroy(&gm);
}

static void zero_page_follows_the_boot_protocol(void)
{
	struct guest_memory gm;
	struct bzimage bz;
	struct boot_layout layout = {
		.cmdline_addr = BOOT_CMDLINE_ADDR,
		.initrd_addr = 0x7000000,
		.initrd_size = 123456,
		.rsdp_addr = BIOS_AREA_START,
	};
	uint8_t zp[BOOT_PARAMS_SIZE];
	uint8_t *data;
	size_t size;

	if (load_test_kernel(&data, &size) < 0) {
		CHECK(!"test kernel available");
		return;
	}
	CHECK_EQ(bzimage_parse(data, size, &bz, NULL), 0);
	CHECK_EQ(guest_memory_create(&gm, 256 * MiB, NULL), 0);
	boot_params_build(zp, &bz, &gm, &layout);

	/* The header is the image's, with the loader's fields filled in. */
	CHECK(memcmp(zp + 0x202, "HdrS", 4) == 0);
	CHECK_EQ(get_le16(zp + 0x206), get_le16(data + 0x206));
	CHECK_EQ(get_le32(zp + 0x260), bz.init_size);
	CHECK_EQ(zp[0x210], 0xff);                         /* type_of_loader */
	CHECK(zp[0x211] & BZ_CAN_USE_HEAP);
	CHECK(zp[0x211] & BZ_LOADED_HIGH);
	CHECK_EQ(get_le16(zp + 0x1fa), 0xffff);            /* vid_mode */
	CHECK_EQ(get_le32(zp + 0x214), KERNEL_LOAD_ADDR);  /* code32_start */
	CHECK_EQ(get_le32(zp + 0x228), BOOT_CMDLINE_ADDR); /* cmd_line_ptr */
	CHECK_EQ(get_le32(zp + 0x218), 0x7000000);         /* ramdisk_image */
	CHECK_EQ(get_le32(zp + 0x21c), 123456);            /* ramdisk_size */
	CHECK_EQ(get_le32(zp + BP_EXT_RAMDISK_IMAGE), 0);
	CHECK_EQ(get_le64(zp + BP_ACPI_RSDP_ADDR), BIOS_AREA_START);
	/* Nothing outside the header and the fields we own. */
	CHECK_EQ(get_le64(zp + 0x000), 0);
	CHECK_EQ(zp[0x1f0], 0);

	CHECK_EQ(zp[BP_E820_ENTRIES], 4);
	CHECK_EQ(get_le64(zp + BP_E820_TABLE + 3 * 20), MiB);
	CHECK_EQ(get_le64(zp + BP_E820_TABLE + 3 * 20 + 8), 255 * MiB);
	CHECK_EQ(get_le32(zp + BP_E820_TABLE + 3 * 20 + 16), E820_RAM);
	guest_memory_destroy(&gm);
	free(data);
}

static void initrd_goes_high_and_page_aligned(void)
{
	struct guest_memory gm;
	struct bzimage bz = { .initrd_addr_max = 0x7fffffff };
	struct uvm_error err = { 0 };
	uint64_t addr = 0;

	CHECK_EQ(guest_memory_create(&gm, 256 * MiB, NULL), 0);
	CHECK_EQ(boot_place_initrd(&bz, &gm, 80 * MiB, 1000000, &addr, &err), 0);
	CHECK_EQ(addr % 4096, 0);
	CHECK(addr >= 80 * MiB);
	CHECK(addr + 1000000 <= 256 * MiB);
	CHECK(256 * MiB - addr < 1000000 + 4096);

	/* A kernel that cannot reach high memory gets it lower. */
	bz.initrd_addr_max = 128 * MiB - 1;
	CHECK_EQ(boot_place_initrd(&bz, &gm, 80 * MiB, 1000000, &addr, &err), 0);
	CHECK(addr + 1000000 <= 128 * MiB);

	/* No room between the kernel and the top. */
	CHECK_EQ(boot_place_initrd(&bz, &gm, 120 * MiB, 10 * MiB, &addr, &err), -ENOMEM);
	CHECK_STR_CONTAINS(err.msg, "does not fit");
	guest_memory_destroy(&gm);
}

static void debian_kernel_is_laid_out_in_guest_memory(void)
{
	struct linux_image img;
	struct linux_entry entry;
	struct guest_memory gm;
	struct uvm_error err = { 0 };
	const char *kernel = getenv("UVMRUN_TEST_KERNEL");
	uint8_t *zp;

	if (!kernel) {
		CHECK(!"UVMRUN_TEST_KERNEL set");
		return;
	}
	CHECK_EQ(linux_image_open(&img, kernel, NULL, "console=ttyS0 quiet", &err), 0);
	CHECK(linux_image_min_memory(&img) > 80 * MiB);
	CHECK(linux_image_min_memory(&img) < 160 * MiB);
	CHECK_EQ(guest_memory_create(&gm, 256 * MiB, NULL), 0);
	CHECK_EQ(linux_image_load(&img, &gm, 2, false, &entry, &err), 0);
	CHECK_EQ(entry.rip, KERNEL_LOAD_ADDR + 0x200);
	CHECK_EQ(entry.zero_page, BOOT_ZERO_PAGE_ADDR);
	zp = gm_ptr(&gm, BOOT_ZERO_PAGE_ADDR, BOOT_PARAMS_SIZE);
	CHECK(strcmp((char *)gm_ptr(&gm, get_le32(zp + 0x228), 20), "console=ttyS0 quiet") == 0);
	CHECK(memcmp(gm_ptr(&gm, BIOS_AREA_START, 8), "RSD PTR ", 8) == 0);
	/* Identity map: the first PDE maps 0 with a 2 MiB page. */
	CHECK_EQ(get_le64(gm_ptr(&gm, BOOT_PD_ADDR, 8)), 0x83);
	guest_memory_destroy(&gm);

	/* Too little memory is refused with both figures. */
	CHECK_EQ(guest_memory_create(&gm, 64 * MiB, NULL), 0);
	CHECK_EQ(linux_image_load(&img, &gm, 1, false, &entry, &err), -ENOMEM);
	CHECK_STR_CONTAINS(err.msg, "64 MiB of memory is too little");
	guest_memory_destroy(&gm);
	linux_image_close(&img);
}

static void bad_initrd_and_cmdline_are_refused(void)
{
	struct linux_image img;
	struct uvm_error err = { 0 };
	const char *kernel = getenv("UVMRUN_TEST_KERNEL");
	char longline[4096];

	if (!kernel) {
		CHECK(!"UVMRUN_TEST_KERNEL set");
		return;
	}
	CHECK_EQ(linux_image_open(&img, kernel, "/nonexistent/initrd", "", &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "initrd /nonexistent/initrd");
	CHECK_EQ(linux_image_open(&img, kernel, "/", "", &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "not a regular file");
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	CHECK_EQ(linux_image_open(&img, kernel, NULL, longline, &err), -E2BIG);
	CHECK_STR_CONTAINS(err.msg, "at most 2047");
	CHECK_EQ(linux_image_open(&img, "/bin/sh", NULL, "", &err), -ENOEXEC);
	CHECK_STR_CONTAINS(err.msg, "kernel /bin/sh: not a bzImage");
}

TEST_LIST(T(e820_map_for_small_guest), T(e820_map_splits_around_the_mmio_hole),
	  T(zero_page_follows_the_boot_protocol), T(initrd_goes_high_and_page_aligned),
	  T(debian_kernel_is_laid_out_in_guest_memory), T(bad_initrd_and_cmdline_are_refused));
TEST_MAIN("boot-params")
