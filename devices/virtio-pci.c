/* virtio-pci (modern) transport (virtio-pci.h), virtio 1.2 section 4.1. */
#include "virtio-pci.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../vmm/bytes.h"

#define VIRTIO_PCI_VENDOR       0x1af4
#define VIRTIO_PCI_DEVICE_BASE  0x1040
#define VIRTIO_PCI_SUBSYS_ID    0x1100

/* BAR0 layout. */
#define BAR0_SIZE          0x8000
#define COMMON_OFF         0x0000
#define COMMON_LEN         0x0040
#define ISR_OFF            0x1000
#define ISR_LEN            0x0004
#define DEVICE_CFG_OFF     0x2000
#define DEVICE_CFG_LEN     0x1000
#define NOTIFY_OFF         0x3000
#define NOTIFY_MULTIPLIER  4
#define MSIX_TABLE_OFF     0x4000
#define MSIX_PBA_OFF       0x5000

/* Capability types (virtio_pci_cap.cfg_type). */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG    5
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_MSIX   0x11

#define MSIX_CTRL_ENABLE    0x8000
#define MSIX_CTRL_FUNC_MASK 0x4000
#define MSIX_ENTRY_MASKED   0x1
#define VIRTIO_NO_VECTOR    0xffff

/* Common configuration register offsets. */
#define CC_DFSELECT   0x00
#define CC_DF         0x04
#define CC_GFSELECT   0x08
#define CC_GF         0x0c
#define CC_MSIX       0x10
#define CC_NUMQ       0x12
#define CC_STATUS     0x14
#define CC_CFGGEN     0x15
#define CC_Q_SELECT   0x16
#define CC_Q_SIZE     0x18
#define CC_Q_MSIX     0x1a
#define CC_Q_ENABLE   0x1c
#define CC_Q_NOFF     0x1e
#define CC_Q_DESCLO   0x20
#define CC_Q_DESCHI   0x24
#define CC_Q_AVAILLO  0x28
#define CC_Q_AVAILHI  0x2c
#define CC_Q_USEDLO   0x30
#define CC_Q_USEDHI   0x34

static struct virtio_pci *vp_of(struct pci_device *dev)
{
	return dev->opaque;
}

/* ---- interrupts ---- */

static bool msix_enabled(const struct virtio_pci *vp)
{
	return pci_config_get(&vp->pci, vp->msix_cap + 2, 2) & MSIX_CTRL_ENABLE;
}

static bool msix_masked(const struct virtio_pci *vp, unsigned v)
{
	return (pci_config_get(&vp->pci, vp->msix_cap + 2, 2) & MSIX_CTRL_FUNC_MASK) ||
	       (vp->vectors[v].ctrl & MSIX_ENTRY_MASKED);
}

