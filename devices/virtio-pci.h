/* The virtio-pci transport, modern (virtio 1.x) only: a PCI function whose
 * BAR0 holds the common configuration, ISR, device configuration, queue
 * notify area and MSI-X table; queue notifications reach the device through
 * KVM ioeventfds and its interrupts leave through irqfds, so the data path
 * never waits on a vCPU exit. Device-agnostic. */
#ifndef UVM_VIRTIO_PCI_H
#define UVM_VIRTIO_PCI_H

#include <pthread.h>

#include "../vmm/irq-routing.h"
#include "../vmm/pci.h"
#include "virtio.h"

#define VIRTIO_PCI_MAX_VECTORS (VIRTIO_MAX_QUEUES + 1)

struct virtio_pci_queue_regs {
	uint16_t size;
	uint16_t vector;
	bool enabled;
	uint64_t desc, driver, device;
};

struct msix_vector {
	uint32_t addr_lo, addr_hi, data, ctrl;
	unsigned gsi;
	int irqfd;
	bool pending;
};

struct virtio_pci {
	struct pci_device pci;
	struct virtio_device *vdev;
	struct vm *vm;
	struct irq_routing *irq;
	pthread_mutex_t lock;            /* registers below */
	uint32_t device_feature_select;
	uint32_t driver_feature_select;
	uint16_t queue_select;
	uint16_t config_vector;
	uint8_t status;
	uint8_t config_generation;
	uint8_t isr;
	struct virtio_pci_queue_regs queues[VIRTIO_MAX_QUEUES];
	unsigned nvectors;
	struct msix_vector vectors[VIRTIO_PCI_MAX_VECTORS];
	uint8_t msix_cap;                /* config offsets of our capabilities */
	uint8_t pci_cfg_cap;
	bool notify_registered;          /* ioeventfds are assigned at notify_base */
	uint64_t notify_base;
};

/* Wrap `vdev` in a PCI function on `bus`. */
int virtio_pci_create(struct virtio_pci *vp, struct virtio_device *vdev, struct pci_bus *bus,
		      struct irq_routing *irq, struct uvm_error *err);
void virtio_pci_destroy(struct virtio_pci *vp);

#endif
