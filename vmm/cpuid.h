/* The CPUID table each vCPU sees: KVM's supported set, with the topology
 * leaves rewritten so that N vCPUs look like N cores of one socket, each
 * with its own APIC id. Pure table editing; no ioctls. */
#ifndef UVM_CPUID_H
#define UVM_CPUID_H

#include <linux/kvm.h>

/* A malloc'd copy of `supported` fitted for vCPU `apic_id` of `ncpus`. */
struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *supported, unsigned apic_id,
				  unsigned ncpus);

/* Find an entry (function, index); NULL if absent. */
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, unsigned function, unsigned index);

#endif