static void msix_fire(struct msix_vector *vec)
{
	uint64_t one = 1;

	/* Fails only if the counter would overflow, i.e. already pending. */
	if (write(vec->irqfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		vec->pending = true;
}

/* Deliver vector v, or hold it pending while masked. Lock held. */
static void msix_signal(struct virtio_pci *vp, unsigned v)
{
	if (!msix_enabled(vp) || v >= vp->nvectors)
		return;
	if (msix_masked(vp, v))
		vp->vectors[v].pending = true;
	else
		msix_fire(&vp->vectors[v]);
}

/* Bring vector v's KVM route in line with its table entry, and deliver
 * what was held while it was masked. Lock held. */
static void msix_update(struct virtio_pci *vp, unsigned v)
{
	struct msix_vector *vec = &vp->vectors[v];
	bool live = msix_enabled(vp) && !msix_masked(vp, v);

	if (live)
		irq_routing_set_msi(vp->irq, vec->gsi, true,
				    (uint64_t)vec->addr_hi << 32 | vec->addr_lo, vec->data);
	if (live && vec->pending) {
		vec->pending = false;
		msix_fire(vec);
	}
}

static void vp_signal_queue(void *transport, unsigned q)
{
	struct virtio_pci *vp = transport;

	pthread_mutex_lock(&vp->lock);
	vp->isr |= 1;
	msix_signal(vp, vp->queues[q].vector);
	pthread_mutex_unlock(&vp->lock);
}

static void vp_signal_config(void *transport)
{
	struct virtio_pci *vp = transport;

	pthread_mutex_lock(&vp->lock);
	vp->isr |= 2;
	vp->config_generation++;
	msix_signal(vp, vp->config_vector);
	pthread_mutex_unlock(&vp->lock);
}

static void vp_needs_reset(void *transport)
{
	struct virtio_pci *vp = transport;

	pthread_mutex_lock(&vp->lock);
	vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	vp->isr |= 2;
	msix_signal(vp, vp->config_vector);
	pthread_mutex_unlock(&vp->lock);
}

static const struct virtio_transport_ops vp_transport_ops = {
	.signal_queue = vp_signal_queue,
	.signal_config = vp_signal_config,
	.needs_reset = vp_needs_reset,
};

/* ---- common configuration ---- */

static uint64_t common_read(struct virtio_pci *vp, unsigned off)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtio_pci_queue_regs *q =
		vp->queue_select < vdev->nqueues ? &vp->queues[vp->queue_select] : NULL;

	switch (off) {
	case CC_DFSELECT: return vp->device_feature_select;
	case CC_DF:
		return vp->device_feature_select < 2 ?
			(uint32_t)(vdev->device_features >> (32 * vp->device_feature_select)) : 0;
	case CC_GFSELECT: return vp->driver_feature_select;
	case CC_GF:
		return vp->driver_feature_select < 2 ?
			(uint32_t)(vdev->driver_features >> (32 * vp->driver_feature_select)) : 0;
	case CC_MSIX: return vp->config_vector;
	case CC_NUMQ: return vdev->nqueues;
	case CC_STATUS: return vp->status;
	case CC_CFGGEN: return vp->config_generation;
	case CC_Q_SELECT: return vp->queue_select;
	case CC_Q_SIZE: return q ? q->size : 0;
	case CC_Q_MSIX: return q ? q->vector : VIRTIO_NO_VECTOR;
	case CC_Q_ENABLE: return q ? q->enabled : 0;
	case CC_Q_NOFF: return q ? vp->queue_select : 0;
	case CC_Q_DESCLO: return q ? q->desc : 0;
	case CC_Q_AVAILLO: return q ? q->driver : 0;
	case CC_Q_USEDLO: return q ? q->device : 0;
	case CC_Q_DESCHI: return q ? q->desc >> 32 : 0;
	case CC_Q_AVAILHI: return q ? q->driver >> 32 : 0;
	case CC_Q_USEDHI: return q ? q->device >> 32 : 0;
	}
	return 0;
}

static void set_half(uint64_t *reg, bool high, uint32_t v)
{
	*reg = high ? (*reg & 0xffffffffULL) | (uint64_t)v << 32 : (*reg & ~0xffffffffULL) | v;
}

/* Enable the selected queue (lock held). */
static void queue_enable(struct virtio_pci *vp, unsigned qi)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtio_pci_queue_regs *q = &vp->queues[qi];

	if (!vq_setup(&vdev->vqs[qi], vdev->mem, q->size, q->desc, q->driver, q->device,
		      virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX))) {
		/* Rings outside guest memory: the driver is broken. */
		vp->status |= VIRTIO_STATUS_NEEDS_RESET;
		return;
	}
	q->enabled = true;
}

static void common_write_queue(struct virtio_pci *vp, unsigned off, uint64_t v, unsigned size)
{
	struct virtio_device *vdev = vp->vdev;
	struct virtio_pci_queue_regs *q;

	if (vp->queue_select >= vdev->nqueues)
		return;
	q = &vp->queues[vp->queue_select];
	if (off == CC_Q_MSIX) {
		q->vector = v < vp->nvectors ? (uint16_t)v : VIRTIO_NO_VECTOR;
		return;
	}
	/* Queue layout is fixed once enabled, and while the device runs. */
	if (q->enabled || (vp->status & VIRTIO_STATUS_DRIVER_OK))
		return;
	switch (off) {
	case CC_Q_SIZE:
		if (v && v <= vdev->queue_max_size && !(v & (v - 1)))
			q->size = (uint16_t)v;
		break;
	case CC_Q_ENABLE:
		if (v == 1)
			queue_enable(vp, vp->queue_select);
		break;
	case CC_Q_DESCLO:
		if (size == 8) q->desc = v; else set_half(&q->desc, false, (uint32_t)v);
		break;
	case CC_Q_DESCHI: set_half(&q->desc, true, (uint32_t)v); break;
	case CC_Q_AVAILLO:
		if (size == 8) q->driver = v; else set_half(&q->driver, false, (uint32_t)v);
		break;
	case CC_Q_AVAILHI: set_half(&q->driver, true, (uint32_t)v); break;
	case CC_Q_USEDLO:
		if (size == 8) q->device = v; else set_half(&q->device, false, (uint32_t)v);
		break;
	case CC_Q_USEDHI: set_half(&q->device, true, (uint32_t)v); break;
	}
}

