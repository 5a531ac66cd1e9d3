/* A PCI bus 0 for the VM: configuration space through the legacy ports
 * 0xcf8/0xcfc, devices with 32-bit memory BARs that the guest may move, and
 * dispatch of the PCI MMIO window to whichever BAR decodes an address.
 * Knows nothing of what the devices are (virtio-pci lives in devices/). */
#ifndef UVM_PCI_H
#define UVM_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "vm.h"

#define PCI_MAX_SLOTS   32
#define PCI_NUM_BARS    6
#define PCI_CONFIG_SIZE 256

/* Standard configuration header offsets and bits. */
#define PCI_VENDOR_ID        0x00
#define PCI_DEVICE_ID        0x02
#define PCI_COMMAND          0x04
#define PCI_STATUS           0x06
#define PCI_REVISION_ID      0x08
#define PCI_CLASS_PROG       0x09
#define PCI_HEADER_TYPE      0x0e
#define PCI_BAR0             0x10
#define PCI_SUBSYSTEM_VENDOR 0x2c
#define PCI_SUBSYSTEM_ID     0x2e
#define PCI_CAPABILITY_LIST  0x34
#define PCI_INTERRUPT_PIN    0x3d
#define PCI_COMMAND_MEMORY   0x0002
#define PCI_COMMAND_MASTER   0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_CAP_LIST  0x0010

struct pci_device;

struct pci_device_ops {
	/* Config space [offset, offset+size) was written (already stored
	 * through the writable mask): side effects of capabilities. */
	void (*config_written)(struct pci_device *dev, unsigned offset, unsigned size);
	/* Optional live value for a config read; return false to read the
	 * stored bytes. */
	bool (*config_read)(struct pci_device *dev, unsigned offset, unsigned size, uint32_t *value);
	void (*bar_read)(struct pci_device *dev, int bar, uint64_t offset, void *data, unsigned size);
	void (*bar_write)(struct pci_device *dev, int bar, uint64_t offset, const void *data,
			  unsigned size);
	/* BAR `bar` now decodes at `addr` (mapped) or not at all. */
	void (*bar_mapped)(struct pci_device *dev, int bar, uint64_t addr, bool mapped);
};

struct pci_device {
	const char *name;
	uint8_t config[PCI_CONFIG_SIZE];
	uint8_t wmask[PCI_CONFIG_SIZE];     /* bits the guest may change */
	uint32_t bar_size[PCI_NUM_BARS];    /* 0: no BAR */
	bool bar_is_mapped[PCI_NUM_BARS];
	uint64_t bar_addr[PCI_NUM_BARS];    /* where it decodes, when mapped */
	uint8_t last_cap;                   /* offset of the last capability added */
	uint8_t next_cap_offset;
	const struct pci_device_ops *ops;
	void *opaque;
	struct pci_bus *bus;
	unsigned slot;
};

struct pci_bus {
	struct vm *vm;
	struct pci_device host_bridge;   /* 00:00.0 */
	pthread_mutex_t lock;            /* config space and BAR mappings */
	uint32_t config_address;         /* the 0xcf8 register */
	struct pci_device *slots[PCI_MAX_SLOTS];
	uint64_t next_mmio;              /* where the next BAR is placed */
};

/* Claim ports 0xcf8-0xcff and the PCI MMIO window for this bus, and put a
 * host bridge at 00:00.0 (Linux trusts configuration mechanism #1 only
 * when it finds one, on machines without DMI). */
int pci_bus_init(struct pci_bus *bus, struct vm *vm, struct uvm_error *err);
void pci_bus_destroy(struct pci_bus *bus);

/* Identity and layout of a device, before adding it. */
void pci_device_init(struct pci_device *dev, const char *name, uint16_t vendor, uint16_t device,
		     uint32_t class_code, uint8_t revision, uint16_t subsys_vendor, uint16_t subsys_id,
		     const struct pci_device_ops *ops, void *opaque);
/* A 32-bit non-prefetchable memory BAR of `size` bytes (a power of two). */
void pci_device_set_bar(struct pci_device *dev, int bar, uint32_t size);
/* Append a capability of `len` bytes with id `cap_id`; returns its offset
 * (0 when config space is full). Bytes after the 2-byte header are zero
 * and read-only until the caller sets config[] and wmask[]. */
uint8_t pci_device_add_capability(struct pci_device *dev, uint8_t cap_id, uint8_t len);

/* Put the device in the next free slot and give its BARs addresses (as a
 * firmware would; the guest may move them). */
int pci_bus_add_device(struct pci_bus *bus, struct pci_device *dev, struct uvm_error *err);

/* Config space accessors for device code (little-endian). */
uint32_t pci_config_get(const struct pci_device *dev, unsigned offset, unsigned size);
void pci_config_set(struct pci_device *dev, unsigned offset, unsigned size, uint32_t value);

#endif
