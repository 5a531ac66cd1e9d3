/* The x86 Linux boot protocol's image side: reading and validating a bzImage
 * setup header and copying the protected-mode kernel into guest memory.
 * Building boot_params lives in boot-params.c; CPU entry state in x86-entry.c. */
#ifndef UVM_BZIMAGE_H
#define UVM_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../vmm/error.h"
#include "../vmm/memory.h"

/* Offsets of setup header fields, from the start of the image (and of
 * boot_params, which embeds the header at the same offset). */
#define BZ_SETUP_SECTS       0x1f1
#define BZ_SYSSIZE           0x1f4
#define BZ_VID_MODE          0x1fa
#define BZ_BOOT_FLAG         0x1fe
#define BZ_JUMP              0x200
#define BZ_HEADER_MAGIC      0x202
#define BZ_VERSION           0x206
#define BZ_TYPE_OF_LOADER    0x210
#define BZ_LOADFLAGS         0x211
#define BZ_CODE32_START      0x214
#define BZ_RAMDISK_IMAGE     0x218
#define BZ_RAMDISK_SIZE      0x21c
#define BZ_HEAP_END_PTR      0x224
#define BZ_CMD_LINE_PTR      0x228
#define BZ_INITRD_ADDR_MAX   0x22c
#define BZ_KERNEL_ALIGNMENT  0x230
#define BZ_RELOCATABLE       0x234
#define BZ_XLOADFLAGS        0x236
#define BZ_CMDLINE_SIZE      0x238
#define BZ_PREF_ADDRESS      0x258
#define BZ_INIT_SIZE         0x260
#define BZ_HEADER_END_MAX    0x290 /* boot_params field after the header */

#define BZ_LOADED_HIGH       0x01  /* loadflags */
#define BZ_CAN_USE_HEAP      0x80
#define BZ_XLF_KERNEL_64     0x01  /* xloadflags: has the 64-bit entry point */
#define BZ_MIN_VERSION       0x020c /* first protocol with xloadflags */

struct bzimage {
	const uint8_t *data;     /* the image, or (opened by path) its setup part */
	size_t size;             /* bytes of the whole image */
	int fd;                  /* open image when opened by path, else -1 */
	bool owned;
	uint16_t version;        /* boot protocol version, e.g. 0x020f */
	size_t setup_size;       /* real-mode part: (setup_sects + 1) * 512 */
	size_t kernel_size;      /* protected-mode part that follows it */
	size_t header_len;       /* bytes of setup header from BZ_SETUP_SECTS */
	uint8_t loadflags;
	uint16_t xloadflags;
	bool relocatable;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint32_t cmdline_size;   /* longest command line, without the NUL */
	uint32_t init_size;      /* memory the kernel needs from where it runs */
	uint64_t pref_address;
};

/* Validate an image held in memory (not copied: `data` must outlive bz). */
int bzimage_parse(const uint8_t *data, size_t size, struct bzimage *bz, struct uvm_error *err);

/* Read and validate the file at `path`; messages name the file. Only the
 * setup part is read now; bzimage_load() reads the kernel straight into
 * guest memory, so the VMM never holds a second copy. */
int bzimage_open(const char *path, struct bzimage *bz, struct uvm_error *err);
void bzimage_close(struct bzimage *bz);

/* Copy the protected-mode kernel to guest address `load_addr`. */
int bzimage_load(const struct bzimage *bz, const struct guest_memory *gm, uint64_t load_addr,
		 struct uvm_error *err);

/* Lowest guest address above which the kernel needs no other data placed:
 * where it decompresses and runs plus init_size, when loaded at load_addr. */
uint64_t bzimage_kernel_end(const struct bzimage *bz, uint64_t load_addr);

#endif
