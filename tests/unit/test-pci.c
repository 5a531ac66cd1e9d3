/* PCI bus 0 as a guest sees it: configuration mechanism #1, the host bridge,
 * BAR sizing and moving, capability lists, and MMIO dispatch to the BAR that
 * decodes an address (and to none while memory decoding is off). */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../../vmm/layout.h"
#include "../../vmm/pci.h"
#include "test.h"

struct fake_dev {
	struct pci_device pci;
	uint64_t last_off;
	int writes;
	int mapped_calls;
	bool mapped;
	uint64_t mapped_addr;
};

static void fake_bar_read(struct pci_device *dev, int bar, uint64_t off, void *data, unsigned size)
{
	(void)dev;
	(void)bar;
	memset(data, 0, size);
	memcpy(data, &off, size < 8 ? size : 8);
}

static void fake_bar_write(struct pci_device *dev, int bar, uint64_t off, const void *data,
			   unsigned size)
{
	struct fake_dev *f = dev->opaque;

	(void)bar;
	(void)data;
	(void)size;
	f->writes++;
	f->last_off = off;
}

static void fake_bar_mapped(struct pci_device *dev, int bar, uint64_t addr, bool mapped)
{
	struct fake_dev *f = dev->opaque;

	(void)bar;
	f->mapped_calls++;
	f->mapped = mapped;
	f->mapped_addr = addr;
}

static const struct pci_device_ops fake_ops = {
	.bar_read = fake_bar_read, .bar_write = fake_bar_write, .bar_mapped = fake_bar_mapped,
};

struct rig {
	struct vm vm;
	struct pci_bus bus;
	struct fake_dev dev;
};

static void rig_setup(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	bus_init(&r->vm.io_bus, "io");
	bus_init(&r->vm.mmio_bus, "mmio");
	pthread_mutex_init(&r->vm.end_lock, NULL);
	r->vm.end_fd = eventfd(0, EFD_NONBLOCK);
	CHECK_EQ(pci_bus_init(&r->bus, &r->vm, NULL), 0);
	pci_device_init(&r->dev.pci, "fake", 0x1af4, 0x1042, 0x018000, 1, 0x1af4, 0x1100, &fake_ops,
			&r->dev);
	pci_device_set_bar(&r->dev.pci, 0, 0x8000);
	CHECK(pci_device_add_capability(&r->dev.pci, 0x11, 12) == 0x40);
	CHECK(pci_device_add_capability(&r->dev.pci, 0x09, 16) == 0x4c);
	CHECK_EQ(pci_bus_add_device(&r->bus, &r->dev.pci, NULL), 0);
}

static void rig_teardown(struct rig *r)
{
	pci_bus_destroy(&r->bus);
	bus_destroy(&r->vm.io_bus);
	bus_destroy(&r->vm.mmio_bus);
	close(r->vm.end_fd);
	pthread_mutex_destroy(&r->vm.end_lock);
}