static void reset_registers(struct virtio_pci *vp)
{
	vp->status = 0;
	vp->isr = 0;
	vp->device_feature_select = vp->driver_feature_select = 0;
	vp->queue_select = 0;
	vp->config_vector = VIRTIO_NO_VECTOR;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		vp->queues[i] = (struct virtio_pci_queue_regs){
			.size = vp->vdev->queue_max_size, .vector = VIRTIO_NO_VECTOR,
		};
	}
}

/* A status write. Device start and reset wait for the device's thread,
 * which may itself wait for vp->lock to signal: do them unlocked. */
static void status_write(struct virtio_pci *vp, uint8_t v)
{
	struct virtio_device *vdev = vp->vdev;
	struct uvm_error err = { 0 };
	bool start = false;

	pthread_mutex_lock(&vp->lock);
	if (v == 0) {
		pthread_mutex_unlock(&vp->lock);
		virtio_device_reset(vdev);
		pthread_mutex_lock(&vp->lock);
		reset_registers(vp);
		pthread_mutex_unlock(&vp->lock);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(vp->status & VIRTIO_STATUS_FEATURES_OK)) {
		/* Only what we offered, and the modern interface. */
		if ((vdev->driver_features & ~vdev->device_features) ||
		    !virtio_has_feature(vdev, VIRTIO_F_VERSION_1))
			v &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	}
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(vp->status & VIRTIO_STATUS_DRIVER_OK)) {
		if (v & VIRTIO_STATUS_FEATURES_OK)
			start = true;
		else
			v &= (uint8_t)~VIRTIO_STATUS_DRIVER_OK;
	}
	vp->status = (uint8_t)(v | (vp->status & VIRTIO_STATUS_NEEDS_RESET));
	pthread_mutex_unlock(&vp->lock);
	if (start && virtio_device_start(vdev, &err) < 0) {
		fprintf(stderr, "uvmrun: %s\n", err.msg);
		vp_needs_reset(vp);
	}
}

static void common_write(struct virtio_pci *vp, unsigned off, uint64_t v, unsigned size)
{
	struct virtio_device *vdev = vp->vdev;

	if (off == CC_STATUS) {
		if (size == 1)
			status_write(vp, (uint8_t)v);
		return;
	}
	pthread_mutex_lock(&vp->lock);
	switch (off) {
	case CC_DFSELECT: vp->device_feature_select = (uint32_t)v; break;
	case CC_GFSELECT: vp->driver_feature_select = (uint32_t)v; break;
	case CC_GF:
		if (vp->driver_feature_select < 2 && !(vp->status & VIRTIO_STATUS_FEATURES_OK))
			set_half(&vdev->driver_features, vp->driver_feature_select == 1, (uint32_t)v);
		break;
	case CC_MSIX:
		vp->config_vector = v < vp->nvectors ? (uint16_t)v : VIRTIO_NO_VECTOR;
		break;
	case CC_Q_SELECT: vp->queue_select = (uint16_t)v; break;
	default:
		common_write_queue(vp, off, v, size);
	}
	pthread_mutex_unlock(&vp->lock);
}

/* ---- BAR0 ---- */

static void msix_table_read(struct virtio_pci *vp, uint64_t off, void *data, unsigned size)
{
	unsigned v = (unsigned)(off / 16), field = (unsigned)(off % 16);
	uint32_t val = 0;

	if (v >= vp->nvectors || size != 4 || field % 4)
		return;
	pthread_mutex_lock(&vp->lock);
	switch (field) {
	case 0: val = vp->vectors[v].addr_lo; break;
	case 4: val = vp->vectors[v].addr_hi; break;
	case 8: val = vp->vectors[v].data; break;
	case 12: val = vp->vectors[v].ctrl; break;
	}
	pthread_mutex_unlock(&vp->lock);
	memcpy(data, &val, 4);
}

