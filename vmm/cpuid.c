/* Per-vCPU CPUID tables (cpuid.h). */
#include "cpuid.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CPUID_HYPERVISOR_BIT (1u << 31)   /* leaf 1 ECX */
#define CPUID_HTT_BIT        (1u << 28)   /* leaf 1 EDX */
#define CPUID_CMP_LEGACY_BIT (1u << 1)    /* 0x80000001 ECX */
#define TOPO_LEVEL_SMT  1
#define TOPO_LEVEL_CORE 2

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, unsigned function, unsigned index)
{
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != function)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != index)
			continue;
		return e;
	}
	return NULL;
}

static unsigned bits_for(unsigned n)
{
	unsigned bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

static bool vendor_is_amd(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(c, 0, 0);

	/* "AuthenticAMD": ebx "Auth", edx "enti", ecx "cAMD". */
	return e && e->ebx == 0x68747541 && e->edx == 0x69746e65 && e->ecx == 0x444d4163;
}

/* Drop every entry of `function`. */
static void cpuid_remove(struct kvm_cpuid2 *c, unsigned function)
{
	unsigned out = 0;

	for (unsigned i = 0; i < c->nent; i++)
		if (c->entries[i].function != function)
			c->entries[out++] = c->entries[i];
	c->nent = out;
}

static void cpuid_add(struct kvm_cpuid2 *c, struct kvm_cpuid_entry2 e)
{
	c->entries[c->nent++] = e;
}

struct kvm_cpuid2 *cpuid_for_vcpu(const struct kvm_cpuid2 *supported, unsigned apic_id,
				  unsigned ncpus)
{
	size_t size = sizeof(*supported) + (supported->nent + 4) * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	struct kvm_cpuid_entry2 *e;
	unsigned core_bits = bits_for(ncpus);

	if (!c)
		return NULL;
	memcpy(c, supported, sizeof(*supported) + supported->nent * sizeof(supported->entries[0]));

	e = cpuid_find(c, 1, 0);
	if (e) {
		e->ebx = (e->ebx & 0x0000ffff) | (apic_id << 24) | ((ncpus & 0xff) << 16);
		e->ecx |= CPUID_HYPERVISOR_BIT;
		if (ncpus > 1)
			e->edx |= CPUID_HTT_BIT;
		else
			e->edx &= ~CPUID_HTT_BIT;
	}

	/* Deterministic cache parameters: all caches private to a core but the
	 * last level, shared by the socket; ncpus cores per package. */
	for (unsigned i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		if (e->function != 4 || (e->eax & 0x1f) == 0)
			continue;
		e->eax &= 0x3fff;
		e->eax |= (ncpus - 1) << 26;
		if (((e->eax >> 5) & 0x7) >= 3)
			e->eax |= (ncpus - 1) << 14;
	}

	/* x2APIC topology (leaf 0xB): one thread per core, ncpus cores. Leaf
	 * 0x1F is removed so the guest uses 0xB. */
	e = cpuid_find(c, 0, 0);
	cpuid_remove(c, 0x1f);
	if (e && e->eax >= 0xb) {
		cpuid_remove(c, 0xb);
		cpuid_add(c, (struct kvm_cpuid_entry2){
			.function = 0xb, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.eax = 0, .ebx = 1, .ecx = TOPO_LEVEL_SMT << 8, .edx = apic_id });
		cpuid_add(c, (struct kvm_cpuid_entry2){
			.function = 0xb, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.eax = core_bits, .ebx = ncpus, .ecx = TOPO_LEVEL_CORE << 8 | 1, .edx = apic_id });
		cpuid_add(c, (struct kvm_cpuid_entry2){
			.function = 0xb, .index = 2, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.eax = 0, .ebx = 0, .ecx = 2, .edx = apic_id });
	}

	if (vendor_is_amd(c)) {
		e = cpuid_find(c, 0x80000001, 0);
		if (e) {
			if (ncpus > 1)
				e->ecx |= CPUID_CMP_LEGACY_BIT;
			else
				e->ecx &= ~CPUID_CMP_LEGACY_BIT;
		}
		e = cpuid_find(c, 0x80000008, 0);
		if (e)
			e->ecx = (e->ecx & ~0xf0ffu) | (core_bits << 12) | ((ncpus - 1) & 0xff);
		e = cpuid_find(c, 0x8000001e, 0);
		if (e) {
			e->eax = apic_id;
			e->ebx = apic_id & 0xff;   /* core id; one thread per core */
			e->ecx = 0;                /* node 0 */
			e->edx = 0;
		}
	}
	return c;
}
