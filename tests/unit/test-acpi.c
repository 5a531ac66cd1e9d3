/* ACPI tables: checksums, the RSDP -> XSDT -> FADT/MADT -> DSDT chain, one
 * local APIC per vCPU, the hardware-reduced FADT's sleep and reset registers,
 * and the AML our DSDT is made of. */
#include <errno.h>

#include "../../boot/acpi.h"
#include "../../boot/aml.h"
#include "../../vmm/bytes.h"
#include "../../vmm/layout.h"
#include "test.h"

static uint8_t *table_at(struct guest_memory *gm, uint64_t addr, const char *sig)
{
	uint8_t *t = gm_ptr(gm, addr, 36);

	if (!t || memcmp(t, sig, 4) != 0)
		return NULL;
	return gm_ptr(gm, addr, get_le32(t + 4));
}

static bool contains(const uint8_t *hay, size_t len, const void *needle, size_t nlen)
{
	for (size_t i = 0; i + nlen <= len; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return true;
	return false;
}

static void build(struct guest_memory *gm, unsigned ncpus, uint64_t *rsdp)
{
	struct acpi_config cfg = { .ncpus = ncpus, .pci = true };

	CHECK_EQ(guest_memory_create(gm, 16 * MiB, NULL), 0);
	CHECK_EQ(acpi_build(gm, &cfg, rsdp, NULL), 0);
}

static void tables_chain_and_checksum(void)
{
	struct guest_memory gm;
	uint64_t rsdp_addr;
	uint8_t *rsdp, *xsdt, *fadt, *madt, *dsdt;

	build(&gm, 3, &rsdp_addr);
	CHECK(rsdp_addr >= BIOS_AREA_START && rsdp_addr < BIOS_AREA_END && rsdp_addr % 16 == 0);
	rsdp = gm_ptr(&gm, rsdp_addr, 36);
	CHECK(memcmp(rsdp, "RSD PTR ", 8) == 0);
	CHECK_EQ(rsdp[15], 2);
	CHECK_EQ(acpi_checksum(rsdp, 20), 0);
	CHECK_EQ(acpi_checksum(rsdp, 36), 0);
	xsdt = table_at(&gm, get_le64(rsdp + 24), "XSDT");
	CHECK(xsdt != NULL);
	if (!xsdt)
		return;
	CHECK_EQ(acpi_checksum(xsdt, get_le32(xsdt + 4)), 0);
	CHECK_EQ(get_le32(xsdt + 4), 36 + 16);
	fadt = table_at(&gm, get_le64(xsdt + 36), "FACP");
	madt = table_at(&gm, get_le64(xsdt + 44), "APIC");
	CHECK(fadt && madt);
	if (!fadt || !madt)
		return;
	CHECK_EQ(acpi_checksum(fadt, get_le32(fadt + 4)), 0);
	CHECK_EQ(acpi_checksum(madt, get_le32(madt + 4)), 0);
	dsdt = table_at(&gm, get_le64(fadt + 140), "DSDT");
	CHECK(dsdt != NULL);
	CHECK_EQ(get_le32(fadt + 40), get_le64(fadt + 140));
	if (dsdt)
		CHECK_EQ(acpi_checksum(dsdt, get_le32(dsdt + 4)), 0);
	guest_memory_destroy(&gm);
}

static void madt_lists_every_vcpu_and_the_ioapic(void)
{
	struct guest_memory gm;
	uint64_t rsdp_addr;
	uint8_t *rsdp, *xsdt, *madt, *e, *end;
	unsigned lapics = 0, ioapics = 0;

	build(&gm, 5, &rsdp_addr);
	rsdp = gm_ptr(&gm, rsdp_addr, 36);
	xsdt = table_at(&gm, get_le64(rsdp + 24), "XSDT");
	madt = table_at(&gm, get_le64(xsdt + 44), "APIC");
	CHECK_EQ(get_le32(madt + 36), LAPIC_ADDR);
	end = madt + get_le32(madt + 4);
	for (e = madt + 44; e < end; e += e[1]) {
		if (e[0] == 0) {
			CHECK_EQ(e[1], 8);
			CHECK_EQ(e[3], lapics);          /* APIC id = vCPU index */
			CHECK_EQ(get_le32(e + 4) & 1, 1); /* enabled */
			lapics++;
		} else if (e[0] == 1) {
			CHECK_EQ(get_le32(e + 4), IOAPIC_ADDR);
			CHECK_EQ(get_le32(e + 8), 0);
			ioapics++;
		}
		if (e[1] == 0)
			break;
	}
	CHECK_EQ(lapics, 5);
	CHECK_EQ(ioapics, 1);
	guest_memory_destroy(&gm);
}

static void fadt_is_hardware_reduced_with_our_ports(void)
{
	struct guest_memory gm;
	uint64_t rsdp_addr;
	uint8_t *rsdp, *xsdt, *fadt;

	build(&gm, 1, &rsdp_addr);
	rsdp = gm_ptr(&gm, rsdp_addr, 36);
	xsdt = table_at(&gm, get_le64(rsdp + 24), "XSDT");
	fadt = table_at(&gm, get_le64(xsdt + 36), "FACP");
	CHECK_EQ(get_le32(fadt + 4), 276);
	CHECK_EQ(fadt[8], 6);
	CHECK(get_le32(fadt + 112) & (1u << 20));  /* HW_REDUCED_ACPI */
	CHECK(get_le32(fadt + 112) & (1u << 10));  /* RESET_REG_SUP */
	CHECK_EQ(fadt[116], 1);                     /* reset register in IO space */
	CHECK_EQ(get_le64(fadt + 120), PORT_ACPI_RESET);
	CHECK_EQ(fadt[128], ACPI_RESET_VALUE);
	CHECK_EQ(fadt[244], 1);
	CHECK_EQ(get_le64(fadt + 248), PORT_ACPI_SLEEP_CTL);
	CHECK_EQ(get_le64(fadt + 260), PORT_ACPI_SLEEP_STS);
	guest_memory_destroy(&gm);
}

static void dsdt_declares_s5_com1_pvpanic_and_pci(void)
{
	struct guest_memory gm;
	uint64_t rsdp_addr;
	uint8_t *rsdp, *xsdt, *fadt, *dsdt, id[4];
	size_t len;
	const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12 };

	build(&gm, 1, &rsdp_addr);
	rsdp = gm_ptr(&gm, rsdp_addr, 36);
	xsdt = table_at(&gm, get_le64(rsdp + 24), "XSDT");
	fadt = table_at(&gm, get_le64(xsdt + 36), "FACP");
	dsdt = table_at(&gm, get_le64(fadt + 140), "DSDT");
	len = get_le32(dsdt + 4);
	CHECK(contains(dsdt, len, s5, sizeof(s5)));
	CHECK(contains(dsdt, len, "COM1", 4));
	put_le32(id, aml_eisa_id("PNP0501"));
	CHECK(contains(dsdt, len, id, 4));
	CHECK(contains(dsdt, len, "QEMU0001", 9));
	CHECK(contains(dsdt, len, "PCI0", 4));
	put_le32(id, aml_eisa_id("PNP0A03"));
	CHECK(contains(dsdt, len, id, 4));
	guest_memory_destroy(&gm);
}