static void msix_table_write(struct virtio_pci *vp, uint64_t off, const void *data, unsigned size)
{
	unsigned v = (unsigned)(off / 16), field = (unsigned)(off % 16);
	uint32_t val;

	if (v >= vp->nvectors || size != 4 || field % 4)
		return;
	memcpy(&val, data, 4);
	pthread_mutex_lock(&vp->lock);
	switch (field) {
	case 0: vp->vectors[v].addr_lo = val; break;
	case 4: vp->vectors[v].addr_hi = val; break;
	case 8: vp->vectors[v].data = val; break;
	case 12: vp->vectors[v].ctrl = val & MSIX_ENTRY_MASKED; break;
	}
	msix_update(vp, v);
	pthread_mutex_unlock(&vp->lock);
}

static void bar0_read(struct pci_device *dev, int bar, uint64_t off, void *data, unsigned size)
{
	struct virtio_pci *vp = vp_of(dev);
	uint64_t v;

	memset(data, 0, size);
	if (bar != 0)
		return;
	if (off + size <= COMMON_OFF + COMMON_LEN) {   /* COMMON_OFF is 0 */
		pthread_mutex_lock(&vp->lock);
		v = common_read(vp, (unsigned)(off - COMMON_OFF));
		if (size == 8 && (off == CC_Q_DESCLO || off == CC_Q_AVAILLO || off == CC_Q_USEDLO))
			v |= common_read(vp, (unsigned)(off - COMMON_OFF + 4)) << 32;
		pthread_mutex_unlock(&vp->lock);
		memcpy(data, &v, size);
	} else if (off >= ISR_OFF && off < ISR_OFF + ISR_LEN) {
		/* Reading the ISR acknowledges it. */
		pthread_mutex_lock(&vp->lock);
		*(uint8_t *)data = off == ISR_OFF ? vp->isr : 0;
		if (off == ISR_OFF)
			vp->isr = 0;
		pthread_mutex_unlock(&vp->lock);
	} else if (off >= DEVICE_CFG_OFF && off + size <= DEVICE_CFG_OFF + DEVICE_CFG_LEN) {
		if (vp->vdev->ops->config_read)
			vp->vdev->ops->config_read(vp->vdev, off - DEVICE_CFG_OFF, data, size);
	} else if (off >= MSIX_TABLE_OFF && off < MSIX_TABLE_OFF + 16ULL * vp->nvectors) {
		msix_table_read(vp, off - MSIX_TABLE_OFF, data, size);
	} else if (off >= MSIX_PBA_OFF && off + size <= MSIX_PBA_OFF + 8) {
		uint64_t pba = 0;

		pthread_mutex_lock(&vp->lock);
		for (unsigned i = 0; i < vp->nvectors; i++)
			pba |= (uint64_t)vp->vectors[i].pending << i;
		pthread_mutex_unlock(&vp->lock);
		pba >>= 8 * (off - MSIX_PBA_OFF);
		memcpy(data, &pba, size);
	}
}

static void bar0_write(struct pci_device *dev, int bar, uint64_t off, const void *data,
		       unsigned size)
{
	struct virtio_pci *vp = vp_of(dev);
	uint64_t v = 0;

	if (bar != 0 || size > 8)
		return;
	memcpy(&v, data, size);
	if (off + size <= COMMON_OFF + COMMON_LEN) {   /* COMMON_OFF is 0 */
		common_write(vp, (unsigned)(off - COMMON_OFF), v, size);
	} else if (off >= DEVICE_CFG_OFF && off + size <= DEVICE_CFG_OFF + DEVICE_CFG_LEN) {
		if (vp->vdev->ops->config_write)
			vp->vdev->ops->config_write(vp->vdev, off - DEVICE_CFG_OFF, data, size);
	} else if (off >= NOTIFY_OFF && off < NOTIFY_OFF + NOTIFY_MULTIPLIER * vp->vdev->nqueues) {
		/* A notification that did not go through an ioeventfd. */
		uint64_t one = 1;
		unsigned q = (unsigned)((off - NOTIFY_OFF) / NOTIFY_MULTIPLIER);

		if (write(vp->vdev->kick_fd[q], &one, sizeof(one)) < 0 && errno != EAGAIN)
			return;
	} else if (off >= MSIX_TABLE_OFF && off < MSIX_TABLE_OFF + 16ULL * vp->nvectors) {
		msix_table_write(vp, off - MSIX_TABLE_OFF, data, size);
	}
}