static uint32_t cfg_read(struct rig *r, unsigned slot, unsigned reg, unsigned size)
{
	uint32_t addr = 0x80000000u | slot << 11 | (reg & 0xfc), v = 0;

	bus_write(&r->vm.io_bus, 0xcf8, &addr, 4);
	bus_read(&r->vm.io_bus, 0xcfc + (reg & 3), &v, size);
	return size == 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void cfg_write(struct rig *r, unsigned slot, unsigned reg, unsigned size, uint32_t v)
{
	uint32_t addr = 0x80000000u | slot << 11 | (reg & 0xfc);

	bus_write(&r->vm.io_bus, 0xcf8, &addr, 4);
	bus_write(&r->vm.io_bus, 0xcfc + (reg & 3), &v, size);
}

static void config_mechanism_and_host_bridge(void)
{
	struct rig r;
	uint32_t v = 0;

	rig_setup(&r);
	/* Linux's probe: write 0x80000000 to 0xcf8 and read it back. */
	v = 0x80000000;
	bus_write(&r.vm.io_bus, 0xcf8, &v, 4);
	v = 0;
	bus_read(&r.vm.io_bus, 0xcf8, &v, 4);
	CHECK_EQ(v, 0x80000000);
	CHECK_EQ(cfg_read(&r, 0, 0x0a, 2), 0x0600);      /* host bridge class */
	CHECK_EQ(cfg_read(&r, 1, 0x00, 4), 0x10421af4);  /* our device in slot 1 */
	CHECK_EQ(cfg_read(&r, 1, 0x0a, 2), 0x0180);
	CHECK_EQ(cfg_read(&r, 2, 0x00, 4), 0xffffffff);  /* empty slot */
	/* Other functions and buses are empty too. */
	v = 0x80000000u | 1 << 11 | 1 << 8;
	bus_write(&r.vm.io_bus, 0xcf8, &v, 4);
	bus_read(&r.vm.io_bus, 0xcfc, &v, 4);
	CHECK_EQ(v, 0xffffffff);
	rig_teardown(&r);
}

static void bars_size_and_move(void)
{
	struct rig r;
	uint32_t bar;

	rig_setup(&r);
	bar = cfg_read(&r, 1, 0x10, 4);
	CHECK(bar >= PCI_MMIO_START && bar % 0x8000 == 0);
	CHECK(r.dev.mapped && r.dev.mapped_addr == bar);
	/* Sizing, as Linux does it: decode off, all ones, read, restore. */
	cfg_write(&r, 1, 0x04, 2, 0);
	CHECK(!r.dev.mapped);
	cfg_write(&r, 1, 0x10, 4, 0xffffffff);
	CHECK_EQ(cfg_read(&r, 1, 0x10, 4), 0xffff8000);
	CHECK(!r.dev.mapped);
	cfg_write(&r, 1, 0x10, 4, 0xd0000000);
	cfg_write(&r, 1, 0x04, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	CHECK(r.dev.mapped && r.dev.mapped_addr == 0xd0000000);
	/* MMIO reaches the BAR at its new place, and only there. */
	{
		uint32_t v = 1;

		bus_write(&r.vm.mmio_bus, 0xd0000000 + 0x3004, &v, 4);
		CHECK_EQ(r.dev.writes, 1);
		CHECK_EQ(r.dev.last_off, 0x3004);
		bus_write(&r.vm.mmio_bus, bar + 0x3004, &v, 4);
		CHECK_EQ(r.dev.writes, 1);
	}
	/* A BAR outside the window does not decode. */
	cfg_write(&r, 1, 0x10, 4, 0x10000000);
	CHECK(!r.dev.mapped);
	rig_teardown(&r);
}

static void capability_list_and_read_only_bits(void)
{
	struct rig r;

	rig_setup(&r);
	CHECK(cfg_read(&r, 1, 0x06, 2) & PCI_STATUS_CAP_LIST);
	CHECK_EQ(cfg_read(&r, 1, 0x34, 1), 0x40);
	CHECK_EQ(cfg_read(&r, 1, 0x40, 1), 0x11);
	CHECK_EQ(cfg_read(&r, 1, 0x41, 1), 0x4c);
	CHECK_EQ(cfg_read(&r, 1, 0x4c, 1), 0x09);
	CHECK_EQ(cfg_read(&r, 1, 0x4d, 1), 0x00);
	/* Identity registers ignore writes. */
	cfg_write(&r, 1, 0x00, 4, 0x12345678);
	CHECK_EQ(cfg_read(&r, 1, 0x00, 4), 0x10421af4);
	cfg_write(&r, 1, 0x34, 1, 0x80);
	CHECK_EQ(cfg_read(&r, 1, 0x34, 1), 0x40);
	rig_teardown(&r);
}

static void reset_control_port_resets(void)
{
	struct rig r;
	uint8_t v = 0x06;

	rig_setup(&r);
	bus_write(&r.vm.io_bus, 0xcf9, &v, 1);
	CHECK_EQ(vm_end_reason(&r.vm), VM_END_RESET);
	rig_teardown(&r);
}

TEST_LIST(T(config_mechanism_and_host_bridge), T(bars_size_and_move),
	  T(capability_list_and_read_only_bits), T(reset_control_port_resets));
TEST_MAIN("pci")