static void aml_encodings(void)
{
	struct aml a;
	uint8_t big[100];

	CHECK_EQ(aml_eisa_id("PNP0A03"), 0x030ad041);
	CHECK_EQ(aml_eisa_id("PNP0501"), 0x0105d041);

	aml_init(&a);
	aml_integer(&a, 0);
	aml_integer(&a, 1);
	aml_integer(&a, 0x12);
	aml_integer(&a, 0x1234);
	aml_integer(&a, 0x12345678);
	aml_integer(&a, 0x123456789aULL);
	CHECK_EQ(a.len, 1 + 1 + 2 + 3 + 5 + 9);
	CHECK_EQ(a.buf[0], 0x00);
	CHECK_EQ(a.buf[1], 0x01);
	CHECK_EQ(a.buf[2], 0x0a);
	CHECK_EQ(a.buf[4], 0x0b);
	CHECK_EQ(a.buf[7], 0x0c);
	CHECK_EQ(a.buf[12], 0x0e);
	aml_free(&a);

	/* A one-byte PkgLength below 64 bytes, two bytes above. */
	{
		struct aml body, dev;

		aml_init(&body);
		aml_init(&dev);
		aml_bytes(&body, big, 10);
		aml_device(&dev, "DEVA", &body);
		CHECK_EQ(dev.buf[0], 0x5b);
		CHECK_EQ(dev.buf[1], 0x82);
		CHECK_EQ(dev.buf[2], 1 + 4 + 10);
		aml_free(&dev);
		aml_init(&dev);
		aml_bytes(&body, big, 90);
		aml_device(&dev, "DEVB", &body);
		CHECK_EQ(dev.buf[2] >> 6, 1);
		CHECK_EQ((dev.buf[2] & 0xf) | dev.buf[3] << 4, 2 + 4 + 100);
		aml_free(&dev);
		aml_free(&body);
	}
}

static void too_many_cpus_are_refused(void)
{
	struct guest_memory gm;
	struct acpi_config cfg = { .ncpus = ACPI_MAX_CPUS + 1 };
	struct uvm_error err = { 0 };
	uint64_t rsdp;

	CHECK_EQ(guest_memory_create(&gm, 16 * MiB, NULL), 0);
	CHECK_EQ(acpi_build(&gm, &cfg, &rsdp, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "CPUs");
	cfg.ncpus = 0;
	CHECK_EQ(acpi_build(&gm, &cfg, &rsdp, &err), -EINVAL);
	guest_memory_destroy(&gm);
}

TEST_LIST(T(tables_chain_and_checksum), T(madt_lists_every_vcpu_and_the_ioapic),
	  T(fadt_is_hardware_reduced_with_our_ports), T(dsdt_declares_s5_com1_pvpanic_and_pci),
	  T(aml_encodings), T(too_many_cpus_are_refused));
TEST_MAIN("acpi")
