/* Guest-initiated VM end (guest-exit.h). */
#include "guest-exit.h"

#include <stdint.h>
#include <string.h>

#include "layout.h"

#define ACPI_SLP_EN        0x20   /* sleep control: enable */
#define ACPI_SLP_TYP_SHIFT 2
#define ACPI_SLP_TYP_MASK  0x1c
#define ACPI_WAK_STS       0x80   /* sleep status: woken */
#define I8042_CMD_RESET    0xfe
#define PVPANIC_PANICKED   0x01
#define PVPANIC_CRASH_LOADED 0x02

static uint8_t byte_of(const void *data)
{
	return *(const uint8_t *)data;
}

static void acpi_sleep_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct vm *vm = opaque;
	uint8_t v = byte_of(data);

	(void)size;
	if (offset != 0 || !(v & ACPI_SLP_EN))
		return;
	if (((v & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT) == ACPI_S5_SLEEP_TYPE)
		vm_request_end(vm, VM_END_POWEROFF, 0, "guest powered off");
}

static void acpi_sleep_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	(void)opaque;
	memset(data, 0, size);
	/* The sleep status register reads as "woken" so a guest polling it
	 * after an S-state it cannot enter does not spin forever. */
	if (offset == 1)
		*(uint8_t *)data = ACPI_WAK_STS;
}

static void acpi_reset_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	(void)offset;
	(void)size;
	if (byte_of(data) == ACPI_RESET_VALUE)
		vm_request_end(opaque, VM_END_RESET, 0, "guest rebooted (ACPI reset)");
}

static void debug_exit_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	uint8_t status = byte_of(data);

	(void)offset;
	(void)size;
	vm_request_end(opaque, VM_END_EXIT_CODE, status, "guest exited with status %u", status);
}

static void pvpanic_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, size);
	/* Advertise the events we act on. */
	*(uint8_t *)data = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
}

static void pvpanic_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	(void)offset;
	(void)size;
	if (byte_of(data) & PVPANIC_PANICKED)
		vm_request_end(opaque, VM_END_PANIC, 0, "guest kernel panic (reported through pvpanic)");
}

/* i8042 command port: only the pulse of the CPU reset line (0xfe) matters;
 * the status register reads empty so a guest waiting to write proceeds. */
static void i8042_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, size);
}

static void i8042_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	(void)offset;
	(void)size;
	if (byte_of(data) == I8042_CMD_RESET)
		vm_request_end(opaque, VM_END_RESET, 0, "guest rebooted (keyboard controller reset)");
}

static const struct bus_ops acpi_sleep_ops = { .read = acpi_sleep_read, .write = acpi_sleep_write };
static const struct bus_ops acpi_reset_ops = { .read = acpi_sleep_read, .write = acpi_reset_write };
static const struct bus_ops debug_exit_ops = { .write = debug_exit_write };
static const struct bus_ops pvpanic_ops = { .read = pvpanic_read, .write = pvpanic_write };
static const struct bus_ops i8042_ops = { .read = i8042_read, .write = i8042_write };

int guest_exit_register(struct vm *vm, struct uvm_error *err)
{
	int ret;

	if ((ret = bus_register(&vm->io_bus, PORT_ACPI_SLEEP_CTL, 2, &acpi_sleep_ops, vm,
				"acpi-sleep", err)) < 0 ||
	    (ret = bus_register(&vm->io_bus, PORT_ACPI_RESET, 1, &acpi_reset_ops, vm,
				"acpi-reset", err)) < 0 ||
	    (ret = bus_register(&vm->io_bus, PORT_DEBUG_EXIT, 1, &debug_exit_ops, vm,
				"debug-exit", err)) < 0 ||
	    (ret = bus_register(&vm->io_bus, PORT_PVPANIC, 1, &pvpanic_ops, vm, "pvpanic", err)) < 0 ||
	    (ret = bus_register(&vm->io_bus, PORT_I8042_COMMAND, 1, &i8042_ops, vm, "i8042", err)) < 0)
		return ret;
	return 0;
}
