/* PCI bus 0: configuration mechanism #1, BAR decoding and the MMIO window
 * (pci.h). */
#include "pci.h"

#include <errno.h>
#include <string.h>

#include "layout.h"

#define PORT_PCI_CONFIG_ADDRESS 0xcf8
#define PORT_PCI_CONFIG_DATA    0xcfc
#define PORT_RESET_CONTROL      0xcf9
#define RESET_CONTROL_RST_CPU   0x04
#define PCI_CONFIG_ENABLE       0x80000000u
#define PCI_BAR_MEM_TYPE_MASK   0x0fu
#define HOST_BRIDGE_VENDOR      0x1b36   /* Red Hat, as QEMU's generic PCIe host */
#define HOST_BRIDGE_DEVICE      0x0008
#define PCI_CLASS_HOST_BRIDGE   0x060000

uint32_t pci_config_get(const struct pci_device *dev, unsigned offset, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size && offset + i < PCI_CONFIG_SIZE; i++)
		v |= (uint32_t)dev->config[offset + i] << (8 * i);
	return v;
}

void pci_config_set(struct pci_device *dev, unsigned offset, unsigned size, uint32_t value)
{
	for (unsigned i = 0; i < size && offset + i < PCI_CONFIG_SIZE; i++)
		dev->config[offset + i] = (uint8_t)(value >> (8 * i));
}

static void wmask_set(struct pci_device *dev, unsigned offset, unsigned size, uint32_t mask)
{
	for (unsigned i = 0; i < size && offset + i < PCI_CONFIG_SIZE; i++)
		dev->wmask[offset + i] = (uint8_t)(mask >> (8 * i));
}

