/* The VM's interrupt routing: KVM's GSI routing table (the legacy PIC and
 * IOAPIC lines plus one route per MSI vector in use) and irqfds, through
 * which device threads inject interrupts without a vCPU exit. */
#ifndef UVM_IRQ_ROUTING_H
#define UVM_IRQ_ROUTING_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define IRQ_LEGACY_GSIS 24      /* IOAPIC pins; the first MSI GSI comes after */
#define IRQ_MAX_MSI_ROUTES 1024

struct irq_routing {
	int vm_fd;
	pthread_mutex_t lock;
	struct kvm_irq_routing *table;     /* legacy routes then MSI routes */
	unsigned nlegacy;
	bool msi_used[IRQ_MAX_MSI_ROUTES]; /* GSI IRQ_LEGACY_GSIS + i is taken */
	struct kvm_irq_routing_msi msi[IRQ_MAX_MSI_ROUTES];
	bool msi_valid[IRQ_MAX_MSI_ROUTES]; /* programmed with an address */
};

int irq_routing_init(struct irq_routing *r, int vm_fd, struct uvm_error *err);
void irq_routing_destroy(struct irq_routing *r);

/* Reserve a GSI for an MSI vector (not routed until set). */
int irq_routing_alloc_msi(struct irq_routing *r, unsigned *gsi, struct uvm_error *err);
void irq_routing_free_msi(struct irq_routing *r, unsigned gsi);

/* Point an MSI GSI at an address/data pair, or unroute it (valid=false),
 * and push the table to KVM. */
int irq_routing_set_msi(struct irq_routing *r, unsigned gsi, bool valid, uint64_t address,
			uint32_t data);

/* Bind or unbind an eventfd to a GSI (KVM_IRQFD). */
int irq_routing_bind_irqfd(struct irq_routing *r, int eventfd, unsigned gsi, bool bind);

#endif
