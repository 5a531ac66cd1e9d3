/* KVM GSI routing and irqfds (irq-routing.h). KVM_SET_GSI_ROUTING replaces
 * the whole table, so the default legacy routes are kept in it. */
#include "irq-routing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

static void add_irqchip_route(struct kvm_irq_routing *t, unsigned gsi, unsigned chip,
			      unsigned pin)
{
	struct kvm_irq_routing_entry *e = &t->entries[t->nr++];

	memset(e, 0, sizeof(*e));
	e->gsi = gsi;
	e->type = KVM_IRQ_ROUTING_IRQCHIP;
	e->u.irqchip.irqchip = chip;
	e->u.irqchip.pin = pin;
}

int irq_routing_init(struct irq_routing *r, int vm_fd, struct uvm_error *err)
{
	size_t max = 16 + IRQ_LEGACY_GSIS + IRQ_MAX_MSI_ROUTES;

	memset(r, 0, sizeof(*r));
	r->vm_fd = vm_fd;
	pthread_mutex_init(&r->lock, NULL);
	r->table = calloc(1, sizeof(*r->table) + max * sizeof(r->table->entries[0]));
	if (!r->table)
		return uvm_err(err, -ENOMEM, "out of memory for interrupt routes");
	/* As KVM's default: GSIs 0-15 go to the PICs and the IOAPIC, 16-23 to
	 * the IOAPIC only. */
	for (unsigned gsi = 0; gsi < 16; gsi++)
		add_irqchip_route(r->table, gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				  gsi % 8);
	for (unsigned gsi = 0; gsi < IRQ_LEGACY_GSIS; gsi++)
		add_irqchip_route(r->table, gsi, KVM_IRQCHIP_IOAPIC, gsi);
	r->nlegacy = r->table->nr;
	return 0;
}

void irq_routing_destroy(struct irq_routing *r)
{
	free(r->table);
	r->table = NULL;
	pthread_mutex_destroy(&r->lock);
}

int irq_routing_alloc_msi(struct irq_routing *r, unsigned *gsi, struct uvm_error *err)
{
	pthread_mutex_lock(&r->lock);
	for (unsigned i = 0; i < IRQ_MAX_MSI_ROUTES; i++) {
		if (!r->msi_used[i]) {
			r->msi_used[i] = true;
			r->msi_valid[i] = false;
			pthread_mutex_unlock(&r->lock);
			*gsi = IRQ_LEGACY_GSIS + i;
			return 0;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return uvm_err(err, -ENOSPC, "no free interrupt routes (%d in use)", IRQ_MAX_MSI_ROUTES);
}

/* Rebuild the table from the legacy routes and the valid MSI routes and
 * hand it to KVM. Called with the lock held. */
static int irq_routing_commit(struct irq_routing *r)
{
	r->table->nr = r->nlegacy;
	for (unsigned i = 0; i < IRQ_MAX_MSI_ROUTES; i++) {
		struct kvm_irq_routing_entry *e;

		if (!r->msi_used[i] || !r->msi_valid[i])
			continue;
		e = &r->table->entries[r->table->nr++];
		memset(e, 0, sizeof(*e));
		e->gsi = IRQ_LEGACY_GSIS + i;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi = r->msi[i];
	}
	if (ioctl(r->vm_fd, KVM_SET_GSI_ROUTING, r->table) < 0)
		return -errno;
	return 0;
}

void irq_routing_free_msi(struct irq_routing *r, unsigned gsi)
{
	unsigned i = gsi - IRQ_LEGACY_GSIS;

	if (gsi < IRQ_LEGACY_GSIS || i >= IRQ_MAX_MSI_ROUTES)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->msi_valid[i]) {
		r->msi_valid[i] = false;
		irq_routing_commit(r);
	}
	r->msi_used[i] = false;
	pthread_mutex_unlock(&r->lock);
}

int irq_routing_set_msi(struct irq_routing *r, unsigned gsi, bool valid, uint64_t address,
			uint32_t data)
{
	unsigned i = gsi - IRQ_LEGACY_GSIS;
	int ret;

	if (gsi < IRQ_LEGACY_GSIS || i >= IRQ_MAX_MSI_ROUTES)
		return -EINVAL;
	pthread_mutex_lock(&r->lock);
	if (r->msi_valid[i] == valid && (!valid || (r->msi[i].address_lo == (uint32_t)address &&
						  r->msi[i].address_hi == (uint32_t)(address >> 32) &&
						  r->msi[i].data == data))) {
		pthread_mutex_unlock(&r->lock);
		return 0;
	}
	r->msi_valid[i] = valid;
	r->msi[i].address_lo = (uint32_t)address;
	r->msi[i].address_hi = (uint32_t)(address >> 32);
	r->msi[i].data = data;
	ret = irq_routing_commit(r);
	pthread_mutex_unlock(&r->lock);
	return ret;
}

int irq_routing_bind_irqfd(struct irq_routing *r, int eventfd, unsigned gsi, bool bind)
{
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)eventfd,
		.gsi = gsi,
		.flags = bind ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	if (ioctl(r->vm_fd, KVM_IRQFD, &irqfd) < 0)
		return -errno;
	return 0;
}