void pci_device_init(struct pci_device *dev, const char *name, uint16_t vendor, uint16_t device,
		     uint32_t class_code, uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id,
		     const struct pci_device_ops *ops, void *opaque)
{
	memset(dev, 0, sizeof(*dev));
	dev->name = name;
	dev->ops = ops;
	dev->opaque = opaque;
	dev->next_cap_offset = 0x40;
	pci_config_set(dev, PCI_VENDOR_ID, 2, vendor);
	pci_config_set(dev, PCI_DEVICE_ID, 2, device);
	pci_config_set(dev, PCI_REVISION_ID, 1, revision);
	pci_config_set(dev, PCI_CLASS_PROG, 3, class_code);
	pci_config_set(dev, PCI_HEADER_TYPE, 1, 0);
	pci_config_set(dev, PCI_SUBSYSTEM_VENDOR, 2, subsys_vendor);
	pci_config_set(dev, PCI_SUBSYSTEM_ID, 2, subsys_id);
	pci_config_set(dev, PCI_INTERRUPT_PIN, 1, 0);   /* no INTx: MSI-X only */
	wmask_set(dev, PCI_COMMAND, 2,
		  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	wmask_set(dev, 0x0c, 1, 0xff);                  /* cache line size */
	wmask_set(dev, 0x3c, 1, 0xff);                  /* interrupt line */
}

void pci_device_set_bar(struct pci_device *dev, int bar, uint32_t size)
{
	unsigned off = PCI_BAR0 + 4 * (unsigned)bar;

	dev->bar_size[bar] = size;
	pci_config_set(dev, off, 4, 0);                 /* 32-bit memory, not prefetchable */
	wmask_set(dev, off, 4, ~(size - 1) & ~PCI_BAR_MEM_TYPE_MASK);
}

uint8_t pci_device_add_capability(struct pci_device *dev, uint8_t cap_id, uint8_t len)
{
	uint8_t off = dev->next_cap_offset;

	if (len < 2 || (unsigned)off + len > PCI_CONFIG_SIZE)
		return 0;
	dev->config[off] = cap_id;
	dev->config[off + 1] = 0;
	if (dev->last_cap)
		dev->config[dev->last_cap + 1] = off;
	else
		dev->config[PCI_CAPABILITY_LIST] = off;
	pci_config_set(dev, PCI_STATUS, 2, pci_config_get(dev, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
	dev->last_cap = off;
	dev->next_cap_offset = (uint8_t)((off + len + 3) & ~3u);
	return off;
}

/* Recompute where each BAR decodes after a command or BAR write; tell the
 * device about changes. Called with the bus lock held. */
static void pci_update_bars(struct pci_device *dev)
{
	bool mem_on = pci_config_get(dev, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY;

	for (int b = 0; b < PCI_NUM_BARS; b++) {
		uint64_t addr, size = dev->bar_size[b];
		bool mapped;

		if (!size)
			continue;
		addr = pci_config_get(dev, PCI_BAR0 + 4 * (unsigned)b, 4) & ~(uint64_t)PCI_BAR_MEM_TYPE_MASK;
		/* Only inside our window: a BAR being sized or parked elsewhere
		 * does not decode. */
		mapped = mem_on && addr >= PCI_MMIO_START && addr + size - 1 <= PCI_MMIO_END;
		if (mapped == dev->bar_is_mapped[b] && (!mapped || addr == dev->bar_addr[b]))
			continue;
		if (dev->bar_is_mapped[b] && dev->ops->bar_mapped)
			dev->ops->bar_mapped(dev, b, dev->bar_addr[b], false);
		dev->bar_is_mapped[b] = mapped;
		dev->bar_addr[b] = addr;
		if (mapped && dev->ops->bar_mapped)
			dev->ops->bar_mapped(dev, b, addr, true);
	}
}

static struct pci_device *pci_selected(struct pci_bus *bus, unsigned *reg)
{
	uint32_t a = bus->config_address;
	unsigned busno = (a >> 16) & 0xff, slot = (a >> 11) & 0x1f, fn = (a >> 8) & 7;

	if (!(a & PCI_CONFIG_ENABLE) || busno != 0 || fn != 0)
		return NULL;
	*reg = a & 0xfc;
	return bus->slots[slot];
}

static void pci_data_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct pci_bus *bus = opaque;
	struct pci_device *dev;
	uint32_t v = 0xffffffff;
	unsigned reg;

	pthread_mutex_lock(&bus->lock);
	dev = pci_selected(bus, &reg);
	if (dev && offset + size <= 4) {
		reg += (unsigned)offset;
		if (!dev->ops->config_read || !dev->ops->config_read(dev, reg, size, &v))
			v = pci_config_get(dev, reg, size);
	}
	pthread_mutex_unlock(&bus->lock);
	memcpy(data, &v, size > 4 ? 4 : size);
}

static void pci_data_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct pci_bus *bus = opaque;
	struct pci_device *dev;
	uint32_t v = 0;
	unsigned reg;

	if (size > 4 || offset + size > 4)
		return;
	memcpy(&v, data, size);
	pthread_mutex_lock(&bus->lock);
	dev = pci_selected(bus, &reg);
	if (dev) {
		reg += (unsigned)offset;
		for (unsigned i = 0; i < size; i++) {
			uint8_t m = dev->wmask[reg + i];

			dev->config[reg + i] = (uint8_t)((dev->config[reg + i] & ~m) | ((v >> (8 * i)) & m));
		}
		if (reg < PCI_BAR0 + 4 * PCI_NUM_BARS && reg + size > PCI_COMMAND)
			pci_update_bars(dev);
		if (dev->ops->config_written)
			dev->ops->config_written(dev, reg, size);
	}
	pthread_mutex_unlock(&bus->lock);
}

static void pci_address_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct pci_bus *bus = opaque;
	uint32_t v = 0xffffffff;

	if (offset == 0 && size == 4) {
		pthread_mutex_lock(&bus->lock);
		v = bus->config_address;
		pthread_mutex_unlock(&bus->lock);
	}
	memcpy(data, &v, size > 4 ? 4 : size);
}

static void pci_address_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct pci_bus *bus = opaque;
	uint32_t v = 0;

	if (offset == 1 && size == 1) {
		/* 0xcf9: reset control; RST_CPU asks for a reset. */
		if (*(const uint8_t *)data & RESET_CONTROL_RST_CPU)
			vm_request_end(bus->vm, VM_END_RESET, 0, "guest rebooted (PCI reset control)");
		return;
	}
	if (offset != 0 || size != 4)
		return;
	memcpy(&v, data, 4);
	pthread_mutex_lock(&bus->lock);
	bus->config_address = v;
	pthread_mutex_unlock(&bus->lock);
}

/* Find the BAR decoding `addr`; the device is used after the lock drops
 * (devices live as long as the bus). */
