/* A virtual CPU: its KVM file descriptor and shared run area, its initial
 * state (CPUID, MSRs, local APIC, FPU), and the thread that runs it and
 * dispatches its exits to the buses. */
#ifndef UVM_VCPU_H
#define UVM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "vm.h"

struct vcpu {
	struct vm *vm;
	unsigned id;             /* also its APIC id */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
};

/* Create vCPU `id` of vm->nvcpus and give it its power-on state. */
int vcpu_create(struct vm *vm, unsigned id, struct vcpu *vcpu, struct uvm_error *err);
void vcpu_destroy(struct vcpu *vcpu);

/* Put the boot vCPU at the kernel's 64-bit entry (see boot/x86-entry.h). */
int vcpu_set_boot_state(struct vcpu *vcpu, uint64_t entry, uint64_t zero_page,
			struct uvm_error *err);

/* Start the vCPU's thread; it runs until vm->stopping is set. */
int vcpu_start(struct vcpu *vcpu, struct uvm_error *err);

/* Make a running vCPU leave KVM_RUN promptly, then wait for its thread. */
void vcpu_stop(struct vcpu *vcpu);

/* The signal used to kick vCPU threads out of KVM_RUN. Must be blocked in
 * every thread but the vCPU threads (vcpu_start unblocks it there). */
int vcpu_kick_signal(void);
int vcpu_install_kick_handler(struct uvm_error *err);

#endif
