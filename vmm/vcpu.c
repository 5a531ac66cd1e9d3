/* vCPU creation, power-on state and the run loop (vcpu.h). */
#include "vcpu.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../boot/x86-entry.h"
#include "cpuid.h"

#define MSR_IA32_MISC_ENABLE   0x000001a0
#define MSR_MTRR_DEF_TYPE      0x000002ff
#define MISC_ENABLE_FAST_STRING 0x1ULL
#define MTRR_ENABLE_WRITEBACK  0x806ULL    /* MTRRs on, default type WB */

#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI    0x4
#define APIC_MODE_EXTINT 0x7

int vcpu_kick_signal(void)
{
	return SIGRTMIN;
}

static void vcpu_kick_handler(int sig)
{
	(void)sig;
}

int vcpu_install_kick_handler(struct uvm_error *err)
{
	struct sigaction sa = { .sa_handler = vcpu_kick_handler };

	sigemptyset(&sa.sa_mask);
	if (sigaction(vcpu_kick_signal(), &sa, NULL) < 0)
		return uvm_err_sys(err, -errno, "sigaction");
	return 0;
}

static int vcpu_set_msrs(struct vcpu *vcpu, struct uvm_error *err)
{
	const struct kvm_msr_entry entries[] = {
		{ .index = MSR_IA32_MISC_ENABLE, .data = MISC_ENABLE_FAST_STRING },
		{ .index = MSR_MTRR_DEF_TYPE, .data = MTRR_ENABLE_WRITEBACK },
	};
	const unsigned n = sizeof(entries) / sizeof(entries[0]);
	struct kvm_msrs *msrs = calloc(1, sizeof(*msrs) + sizeof(entries));
	int set, ret = 0;

	if (!msrs)
		return uvm_err(err, -ENOMEM, "vCPU %u: out of memory", vcpu->id);
	msrs->nmsrs = n;
	memcpy(msrs->entries, entries, sizeof(entries));
	set = ioctl(vcpu->fd, KVM_SET_MSRS, msrs);
	if (set < 0)
		ret = uvm_err_sys(err, -errno, "vCPU %u: KVM_SET_MSRS", vcpu->id);
	else if ((unsigned)set != n)
		ret = uvm_err(err, -EINVAL, "vCPU %u: KVM refused MSR 0x%x", vcpu->id,
			      entries[set].index);
	free(msrs);
	return ret;
}

static void lapic_set_lvt_mode(struct kvm_lapic_state *lapic, unsigned reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, lapic->regs + reg, sizeof(v));
	v = (v & ~0x700u) | (mode << 8);
	memcpy(lapic->regs + reg, &v, sizeof(v));
}

static int vcpu_set_lapic(struct vcpu *vcpu, struct uvm_error *err)
{
	struct kvm_lapic_state lapic;

	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
		return uvm_err_sys(err, -errno, "vCPU %u: KVM_GET_LAPIC", vcpu->id);
	/* As the PC firmware leaves them: LINT0 takes the 8259's ExtINT,
	 * LINT1 takes NMI. */
	lapic_set_lvt_mode(&lapic, APIC_LVT0, APIC_MODE_EXTINT);
	lapic_set_lvt_mode(&lapic, APIC_LVT1, APIC_MODE_NMI);
	if (ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic) < 0)
		return uvm_err_sys(err, -errno, "vCPU %u: KVM_SET_LAPIC", vcpu->id);
	return 0;
}

static int vcpu_set_fpu(struct vcpu *vcpu, struct uvm_error *err)
{
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0)
		return uvm_err_sys(err, -errno, "vCPU %u: KVM_SET_FPU", vcpu->id);
	return 0;
}

static int vcpu_set_cpuid(struct vcpu *vcpu, struct uvm_error *err)
{
	struct kvm_cpuid2 *cpuid = cpuid_for_vcpu(vcpu->vm->supported_cpuid, vcpu->id,
						  vcpu->vm->nvcpus);
	int ret = 0;

	if (!cpuid)
		return uvm_err(err, -ENOMEM, "vCPU %u: out of memory for CPUID", vcpu->id);
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid) < 0)
		ret = uvm_err_sys(err, -errno, "vCPU %u: KVM_SET_CPUID2", vcpu->id);
	free(cpuid);
	return ret;
}

