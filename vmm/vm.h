/* One KVM virtual machine: the /dev/kvm and VM file descriptors, in-kernel
 * irqchip and PIT, guest RAM, the IO and MMIO buses, the vCPUs, and how the
 * VM's end is recorded. Booting a kernel into it is boot/'s job. */
#ifndef UVM_VM_H
#define UVM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "error.h"
#include "memory.h"

#define VM_MAX_VCPUS 64

/* Why a VM stopped running; the first reason reported wins. */
enum vm_end_reason {
	VM_RUNNING = 0,
	VM_END_POWEROFF,   /* ACPI S5 */
	VM_END_RESET,      /* reset request or triple fault */
	VM_END_PANIC,      /* guest kernel panic (pvpanic) */
	VM_END_EXIT_CODE,  /* guest wrote its status to the debug-exit port */
	VM_END_TIMEOUT,    /* --timeout expired */
	VM_END_SIGNAL,     /* the VMM was told to stop (signal, console escape) */
	VM_END_ERROR,      /* KVM or VMM failure while running */
};

struct vcpu;

struct vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_mmap_size;
	struct guest_memory mem;
	struct bus io_bus;
	struct bus mmio_bus;
	unsigned nvcpus;
	struct vcpu *vcpus;
	struct kvm_cpuid2 *supported_cpuid;

	/* End of the VM: set once by whoever sees it first (a vCPU thread, a
	 * device, the main loop), then end_fd becomes readable. */
	pthread_mutex_t end_lock;
	enum vm_end_reason end_reason;
	int end_status;               /* for VM_END_EXIT_CODE and VM_END_SIGNAL */
	char end_detail[256];
	int end_fd;                   /* eventfd */
	atomic_bool stopping;         /* vCPUs must leave their run loops */
};

/* Open /dev/kvm and create a VM with an in-kernel irqchip and PIT and
 * `mem_size` bytes of RAM. On failure nothing is left open. */
int vm_create(struct vm *vm, uint64_t mem_size, struct uvm_error *err);
void vm_destroy(struct vm *vm);

/* Raise or lower a legacy interrupt line (GSI 0-23). */
int vm_set_irq_line(struct vm *vm, unsigned gsi, int level);

/* Record the VM's end (first call wins) and wake whoever waits on end_fd. */
void vm_request_end(struct vm *vm, enum vm_end_reason reason, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The recorded reason, VM_RUNNING while none. */
enum vm_end_reason vm_end_reason(struct vm *vm);

/* Check that /dev/kvm can run a VM here, with a message saying why not. */
int kvm_check_usable(struct uvm_error *err);

#endif
