/* boot_params, e820 and initrd placement for the Linux boot protocol
 * (boot-params.h). */
#include "boot-params.h"

#include <errno.h>
#include <string.h>

#include "../vmm/bytes.h"
#include "../vmm/layout.h"

#define PAGE_SIZE 4096ULL

int boot_e820_build(const struct guest_memory *gm, struct e820_entry *out, int max)
{
	struct e820_entry map[5];
	int n = 0;
	uint64_t low_end = gm_low_end(gm);

	map[n++] = (struct e820_entry){ 0, EBDA_START, E820_RAM };
	map[n++] = (struct e820_entry){ EBDA_START, 0xa0000 - EBDA_START, E820_RESERVED };
	map[n++] = (struct e820_entry){ BIOS_AREA_START, BIOS_AREA_END - BIOS_AREA_START, E820_RESERVED };
	if (low_end > KERNEL_LOAD_ADDR)
		map[n++] = (struct e820_entry){ KERNEL_LOAD_ADDR, low_end - KERNEL_LOAD_ADDR, E820_RAM };
	for (int i = 1; i < gm->nregions; i++)
		map[n++] = (struct e820_entry){ gm->regions[i].gpa, gm->regions[i].size, E820_RAM };
	if (n > max)
		n = max;
	memcpy(out, map, (size_t)n * sizeof(*out));
	return n;
}

int boot_place_initrd(const struct bzimage *bz, const struct guest_memory *gm, uint64_t lowest,
		      uint64_t size, uint64_t *addr, struct uvm_error *err)
{
	uint64_t top = gm_low_end(gm);
	uint64_t aligned_size = (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if (top > (uint64_t)bz->initrd_addr_max + 1)
		top = (uint64_t)bz->initrd_addr_max + 1;
	top &= ~(PAGE_SIZE - 1);
	if (aligned_size > top || top - aligned_size < lowest)
		return uvm_err(err, -ENOMEM,
			       "initrd of %llu KiB does not fit between the kernel (ends at %llu MiB) and the top of usable memory (%llu MiB)",
			       (unsigned long long)(size >> 10), (unsigned long long)(lowest >> 20),
			       (unsigned long long)(top >> 20));
	*addr = top - aligned_size;
	return 0;
}

void boot_params_build(uint8_t zp[BOOT_PARAMS_SIZE], const struct bzimage *bz,
		       const struct guest_memory *gm, const struct boot_layout *layout)
{
	struct e820_entry map[BP_E820_MAX];
	int n;

	memset(zp, 0, BOOT_PARAMS_SIZE);
	memcpy(zp + BZ_SETUP_SECTS, bz->data + BZ_SETUP_SECTS, bz->header_len);

	put_le16(zp + BZ_VID_MODE, 0xffff);      /* "normal" text mode */
	zp[BZ_TYPE_OF_LOADER] = 0xff;            /* undefined boot loader */
	zp[BZ_LOADFLAGS] = bz->loadflags | BZ_CAN_USE_HEAP;
	put_le16(zp + BZ_HEAP_END_PTR, 0xfe00);
	put_le32(zp + BZ_CODE32_START, (uint32_t)KERNEL_LOAD_ADDR);
	put_le32(zp + BZ_CMD_LINE_PTR, (uint32_t)layout->cmdline_addr);
	put_le32(zp + BP_EXT_CMD_LINE_PTR, (uint32_t)(layout->cmdline_addr >> 32));
	put_le32(zp + BZ_RAMDISK_IMAGE, (uint32_t)layout->initrd_addr);
	put_le32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(layout->initrd_addr >> 32));
	put_le32(zp + BZ_RAMDISK_SIZE, (uint32_t)layout->initrd_size);
	put_le32(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)(layout->initrd_size >> 32));
	put_le64(zp + BP_ACPI_RSDP_ADDR, layout->rsdp_addr);

	n = boot_e820_build(gm, map, BP_E820_MAX);
	zp[BP_E820_ENTRIES] = (uint8_t)n;
	for (int i = 0; i < n; i++) {
		uint8_t *e = zp + BP_E820_TABLE + i * E820_ENTRY_SIZE;

		put_le64(e, map[i].addr);
		put_le64(e + 8, map[i].size);
		put_le32(e + 16, map[i].type);
	}
}
