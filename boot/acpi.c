/* ACPI table construction (acpi.h). Tables are laid out one after another
 * in the BIOS area (0xe0000-0xfffff), which e820 marks reserved. */
#include "acpi.h"

#include <errno.h>
#include <string.h>

#include "../vmm/bytes.h"
#include "../vmm/layout.h"
#include "aml.h"

#define ACPI_HEADER_LEN 36
#define RSDP_LEN        36
#define FADT_LEN        276
#define FADT_REVISION   6

/* FADT field offsets (ACPI 6.x, table 5.9). */
#define FADT_DSDT            40
#define FADT_IAPC_BOOT_ARCH  109
#define FADT_FLAGS           112
#define FADT_RESET_REG       116
#define FADT_RESET_VALUE     128
#define FADT_MINOR_VERSION   131
#define FADT_X_DSDT          140
#define FADT_SLEEP_CONTROL   244
#define FADT_SLEEP_STATUS    256
#define FADT_HYPERVISOR_ID   268

#define FADT_F_WBINVD         (1u << 0)
#define FADT_F_RESET_REG_SUP  (1u << 10)
#define FADT_F_HW_REDUCED     (1u << 20)
#define BOOT_ARCH_VGA_ABSENT  (1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC (1u << 5)

#define MADT_LAPIC     0
#define MADT_IOAPIC    1
#define MADT_PCAT_COMPAT 1u

uint8_t acpi_checksum(const uint8_t *data, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + data[i]);
	return sum;
}

static void acpi_header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put_le32(t + 4, len);
	t[8] = rev;
	t[9] = 0;
	memcpy(t + 10, "UVMRUN", 6);
	memcpy(t + 16, "UVM_", 4);
	memcpy(t + 20, sig, 4);
	put_le32(t + 24, 1);
	memcpy(t + 28, "UVMR", 4);
	put_le32(t + 32, 1);
}

static void acpi_finish(uint8_t *t, uint32_t len)
{
	t[9] = (uint8_t)(0 - acpi_checksum(t, len));
}

/* Generic Address Structure for an 8-bit IO port register. */
static void gas_io8(uint8_t *g, uint16_t port)
{
	memset(g, 0, 12);
	g[0] = 1;      /* system IO space */
	g[1] = 8;      /* register bit width */
	g[2] = 0;      /* bit offset */
	g[3] = 1;      /* byte access */
	put_le64(g + 4, port);
}

static void build_dsdt(struct aml *dsdt, const struct acpi_config *cfg)
{
	static const uint64_t s5[] = { ACPI_S5_SLEEP_TYPE, 0, 0, 0 };
	struct aml sb, dev, crs, buf, pkg;

	aml_init(&sb);
	aml_init(&pkg);

	/* Name(\_S5_, Package(){5, 0, 0, 0}): what the guest writes to the
	 * sleep control register to power off. */
	aml_package_integers(&pkg, s5, 4);
	aml_name(dsdt, "\\_S5_", &pkg);

	if (cfg->pci) {
		aml_init(&dev);
		aml_init(&crs);
		aml_init(&buf);
		aml_name_eisa_id(&dev, "_HID", "PNP0A03");
		aml_name_integer(&dev, "_UID", 0);
		aml_name_integer(&dev, "_SEG", 0);
		aml_name_integer(&dev, "_BBN", 0);
		aml_res_bus_range(&crs, 0, 0);
		aml_res_io(&crs, 0xcf8, 8);
		aml_res_io_range(&crs, 0x0000, 0x0cf7);
		aml_res_io_range(&crs, 0x0d00, 0xffff);
		aml_res_mem32_range(&crs, (uint32_t)PCI_MMIO_START, (uint32_t)PCI_MMIO_END);
		aml_res_end(&crs);
		aml_buffer(&buf, &crs);
		aml_name(&dev, "_CRS", &buf);
		aml_device(&sb, "PCI0", &dev);
		aml_free(&dev);
		aml_free(&crs);
		aml_free(&buf);
	}

	/* COM1. A hardware-reduced ACPI guest has no legacy PIC and so no
	 * ISA interrupts of its own: the UART's IRQ exists only as declared
	 * here (Linux's 8250_pnp driver binds this device). */
	aml_init(&dev);
	aml_init(&crs);
	aml_init(&buf);
	aml_name_eisa_id(&dev, "_HID", "PNP0501");
	aml_name_integer(&dev, "_UID", 1);
	aml_res_io(&crs, PORT_COM1, 8);
	aml_res_irq(&crs, IRQ_COM1);
	aml_res_end(&crs);
	aml_buffer(&buf, &crs);
	aml_name(&dev, "_CRS", &buf);
	aml_device(&sb, "COM1", &dev);
	aml_free(&dev);
	aml_free(&crs);
	aml_free(&buf);

	/* pvpanic: the guest's panic notifier writes to this port. */
	aml_init(&dev);
	aml_init(&crs);
	aml_init(&buf);
	aml_name_text(&dev, "_HID", "QEMU0001");
	aml_name_integer(&dev, "_STA", 0x0f);
	aml_res_io(&crs, PORT_PVPANIC, 1);
	aml_res_end(&crs);
	aml_buffer(&buf, &crs);
	aml_name(&dev, "_CRS", &buf);
	aml_device(&sb, "PEVT", &dev);
	aml_free(&dev);
	aml_free(&crs);
	aml_free(&buf);

	aml_scope(dsdt, "\\_SB_", &sb);
	aml_free(&sb);
	aml_free(&pkg);
}

