/* bzImage setup header validation and kernel loading (bzimage.h). */
#include "bzimage.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "../vmm/bytes.h"
#include "../vmm/fileio.h"

#define BZ_MAX_FILE_SIZE (512u << 20)

/* Validate a header from `data` (data_len bytes of it at hand) for an image
 * of `size` bytes. */
static int bzimage_check(const uint8_t *data, size_t data_len, size_t size, struct bzimage *bz,
			 struct uvm_error *err)
{
	unsigned setup_sects;
	size_t header_end;

	memset(bz, 0, sizeof(*bz));
	bz->fd = -1;
	/* Header fields all lie below 1 KiB, which `data` holds whenever the
	 * image is at least that long (checked first). */
	if (size >= 4 && memcmp(data, "\177ELF", 4) == 0)
		return uvm_err(err, -ENOEXEC,
			       "not a bzImage: this is an ELF file (vmlinux); boot the bzImage instead (arch/x86/boot/bzImage, or /boot/vmlinuz-*)");
	if (size < 1024)
		return uvm_err(err, -ENOEXEC, "not a bzImage: only %zu bytes, too short for a setup header", size);
	if (get_le16(data + BZ_BOOT_FLAG) != 0xaa55)
		return uvm_err(err, -ENOEXEC, "not a bzImage: no boot flag 0xAA55 at offset 0x1fe (found 0x%04x)",
			       get_le16(data + BZ_BOOT_FLAG));
	if (memcmp(data + BZ_HEADER_MAGIC, "HdrS", 4) != 0)
		return uvm_err(err, -ENOEXEC, "not a bzImage: no \"HdrS\" boot protocol signature at offset 0x202");

	bz->data = data;
	bz->size = size;
	bz->version = get_le16(data + BZ_VERSION);
	if (bz->version < BZ_MIN_VERSION)
		return uvm_err(err, -ENOEXEC,
			       "boot protocol %u.%02u is too old: 64-bit entry needs 2.12 or later",
			       bz->version >> 8, bz->version & 0xff);
	bz->loadflags = data[BZ_LOADFLAGS];
	if (!(bz->loadflags & BZ_LOADED_HIGH))
		return uvm_err(err, -ENOEXEC, "not a bzImage: a zImage (loadflags LOADED_HIGH clear) cannot be booted");
	bz->xloadflags = get_le16(data + BZ_XLOADFLAGS);
	if (!(bz->xloadflags & BZ_XLF_KERNEL_64))
		return uvm_err(err, -ENOEXEC, "kernel has no 64-bit entry point (xloadflags 0x%04x): not an x86-64 kernel",
			       bz->xloadflags);

	setup_sects = data[BZ_SETUP_SECTS] ? data[BZ_SETUP_SECTS] : 4;
	bz->setup_size = (size_t)(setup_sects + 1) * 512;
	if (bz->setup_size >= size || bz->setup_size > data_len)
		return uvm_err(err, -ENOEXEC, "truncated bzImage: setup_sects=%u says the setup code ends at %zu, past the end of the %zu-byte file",
			       setup_sects, bz->setup_size, size);
	bz->kernel_size = size - bz->setup_size;
	if ((uint64_t)get_le32(data + BZ_SYSSIZE) * 16 > bz->kernel_size)
		return uvm_err(err, -ENOEXEC, "truncated bzImage: syssize says the kernel is %llu bytes, the file holds %zu",
			       (unsigned long long)get_le32(data + BZ_SYSSIZE) * 16, bz->kernel_size);

	/* The header runs from 0x1f1 to the end of the jump at 0x200. */
	header_end = 0x202 + (size_t)data[BZ_JUMP + 1];
	if (header_end > BZ_HEADER_END_MAX)
		header_end = BZ_HEADER_END_MAX;
	if (header_end < BZ_INIT_SIZE + 4)
		return uvm_err(err, -ENOEXEC, "setup header is too short (ends at 0x%zx)", header_end);
	bz->header_len = header_end - BZ_SETUP_SECTS;