int vcpu_create(struct vm *vm, unsigned id, struct vcpu *vcpu, struct uvm_error *err)
{
	void *run;
	int ret;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0)
		return uvm_err_sys(err, -errno, "vCPU %u: KVM_CREATE_VCPU", id);
	run = mmap(NULL, (size_t)vm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (run == MAP_FAILED) {
		ret = uvm_err_sys(err, -errno, "vCPU %u: mmap of kvm_run", id);
		goto fail;
	}
	vcpu->run = run;
	if ((ret = vcpu_set_cpuid(vcpu, err)) < 0 || (ret = vcpu_set_msrs(vcpu, err)) < 0 ||
	    (ret = vcpu_set_lapic(vcpu, err)) < 0 || (ret = vcpu_set_fpu(vcpu, err)) < 0)
		goto fail;
	return 0;
fail:
	vcpu_destroy(vcpu);
	return ret;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, (size_t)vcpu->vm->vcpu_mmap_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

int vcpu_set_boot_state(struct vcpu *vcpu, uint64_t entry, uint64_t zero_page,
			struct uvm_error *err)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return uvm_err_sys(err, -errno, "vCPU %u: KVM_GET_SREGS", vcpu->id);
	x86_boot_sregs(&sregs);
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return uvm_err_sys(err, -errno, "vCPU %u: KVM_SET_SREGS", vcpu->id);
	x86_boot_regs(&regs, entry, zero_page);
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return uvm_err_sys(err, -errno, "vCPU %u: KVM_SET_REGS", vcpu->id);
	return 0;
}

static void vcpu_handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			bus_write(&vcpu->vm->io_bus, run->io.port, data, run->io.size);
		else
			bus_read(&vcpu->vm->io_bus, run->io.port, data, run->io.size);
	}
}

static void vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->mmio.len == 0 || run->mmio.len > sizeof(run->mmio.data))
		return;
	if (run->mmio.is_write)
		bus_write(&vcpu->vm->mmio_bus, run->mmio.phys_addr, run->mmio.data, run->mmio.len);
	else
		bus_read(&vcpu->vm->mmio_bus, run->mmio.phys_addr, run->mmio.data, run->mmio.len);
}

static void vcpu_handle_system_event(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_end(vm, VM_END_POWEROFF, 0, "guest powered off");
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_end(vm, VM_END_RESET, 0, "guest requested a reset");
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		vm_request_end(vm, VM_END_PANIC, 0, "guest reported a crash");
		break;
	default:
		vm_request_end(vm, VM_END_ERROR, 0, "vCPU %u: unknown system event %u", vcpu->id,
			       vcpu->run->system_event.type);
	}
}

/* On a fatal exit, the registers say where the guest was. */
static void vcpu_log_state(struct vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs sr;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &sr) < 0)
		return;
	fprintf(stderr,
		"uvmrun: vCPU %u state: rip=%#llx rsp=%#llx rflags=%#llx cr0=%#llx cr3=%#llx cr4=%#llx efer=%#llx cs=%#x\n",
		vcpu->id, r.rip, r.rsp, r.rflags, sr.cr0, sr.cr3, sr.cr4, sr.efer, sr.cs.selector);
}

/* Handle one exit; false when the vCPU must stop. */
static bool vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vm *vm = vcpu->vm;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_io(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(vcpu);
		return true;
	case KVM_EXIT_HLT:
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		vm_request_end(vm, VM_END_RESET, 0, "guest reset (triple fault on vCPU %u)", vcpu->id);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		vcpu_handle_system_event(vcpu);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		vcpu_log_state(vcpu);
		vm_request_end(vm, VM_END_ERROR, 0, "vCPU %u: KVM entry failed (hardware reason 0x%llx)",
			       vcpu->id,
			       (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		vcpu_log_state(vcpu);
		vm_request_end(vm, VM_END_ERROR, 0, "vCPU %u: KVM internal error (suberror %u)",
			       vcpu->id, run->internal.suberror);
		return false;
	default:
		vcpu_log_state(vcpu);
		vm_request_end(vm, VM_END_ERROR, 0, "vCPU %u: unexpected KVM exit %u", vcpu->id,
			       run->exit_reason);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	char name[16];
	sigset_t kick;

	snprintf(name, sizeof(name), "vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	sigemptyset(&kick);
	sigaddset(&kick, vcpu_kick_signal());
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	while (!atomic_load(&vm->stopping)) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vm_request_end(vm, VM_END_ERROR, 0, "vCPU %u: KVM_RUN: %s", vcpu->id,
				       strerror(errno));
			break;
		}
		if (!vcpu_handle_exit(vcpu))
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *vcpu, struct uvm_error *err)
{
	int ret = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);

	if (ret)
		return uvm_err_sys(err, -ret, "vCPU %u: cannot start thread", vcpu->id);
	vcpu->thread_started = true;
	return 0;
}

void vcpu_stop(struct vcpu *vcpu)
{
	if (!vcpu->thread_started)
		return;
	/* immediate_exit covers a kick that lands before KVM_RUN is entered;
	 * the signal covers a vCPU already inside it. */
	vcpu->run->immediate_exit = 1;
	pthread_kill(vcpu->thread, vcpu_kick_signal());
	pthread_join(vcpu->thread, NULL);
	vcpu->thread_started = false;
}