/* Queue notifications go straight to the kick eventfds through KVM, at
 * wherever the guest put BAR0. Called with the PCI bus lock held. */
static void bar0_mapped(struct pci_device *dev, int bar, uint64_t addr, bool mapped)
{
	struct virtio_pci *vp = vp_of(dev);

	if (bar != 0)
		return;
	for (unsigned q = 0; q < vp->vdev->nqueues; q++) {
		struct kvm_ioeventfd io = {
			.addr = addr + NOTIFY_OFF + (uint64_t)q * NOTIFY_MULTIPLIER,
			.len = 2,
			.fd = vp->vdev->kick_fd[q],
			.flags = mapped ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
		};

		if (!mapped && !vp->notify_registered)
			break;
		if (ioctl(vp->vm->vm_fd, KVM_IOEVENTFD, &io) < 0 && mapped)
			fprintf(stderr, "uvmrun: %s: KVM_IOEVENTFD failed (%s); notifications will exit to the VMM\n",
				vp->vdev->name, strerror(errno));
	}
	vp->notify_registered = mapped;
	vp->notify_base = addr;
}

/* ---- config space ---- */

static void config_written(struct pci_device *dev, unsigned offset, unsigned size)
{
	struct virtio_pci *vp = vp_of(dev);
	unsigned msix_ctrl = vp->msix_cap + 2u, data_off = vp->pci_cfg_cap + 16u;

	if (offset < msix_ctrl + 2 && offset + size > msix_ctrl) {
		pthread_mutex_lock(&vp->lock);
		for (unsigned v = 0; v < vp->nvectors; v++)
			msix_update(vp, v);
		pthread_mutex_unlock(&vp->lock);
	}
	/* VIRTIO_PCI_CAP_PCI_CFG: a window onto BAR0 through config space. */
	if (offset < data_off + 4 && offset + size > data_off) {
		uint32_t bar = dev->config[vp->pci_cfg_cap + 4];
		uint32_t off = pci_config_get(dev, vp->pci_cfg_cap + 8, 4);
		uint32_t len = pci_config_get(dev, vp->pci_cfg_cap + 12, 4);

		if (bar == 0 && (len == 1 || len == 2 || len == 4) && off < BAR0_SIZE)
			bar0_write(dev, 0, off, dev->config + data_off, len);
	}
}

static bool config_read(struct pci_device *dev, unsigned offset, unsigned size, uint32_t *value)
{
	struct virtio_pci *vp = vp_of(dev);
	unsigned data_off = vp->pci_cfg_cap + 16u;
	uint32_t bar, off, len, v = 0;

	if (offset != data_off)
		return false;
	bar = dev->config[vp->pci_cfg_cap + 4];
	off = pci_config_get(dev, vp->pci_cfg_cap + 8, 4);
	len = pci_config_get(dev, vp->pci_cfg_cap + 12, 4);
	if (bar == 0 && (len == 1 || len == 2 || len == 4) && off < BAR0_SIZE)
		bar0_read(dev, 0, off, &v, len);
	*value = size == 4 ? v : v & ((1u << (8 * size)) - 1);
	return true;
}

static const struct pci_device_ops virtio_pci_ops = {
	.config_written = config_written,
	.config_read = config_read,
	.bar_read = bar0_read,
	.bar_write = bar0_write,
	.bar_mapped = bar0_mapped,
};

/* struct virtio_pci_cap: vndr, next, len, cfg_type, bar, id, pad[2],
 * offset, length. */
static uint8_t add_virtio_cap(struct virtio_pci *vp, uint8_t type, uint32_t off, uint32_t len,
			      uint8_t cap_len)
{
	uint8_t c = pci_device_add_capability(&vp->pci, PCI_CAP_ID_VENDOR, cap_len);

	if (!c)
		return 0;
	vp->pci.config[c + 2] = cap_len;
	vp->pci.config[c + 3] = type;
	vp->pci.config[c + 4] = 0;
	pci_config_set(&vp->pci, c + 8, 4, off);
	pci_config_set(&vp->pci, c + 12, 4, len);
	return c;
}

