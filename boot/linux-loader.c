/* Kernel, initrd and boot data placement (linux-loader.h). */
#include "linux-loader.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vmm/fileio.h"
#include "../vmm/layout.h"
#include "acpi.h"
#include "boot-params.h"
#include "firmware.h"
#include "x86-entry.h"

#define PAGE_ALIGN(x) (((x) + 4095ULL) & ~4095ULL)

int linux_image_open(struct linux_image *img, const char *kernel_path, const char *initrd_path,
		     const char *cmdline, struct uvm_error *err)
{
	struct stat st;
	int ret;

	memset(img, 0, sizeof(*img));
	img->initrd_fd = -1;
	img->cmdline = cmdline ? cmdline : "";
	ret = bzimage_open(kernel_path, &img->kernel, err);
	if (ret < 0) {
		uvm_err_prefix(err, "kernel ");
		return ret;
	}
	if (strlen(img->cmdline) > img->kernel.cmdline_size) {
		ret = uvm_err(err, -E2BIG, "command line is %zu bytes; this kernel accepts at most %u",
			      strlen(img->cmdline), img->kernel.cmdline_size);
		goto fail;
	}
	if (!initrd_path)
		return 0;
	img->initrd_path = initrd_path;
	img->initrd_fd = open(initrd_path, O_RDONLY | O_CLOEXEC);
	if (img->initrd_fd < 0) {
		ret = uvm_err_sys(err, -errno, "initrd %s", initrd_path);
		goto fail;
	}
	if (fstat(img->initrd_fd, &st) < 0) {
		ret = uvm_err_sys(err, -errno, "initrd %s", initrd_path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = uvm_err(err, -EINVAL, "initrd %s: not a regular file", initrd_path);
		goto fail;
	}
	img->initrd_size = (uint64_t)st.st_size;
	/* Read the first byte now so an unreadable file fails here, not later. */
	if (img->initrd_size) {
		uint8_t b;

		ret = pread_full(img->initrd_fd, &b, 1, 0);
		if (ret < 0) {
			uvm_err_sys(err, ret, "initrd %s", initrd_path);
			goto fail;
		}
	}
	return 0;
fail:
	linux_image_close(img);
	return ret;
}

void linux_image_close(struct linux_image *img)
{
	bzimage_close(&img->kernel);
	if (img->initrd_fd >= 0)
		close(img->initrd_fd);
	img->initrd_fd = -1;
}

uint64_t linux_image_min_memory(const struct linux_image *img)
{
	uint64_t need = bzimage_kernel_end(&img->kernel, KERNEL_LOAD_ADDR);

	/* The initrd is held twice while the kernel unpacks it. */
	need += 2 * PAGE_ALIGN(img->initrd_size);
	need += LINUX_MIN_HEADROOM;
	return (need + MiB - 1) & ~(MiB - 1);
}

static int load_initrd(const struct linux_image *img, const struct guest_memory *gm,
		       uint64_t *addr, struct uvm_error *err)
{
	uint64_t lowest = bzimage_kernel_end(&img->kernel, KERNEL_LOAD_ADDR);
	void *dst;
	int ret;

	ret = boot_place_initrd(&img->kernel, gm, lowest, img->initrd_size, addr, err);
	if (ret < 0)
		return ret;
	dst = gm_ptr(gm, *addr, img->initrd_size);
	if (!dst)
		return uvm_err(err, -EFAULT, "initrd does not fit in guest memory");
	ret = pread_full(img->initrd_fd, dst, img->initrd_size, 0);
	if (ret < 0)
		return uvm_err_sys(err, ret, "initrd %s", img->initrd_path);
	return 0;
}

int linux_image_load(const struct linux_image *img, const struct guest_memory *gm,
		     unsigned ncpus, bool pci, struct linux_entry *entry, struct uvm_error *err)
{
	struct acpi_config acpi = { .ncpus = ncpus, .pci = pci };
	struct boot_layout layout = { .cmdline_addr = BOOT_CMDLINE_ADDR };
	uint8_t *zp;
	int ret;

	if (gm->size < linux_image_min_memory(img))
		return uvm_err(err, -ENOMEM, "%llu MiB of memory is too little for this kernel and initrd (need at least %llu MiB)",
			       (unsigned long long)(gm->size >> 20),
			       (unsigned long long)(linux_image_min_memory(img) >> 20));
	ret = bzimage_load(&img->kernel, gm, KERNEL_LOAD_ADDR, err);
	if (ret < 0)
		return ret;
	if (img->initrd_fd >= 0) {
		ret = load_initrd(img, gm, &layout.initrd_addr, err);
		if (ret < 0)
			return ret;
		layout.initrd_size = img->initrd_size;
	}
	if (gm_write(gm, BOOT_CMDLINE_ADDR, img->cmdline, strlen(img->cmdline) + 1) < 0)
		return uvm_err(err, -EFAULT, "command line does not fit in guest memory");
	ret = acpi_build(gm, &acpi, &layout.rsdp_addr, err);
	if (ret < 0)
		return ret;
	zp = gm_ptr(gm, BOOT_ZERO_PAGE_ADDR, BOOT_PARAMS_SIZE);
	if (!zp || x86_write_boot_tables(gm) < 0 || firmware_write_reset_vector(gm) < 0)
		return uvm_err(err, -EFAULT, "guest memory too small for boot tables");
	boot_params_build(zp, &img->kernel, gm, &layout);
	entry->rip = KERNEL_LOAD_ADDR + X86_64BIT_ENTRY_OFFSET;
	entry->zero_page = BOOT_ZERO_PAGE_ADDR;
	return 0;
}