	bz->relocatable = data[BZ_RELOCATABLE] != 0;
	bz->initrd_addr_max = get_le32(data + BZ_INITRD_ADDR_MAX);
	bz->kernel_alignment = get_le32(data + BZ_KERNEL_ALIGNMENT);
	bz->cmdline_size = get_le32(data + BZ_CMDLINE_SIZE);
	bz->init_size = get_le32(data + BZ_INIT_SIZE);
	bz->pref_address = get_le64(data + BZ_PREF_ADDRESS);
	if (bz->kernel_alignment == 0 || (bz->kernel_alignment & (bz->kernel_alignment - 1)))
		return uvm_err(err, -ENOEXEC, "kernel_alignment 0x%x is not a power of two", bz->kernel_alignment);
	if (bz->init_size < bz->kernel_size)
		return uvm_err(err, -ENOEXEC, "init_size 0x%x is smaller than the kernel (%zu bytes)",
			       bz->init_size, bz->kernel_size);
	if (bz->cmdline_size == 0)
		return uvm_err(err, -ENOEXEC, "cmdline_size is 0");
	return 0;
}

int bzimage_parse(const uint8_t *data, size_t size, struct bzimage *bz, struct uvm_error *err)
{
	return bzimage_check(data, size, size, bz, err);
}

int bzimage_open(const char *path, struct bzimage *bz, struct uvm_error *err)
{
	/* The setup part is at most 256 sectors; read that much or the file. */
	size_t want = 256 * 512, have;
	struct stat st;
	uint8_t *data;
	int fd, ret;

	memset(bz, 0, sizeof(*bz));
	bz->fd = -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return uvm_err_sys(err, -errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		ret = uvm_err_sys(err, -errno, "%s", path);
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = uvm_err(err, -EINVAL, "%s: not a regular file", path);
		goto out_close;
	}
	if ((uint64_t)st.st_size > BZ_MAX_FILE_SIZE) {
		ret = uvm_err(err, -EFBIG, "%s: %lld bytes is too large for a kernel", path,
			      (long long)st.st_size);
		goto out_close;
	}
	have = (size_t)st.st_size < want ? (size_t)st.st_size : want;
	data = malloc(have ? have : 1);
	if (!data) {
		ret = uvm_err(err, -ENOMEM, "%s: out of memory", path);
		goto out_close;
	}
	ret = pread_full(fd, data, have, 0);
	if (ret < 0) {
		uvm_err_sys(err, ret, "%s: read failed", path);
		free(data);
		goto out_close;
	}
	ret = bzimage_check(data, have, (size_t)st.st_size, bz, err);
	if (ret < 0) {
		free(data);
		uvm_err_prefix(err, "%s: ", path);
		goto out_close;
	}
	bz->data = data;
	bz->owned = true;
	bz->fd = fd;
	return 0;
out_close:
	close(fd);
	return ret;
}

void bzimage_close(struct bzimage *bz)
{
	if (bz->owned)
		free((void *)bz->data);
	if (bz->fd >= 0)
		close(bz->fd);
	memset(bz, 0, sizeof(*bz));
	bz->fd = -1;
}

int bzimage_load(const struct bzimage *bz, const struct guest_memory *gm, uint64_t load_addr,
		 struct uvm_error *err)
{
	uint8_t *dst = gm_ptr(gm, load_addr, bz->kernel_size);
	int ret;

	if (!dst)
		return uvm_err(err, -ENOMEM, "kernel (%zu bytes) does not fit in guest memory at 0x%llx",
			       bz->kernel_size, (unsigned long long)load_addr);
	if (bz->fd < 0) {
		memcpy(dst, bz->data + bz->setup_size, bz->kernel_size);
		return 0;
	}
	ret = pread_full(bz->fd, dst, bz->kernel_size, (off_t)bz->setup_size);
	if (ret < 0)
		return uvm_err_sys(err, ret, "kernel: read failed");
	return 0;
}

uint64_t bzimage_kernel_end(const struct bzimage *bz, uint64_t load_addr)
{
	uint64_t align = bz->kernel_alignment;
	uint64_t run_addr = (load_addr + align - 1) & ~(align - 1);

	/* A relocatable kernel runs at its load address rounded up to its
	 * alignment, but never below LOAD_PHYSICAL_ADDR, which pref_address
	 * carries; a fixed one runs at pref_address. */
	if (!bz->relocatable || run_addr < bz->pref_address)
		run_addr = bz->pref_address;
	return run_addr + bz->init_size;
}