static struct pci_device *pci_find_bar(struct pci_bus *bus, uint64_t addr, unsigned size,
				       int *bar, uint64_t *offset)
{
	struct pci_device *found = NULL;

	pthread_mutex_lock(&bus->lock);
	for (unsigned s = 0; s < PCI_MAX_SLOTS && !found; s++) {
		struct pci_device *dev = bus->slots[s];

		for (int b = 0; dev && b < PCI_NUM_BARS; b++) {
			if (!dev->bar_is_mapped[b] || addr < dev->bar_addr[b] ||
			    addr - dev->bar_addr[b] >= dev->bar_size[b] ||
			    size > dev->bar_size[b] - (addr - dev->bar_addr[b]))
				continue;
			found = dev;
			*bar = b;
			*offset = addr - dev->bar_addr[b];
			break;
		}
	}
	pthread_mutex_unlock(&bus->lock);
	return found;
}

static void pci_mmio_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct pci_bus *bus = opaque;
	uint64_t bar_off;
	int bar;
	struct pci_device *dev = pci_find_bar(bus, PCI_MMIO_START + offset, size, &bar, &bar_off);

	memset(data, 0xff, size);
	if (dev && dev->ops->bar_read)
		dev->ops->bar_read(dev, bar, bar_off, data, size);
}

static void pci_mmio_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct pci_bus *bus = opaque;
	uint64_t bar_off;
	int bar;
	struct pci_device *dev = pci_find_bar(bus, PCI_MMIO_START + offset, size, &bar, &bar_off);

	if (dev && dev->ops->bar_write)
		dev->ops->bar_write(dev, bar, bar_off, data, size);
}

static const struct pci_device_ops host_bridge_ops = { 0 };

static const struct bus_ops pci_address_ops = { pci_address_read, pci_address_write };
static const struct bus_ops pci_data_ops = { pci_data_read, pci_data_write };
static const struct bus_ops pci_mmio_ops = { pci_mmio_read, pci_mmio_write };

int pci_bus_init(struct pci_bus *bus, struct vm *vm, struct uvm_error *err)
{
	int ret;

	memset(bus, 0, sizeof(*bus));
	bus->vm = vm;
	bus->next_mmio = PCI_MMIO_START;
	pthread_mutex_init(&bus->lock, NULL);
	if ((ret = bus_register(&vm->io_bus, PORT_PCI_CONFIG_ADDRESS, 4, &pci_address_ops, bus,
				"pci config address", err)) < 0 ||
	    (ret = bus_register(&vm->io_bus, PORT_PCI_CONFIG_DATA, 4, &pci_data_ops, bus,
				"pci config data", err)) < 0 ||
	    (ret = bus_register(&vm->mmio_bus, PCI_MMIO_START, PCI_MMIO_END - PCI_MMIO_START + 1,
				&pci_mmio_ops, bus, "pci mmio window", err)) < 0)
		return ret;
	pci_device_init(&bus->host_bridge, "host bridge", HOST_BRIDGE_VENDOR, HOST_BRIDGE_DEVICE,
			PCI_CLASS_HOST_BRIDGE, 0, HOST_BRIDGE_VENDOR, HOST_BRIDGE_DEVICE,
			&host_bridge_ops, bus);
	bus->host_bridge.bus = bus;
	bus->slots[0] = &bus->host_bridge;
	return 0;
}

void pci_bus_destroy(struct pci_bus *bus)
{
	pthread_mutex_destroy(&bus->lock);
}

int pci_bus_add_device(struct pci_bus *bus, struct pci_device *dev, struct uvm_error *err)
{
	unsigned slot;

	/* Slot 0 is the host bridge. */
	for (slot = 1; slot < PCI_MAX_SLOTS && bus->slots[slot]; slot++)
		;
	if (slot == PCI_MAX_SLOTS)
		return uvm_err(err, -ENOSPC, "%s: no free PCI slot (at most %d devices)", dev->name,
			       PCI_MAX_SLOTS - 1);
	for (int b = 0; b < PCI_NUM_BARS; b++) {
		uint64_t size = dev->bar_size[b], addr;

		if (!size)
			continue;
		addr = (bus->next_mmio + size - 1) & ~(size - 1);
		if (addr + size - 1 > PCI_MMIO_END)
			return uvm_err(err, -ENOSPC, "%s: PCI memory window is full", dev->name);
		bus->next_mmio = addr + size;
		pci_config_set(dev, PCI_BAR0 + 4 * (unsigned)b, 4, (uint32_t)addr);
	}
	pthread_mutex_lock(&bus->lock);
	dev->bus = bus;
	dev->slot = slot;
	bus->slots[slot] = dev;
	/* Memory decoding on, as firmware leaves it. */
	pci_config_set(dev, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	pci_update_bars(dev);
	pthread_mutex_unlock(&bus->lock);
	return 0;
}