static uint32_t align16(uint32_t v)
{
	return (v + 15) & ~15u;
}

int acpi_build(const struct guest_memory *gm, const struct acpi_config *cfg,
	       uint64_t *rsdp_addr, struct uvm_error *err)
{
	const uint32_t base = (uint32_t)BIOS_AREA_START;
	const uint32_t area = (uint32_t)(BIOS_AREA_END - BIOS_AREA_START);
	uint32_t rsdp_off = 0, xsdt_off, fadt_off, madt_off, dsdt_off, end;
	uint32_t xsdt_len = ACPI_HEADER_LEN + 2 * 8;
	uint32_t madt_len = ACPI_HEADER_LEN + 8 + cfg->ncpus * 8 + 12;
	struct aml dsdt_body;
	uint32_t dsdt_len;
	uint8_t *mem, *t;
	int ret = 0;

	if (cfg->ncpus == 0 || cfg->ncpus > ACPI_MAX_CPUS)
		return uvm_err(err, -EINVAL, "ACPI: %u CPUs is outside 1..%u", cfg->ncpus, ACPI_MAX_CPUS);

	aml_init(&dsdt_body);
	build_dsdt(&dsdt_body, cfg);
	if (dsdt_body.failed) {
		ret = uvm_err(err, -ENOMEM, "ACPI: out of memory building the DSDT");
		goto out;
	}
	dsdt_len = ACPI_HEADER_LEN + (uint32_t)dsdt_body.len;

	xsdt_off = align16(rsdp_off + RSDP_LEN);
	fadt_off = align16(xsdt_off + xsdt_len);
	madt_off = align16(fadt_off + FADT_LEN);
	dsdt_off = align16(madt_off + madt_len);
	end = dsdt_off + dsdt_len;
	mem = gm_ptr(gm, base, area);
	if (end > area || !mem) {
		ret = uvm_err(err, -ENOSPC, "ACPI: tables (%u bytes) do not fit the BIOS area", end);
		goto out;
	}
	memset(mem, 0, end);

	/* DSDT */
	t = mem + dsdt_off;
	acpi_header(t, "DSDT", dsdt_len, 2);
	memcpy(t + ACPI_HEADER_LEN, dsdt_body.buf, dsdt_body.len);
	acpi_finish(t, dsdt_len);

	/* FADT: hardware-reduced, sleep and reset registers on IO ports. */
	t = mem + fadt_off;
	acpi_header(t, "FACP", FADT_LEN, FADT_REVISION);
	put_le32(t + FADT_DSDT, base + dsdt_off);
	put_le64(t + FADT_X_DSDT, base + dsdt_off);
	put_le16(t + FADT_IAPC_BOOT_ARCH, BOOT_ARCH_VGA_ABSENT | BOOT_ARCH_NO_CMOS_RTC);
	put_le32(t + FADT_FLAGS, FADT_F_WBINVD | FADT_F_RESET_REG_SUP | FADT_F_HW_REDUCED);
	gas_io8(t + FADT_RESET_REG, PORT_ACPI_RESET);
	t[FADT_RESET_VALUE] = ACPI_RESET_VALUE;
	t[FADT_MINOR_VERSION] = 0;
	gas_io8(t + FADT_SLEEP_CONTROL, PORT_ACPI_SLEEP_CTL);
	gas_io8(t + FADT_SLEEP_STATUS, PORT_ACPI_SLEEP_STS);
	memcpy(t + FADT_HYPERVISOR_ID, "UVMRUN\0\0", 8);
	acpi_finish(t, FADT_LEN);

	/* MADT: local APIC address, PC-AT compatible 8259s, one local APIC per
	 * vCPU (APIC id = vCPU index), one IOAPIC with GSI base 0. */
	t = mem + madt_off;
	acpi_header(t, "APIC", madt_len, 5);
	put_le32(t + 36, (uint32_t)LAPIC_ADDR);
	put_le32(t + 40, MADT_PCAT_COMPAT);
	{
		uint8_t *e = t + 44;

		for (unsigned i = 0; i < cfg->ncpus; i++, e += 8) {
			e[0] = MADT_LAPIC;
			e[1] = 8;
			e[2] = (uint8_t)i;   /* ACPI processor UID */
			e[3] = (uint8_t)i;   /* APIC id */
			put_le32(e + 4, 1);  /* enabled */
		}
		e[0] = MADT_IOAPIC;
		e[1] = 12;
		e[2] = 0;                    /* IOAPIC id */
		e[3] = 0;
		put_le32(e + 4, (uint32_t)IOAPIC_ADDR);
		put_le32(e + 8, 0);          /* global system interrupt base */
	}
	acpi_finish(t, madt_len);

	/* XSDT */
	t = mem + xsdt_off;
	acpi_header(t, "XSDT", xsdt_len, 1);
	put_le64(t + ACPI_HEADER_LEN, base + fadt_off);
	put_le64(t + ACPI_HEADER_LEN + 8, base + madt_off);
	acpi_finish(t, xsdt_len);

	/* RSDP (revision 2: XSDT address and extended checksum). */
	t = mem + rsdp_off;
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, "UVMRUN", 6);
	t[15] = 2;
	put_le32(t + 16, 0);
	put_le32(t + 20, RSDP_LEN);
	put_le64(t + 24, base + xsdt_off);
	t[8] = (uint8_t)(0 - acpi_checksum(t, 20));
	t[32] = (uint8_t)(0 - acpi_checksum(t, RSDP_LEN));

	*rsdp_addr = base + rsdp_off;
out:
	aml_free(&dsdt_body);
	return ret;
}
