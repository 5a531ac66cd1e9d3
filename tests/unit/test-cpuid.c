/* Per-vCPU CPUID: each vCPU gets its own APIC id, the topology leaves
 * describe N cores of one socket, and the hypervisor bit is set. Driven by a
 * made-up "supported" table, so no KVM is needed. */
#include "../../vmm/cpuid.h"
#include "test.h"

static struct kvm_cpuid2 *fake_supported(bool amd)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 16 * sizeof(c->entries[0]));
	unsigned n = 0;

	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = 0, .eax = 0x1f,
		.ebx = amd ? 0x68747541 : 0x756e6547, .edx = amd ? 0x69746e65 : 0x49656e69,
		.ecx = amd ? 0x444d4163 : 0x6c65746e };
	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = 1, .ebx = 0x00000800,
		.edx = 1u << 28 };
	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = 4, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x121 };   /* L1 data */
	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = 4, .index = 3,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .eax = 0x163 };   /* L3 */
	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = 0xb, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ebx = 99 };
	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = 0x1f, .index = 0,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ebx = 99 };
	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = 0x80000001 };
	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = 0x80000008, .ecx = 0x7007 };
	c->entries[n++] = (struct kvm_cpuid_entry2){ .function = 0x8000001e, .eax = 77 };
	c->nent = n;
	return c;
}

static void each_vcpu_gets_its_apic_id(void)
{
	struct kvm_cpuid2 *sup = fake_supported(false);

	for (unsigned id = 0; id < 4; id++) {
		struct kvm_cpuid2 *c = cpuid_for_vcpu(sup, id, 4);
		struct kvm_cpuid_entry2 *e = cpuid_find(c, 1, 0);

		CHECK_EQ(e->ebx >> 24, id);
		CHECK_EQ((e->ebx >> 16) & 0xff, 4);
		CHECK_EQ(e->ebx & 0xffff, 0x0800);   /* CLFLUSH size kept */
		CHECK(e->ecx & (1u << 31));          /* hypervisor */
		CHECK(e->edx & (1u << 28));          /* HTT: more than one logical CPU */
		CHECK_EQ(cpuid_find(c, 0xb, 0)->edx, id);
		CHECK_EQ(cpuid_find(c, 0xb, 1)->edx, id);
		free(c);
	}
	free(sup);
}

static void topology_is_n_cores_of_one_socket(void)
{
	struct kvm_cpuid2 *sup = fake_supported(false);
	struct kvm_cpuid2 *c = cpuid_for_vcpu(sup, 2, 6);
	struct kvm_cpuid_entry2 *smt = cpuid_find(c, 0xb, 0), *core = cpuid_find(c, 0xb, 1);

	CHECK_EQ(smt->ebx, 1);
	CHECK_EQ((smt->ecx >> 8) & 0xff, 1);
	CHECK_EQ(core->ebx, 6);
	CHECK_EQ((core->ecx >> 8) & 0xff, 2);
	CHECK_EQ(core->eax & 0x1f, 3);       /* 6 cores need 3 bits of APIC id */
	CHECK_EQ(cpuid_find(c, 0xb, 2)->ecx & 0xff00, 0);
	CHECK(cpuid_find(c, 0x1f, 0) == NULL); /* the guest falls back to 0xb */
	CHECK_EQ(cpuid_find(c, 4, 0)->eax >> 26, 5);
	CHECK_EQ((cpuid_find(c, 4, 0)->eax >> 14) & 0xfff, 0);  /* L1 private */
	CHECK_EQ((cpuid_find(c, 4, 3)->eax >> 14) & 0xfff, 5);  /* L3 shared */
	free(c);
	free(sup);
}

static void single_vcpu_has_no_htt(void)
{
	struct kvm_cpuid2 *sup = fake_supported(false);
	struct kvm_cpuid2 *c = cpuid_for_vcpu(sup, 0, 1);

	CHECK(!(cpuid_find(c, 1, 0)->edx & (1u << 28)));
	free(c);
	free(sup);
}

static void amd_core_count_leaves(void)
{
	struct kvm_cpuid2 *sup = fake_supported(true);
	struct kvm_cpuid2 *c = cpuid_for_vcpu(sup, 3, 4);

	CHECK_EQ(cpuid_find(c, 0x80000008, 0)->ecx & 0xff, 3);
	CHECK_EQ((cpuid_find(c, 0x80000008, 0)->ecx >> 12) & 0xf, 2);
	CHECK_EQ(cpuid_find(c, 0x8000001e, 0)->eax, 3);
	CHECK(cpuid_find(c, 0x80000001, 0)->ecx & 2);   /* CmpLegacy */
	free(c);
	free(sup);
}

TEST_LIST(T(each_vcpu_gets_its_apic_id), T(topology_is_n_cores_of_one_socket),
	  T(single_vcpu_has_no_htt), T(amd_core_count_leaves));
TEST_MAIN("cpuid")
