/* KVM VM creation, interrupt lines and end-of-VM bookkeeping (vm.h). */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "layout.h"

#define KVM_DEVICE "/dev/kvm"

static int kvm_open(struct uvm_error *err)
{
	int fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);
	int version;

	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			return uvm_err(err, -e, "%s does not exist: this machine offers no KVM (load kvm_intel or kvm_amd, or enable virtualization)",
				       KVM_DEVICE);
		if (e == EACCES || e == EPERM)
			return uvm_err(err, -e, "%s: permission denied (add this user to the kvm group, or run as root)",
				       KVM_DEVICE);
		return uvm_err_sys(err, -e, "cannot open %s", KVM_DEVICE);
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version < 0) {
		int e = -errno;

		close(fd);
		return uvm_err_sys(err, e, "%s is not a usable KVM device (KVM_GET_API_VERSION failed)",
				   KVM_DEVICE);
	}
	if (version != KVM_API_VERSION) {
		close(fd);
		return uvm_err(err, -ENOTSUP, "%s: KVM API version %d, expected %d", KVM_DEVICE,
			       version, KVM_API_VERSION);
	}
	return fd;
}

static int kvm_require_cap(int kvm_fd, int cap, const char *name, struct uvm_error *err)
{
	if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, cap) <= 0)
		return uvm_err(err, -ENOTSUP, "%s: KVM lacks %s", KVM_DEVICE, name);
	return 0;
}

int kvm_check_usable(struct uvm_error *err)
{
	int kvm_fd = kvm_open(err);
	int vm_fd;

	if (kvm_fd < 0)
		return kvm_fd;
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0) {
		int e = -errno;

		close(kvm_fd);
		return uvm_err_sys(err, e, "%s: cannot create a VM", KVM_DEVICE);
	}
	close(vm_fd);
	close(kvm_fd);
	return 0;
}

static int vm_setup_memory(struct vm *vm, struct uvm_error *err)
{
	for (int i = 0; i < vm->mem.nregions; i++) {
		const struct guest_region *r = &vm->mem.regions[i];
		struct kvm_userspace_memory_region region = {
			.slot = (uint32_t)i,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uint64_t)(uintptr_t)r->host,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
			return uvm_err_sys(err, -errno, "KVM_SET_USER_MEMORY_REGION (slot %d)", i);
	}
	return 0;
}

static int vm_setup_platform(struct vm *vm, struct uvm_error *err)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
		return uvm_err_sys(err, -errno, "KVM_SET_TSS_ADDR");
	if (ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0) {
		uint64_t addr = KVM_IDENTITY_MAP_ADDR;

		if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr) < 0)
			return uvm_err_sys(err, -errno, "KVM_SET_IDENTITY_MAP_ADDR");
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return uvm_err_sys(err, -errno, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return uvm_err_sys(err, -errno, "KVM_CREATE_PIT2");
	return 0;
}

static int vm_get_supported_cpuid(struct vm *vm, struct uvm_error *err)
{
	for (int nent = 128; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (size_t)nent * sizeof(c->entries[0]));

		if (!c)
			return uvm_err(err, -ENOMEM, "out of memory for CPUID");
		c->nent = (uint32_t)nent;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			vm->supported_cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG)
			return uvm_err_sys(err, -errno, "KVM_GET_SUPPORTED_CPUID");
	}
	return uvm_err(err, -E2BIG, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

int vm_create(struct vm *vm, uint64_t mem_size, struct uvm_error *err)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->end_fd = -1;
	bus_init(&vm->io_bus, "io");
	bus_init(&vm->mmio_bus, "mmio");
	pthread_mutex_init(&vm->end_lock, NULL);

	ret = kvm_open(err);
	if (ret < 0)
		goto fail;
	vm->kvm_fd = ret;
	if ((ret = kvm_require_cap(vm->kvm_fd, KVM_CAP_IRQCHIP, "an in-kernel irqchip", err)) < 0 ||
	    (ret = kvm_require_cap(vm->kvm_fd, KVM_CAP_PIT2, "an in-kernel PIT", err)) < 0 ||
	    (ret = kvm_require_cap(vm->kvm_fd, KVM_CAP_USER_MEMORY, "user memory", err)) < 0 ||
	    (ret = kvm_require_cap(vm->kvm_fd, KVM_CAP_IMMEDIATE_EXIT, "immediate exit", err)) < 0)
		goto fail;
	vm->vcpu_mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->vcpu_mmap_size <= 0) {
		ret = uvm_err_sys(err, -errno, "KVM_GET_VCPU_MMAP_SIZE");
		goto fail;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		ret = uvm_err_sys(err, -errno, "%s: cannot create a VM", KVM_DEVICE);
		goto fail;
	}
	vm->end_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->end_fd < 0) {
		ret = uvm_err_sys(err, -errno, "eventfd");
		goto fail;
	}
	if ((ret = vm_setup_platform(vm, err)) < 0 ||
	    (ret = vm_get_supported_cpuid(vm, err)) < 0 ||
	    (ret = guest_memory_create(&vm->mem, mem_size, err)) < 0 ||
	    (ret = vm_setup_memory(vm, err)) < 0)
		goto fail;
	return 0;
fail:
	vm_destroy(vm);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->end_fd >= 0)
		close(vm->end_fd);
	guest_memory_destroy(&vm->mem);
	bus_destroy(&vm->io_bus);
	bus_destroy(&vm->mmio_bus);
	free(vm->supported_cpuid);
	pthread_mutex_destroy(&vm->end_lock);
	vm->vm_fd = vm->kvm_fd = vm->end_fd = -1;
	vm->supported_cpuid = NULL;
}

int vm_set_irq_line(struct vm *vm, unsigned gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = (uint32_t)level };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		return -errno;
	return 0;
}

void vm_request_end(struct vm *vm, enum vm_end_reason reason, int status, const char *fmt, ...)
{
	uint64_t one = 1;
	va_list ap;

	pthread_mutex_lock(&vm->end_lock);
	if (vm->end_reason != VM_RUNNING) {
		pthread_mutex_unlock(&vm->end_lock);
		return;
	}
	vm->end_reason = reason;
	vm->end_status = status;
	va_start(ap, fmt);
	vsnprintf(vm->end_detail, sizeof(vm->end_detail), fmt, ap);
	va_end(ap);
	atomic_store(&vm->stopping, true);
	pthread_mutex_unlock(&vm->end_lock);
	/* An eventfd write only fails when the counter would overflow. */
	if (write(vm->end_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		abort();
}

enum vm_end_reason vm_end_reason(struct vm *vm)
{
	enum vm_end_reason r;

	pthread_mutex_lock(&vm->end_lock);
	r = vm->end_reason;
	pthread_mutex_unlock(&vm->end_lock);
	return r;
}
