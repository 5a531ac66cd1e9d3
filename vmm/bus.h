/* An address bus (one for IO ports, one for MMIO): ranges claimed by devices
 * and the dispatch of guest accesses to them. Ranges are registered before the
 * vCPUs start and never change after, so dispatch takes no lock; a device that
 * moves its windows (PCI BARs) claims a fixed window and dispatches inside it. */
#ifndef UVM_BUS_H
#define UVM_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct bus_ops {
	/* `offset` is relative to the start of the claimed range; `size` is 1, 2,
	 * 4 or 8. Reads fill `data` (little-endian, `size` bytes). */
	void (*read)(void *opaque, uint64_t offset, void *data, unsigned size);
	void (*write)(void *opaque, uint64_t offset, const void *data, unsigned size);
};

struct bus_range {
	uint64_t base;
	uint64_t len;
	const struct bus_ops *ops;
	void *opaque;
	const char *name;
};

struct bus {
	const char *name;       /* "io" or "mmio", for messages */
	struct bus_range *ranges; /* sorted by base, never overlapping */
	int nranges;
	int capacity;
};

void bus_init(struct bus *bus, const char *name);
void bus_destroy(struct bus *bus);

/* Claim [base, base+len) for a device; -EEXIST if it overlaps a claimed one. */
int bus_register(struct bus *bus, uint64_t base, uint64_t len, const struct bus_ops *ops,
		 void *opaque, const char *name, struct uvm_error *err);

/* Dispatch an access. Returns false when no device claims the address; a
 * read then yields all ones, as on real hardware. An access that runs past
 * the end of the claiming range is treated as unclaimed. */
bool bus_read(const struct bus *bus, uint64_t addr, void *data, unsigned size);
bool bus_write(const struct bus *bus, uint64_t addr, const void *data, unsigned size);

#endif