static uint32_t class_for(uint16_t device_id)
{
	switch (device_id) {
	case VIRTIO_ID_BLOCK: return 0x018000;   /* mass storage, other */
	case VIRTIO_ID_9P: return 0x000200;
	default: return 0xff0000;
	}
}

int virtio_pci_create(struct virtio_pci *vp, struct virtio_device *vdev, struct pci_bus *bus,
		      struct irq_routing *irq, struct uvm_error *err)
{
	uint8_t notify, c;
	int ret;

	memset(vp, 0, sizeof(*vp));
	vp->vdev = vdev;
	vp->vm = bus->vm;
	vp->irq = irq;
	vp->nvectors = vdev->nqueues + 1;
	pthread_mutex_init(&vp->lock, NULL);
	for (unsigned v = 0; v < VIRTIO_PCI_MAX_VECTORS; v++)
		vp->vectors[v].irqfd = -1;
	reset_registers(vp);

	pci_device_init(&vp->pci, vdev->name, VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BASE + vdev->device_id,
			class_for(vdev->device_id), 1, VIRTIO_PCI_VENDOR, VIRTIO_PCI_SUBSYS_ID,
			&virtio_pci_ops, vp);
	pci_device_set_bar(&vp->pci, 0, BAR0_SIZE);

	vp->msix_cap = c = pci_device_add_capability(&vp->pci, PCI_CAP_ID_MSIX, 12);
	pci_config_set(&vp->pci, c + 2, 2, vp->nvectors - 1);
	vp->pci.wmask[c + 3] = (MSIX_CTRL_ENABLE | MSIX_CTRL_FUNC_MASK) >> 8;
	pci_config_set(&vp->pci, c + 4, 4, MSIX_TABLE_OFF | 0);
	pci_config_set(&vp->pci, c + 8, 4, MSIX_PBA_OFF | 0);

	add_virtio_cap(vp, VIRTIO_PCI_CAP_COMMON_CFG, COMMON_OFF, COMMON_LEN, 16);
	notify = add_virtio_cap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY_OFF,
				NOTIFY_MULTIPLIER * vdev->nqueues, 20);
	pci_config_set(&vp->pci, notify + 16, 4, NOTIFY_MULTIPLIER);
	add_virtio_cap(vp, VIRTIO_PCI_CAP_ISR_CFG, ISR_OFF, ISR_LEN, 16);
	add_virtio_cap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, DEVICE_CFG_OFF, DEVICE_CFG_LEN, 16);
	vp->pci_cfg_cap = c = add_virtio_cap(vp, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 20);
	if (!notify || !c)
		return uvm_err(err, -ENOSPC, "%s: PCI capabilities do not fit", vdev->name);
	vp->pci.wmask[c + 4] = 0xff;                    /* bar */
	memset(vp->pci.wmask + c + 8, 0xff, 12);        /* offset, length, data */

	for (unsigned v = 0; v < vp->nvectors; v++) {
		struct msix_vector *vec = &vp->vectors[v];

		vec->ctrl = MSIX_ENTRY_MASKED;
		vec->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vec->irqfd < 0) {
			ret = uvm_err_sys(err, -errno, "%s: eventfd", vdev->name);
			goto fail;
		}
		if ((ret = irq_routing_alloc_msi(irq, &vec->gsi, err)) < 0)
			goto fail;
		if ((ret = irq_routing_bind_irqfd(irq, vec->irqfd, vec->gsi, true)) < 0) {
			uvm_err_sys(err, ret, "%s: KVM_IRQFD", vdev->name);
			goto fail;
		}
	}
	vdev->transport_ops = &vp_transport_ops;
	vdev->transport = vp;
	if ((ret = pci_bus_add_device(bus, &vp->pci, err)) < 0)
		goto fail;
	return 0;
fail:
	virtio_pci_destroy(vp);
	return ret;
}

void virtio_pci_destroy(struct virtio_pci *vp)
{
	for (unsigned v = 0; v < vp->nvectors; v++) {
		struct msix_vector *vec = &vp->vectors[v];

		if (vec->irqfd < 0)
			continue;
		if (vec->gsi) {
			irq_routing_bind_irqfd(vp->irq, vec->irqfd, vec->gsi, false);
			irq_routing_free_msi(vp->irq, vec->gsi);
		}
		close(vec->irqfd);
		vec->irqfd = -1;
	}
	pthread_mutex_destroy(&vp->lock);
}
