/* Address bus dispatch for IO ports and MMIO (bus.h). */
#include "bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

void bus_destroy(struct bus *bus)
{
	free(bus->ranges);
	bus->ranges = NULL;
	bus->nranges = bus->capacity = 0;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len, const struct bus_ops *ops,
		 void *opaque, const char *name, struct uvm_error *err)
{
	int pos = 0;

	if (len == 0 || base + len < base)
		return uvm_err(err, -EINVAL, "%s bus: bad range for %s", bus->name, name);
	while (pos < bus->nranges && bus->ranges[pos].base < base)
		pos++;
	if ((pos > 0 && bus->ranges[pos - 1].base + bus->ranges[pos - 1].len > base) ||
	    (pos < bus->nranges && base + len > bus->ranges[pos].base)) {
		const struct bus_range *other = pos > 0 && bus->ranges[pos - 1].base +
			bus->ranges[pos - 1].len > base ? &bus->ranges[pos - 1] : &bus->ranges[pos];
		return uvm_err(err, -EEXIST, "%s bus: %s at 0x%llx overlaps %s", bus->name, name,
			       (unsigned long long)base, other->name);
	}
	if (bus->nranges == bus->capacity) {
		int cap = bus->capacity ? bus->capacity * 2 : 16;
		struct bus_range *r = realloc(bus->ranges, (size_t)cap * sizeof(*r));

		if (!r)
			return uvm_err(err, -ENOMEM, "%s bus: out of memory", bus->name);
		bus->ranges = r;
		bus->capacity = cap;
	}
	memmove(&bus->ranges[pos + 1], &bus->ranges[pos],
		(size_t)(bus->nranges - pos) * sizeof(*bus->ranges));
	bus->ranges[pos] = (struct bus_range){ base, len, ops, opaque, name };
	bus->nranges++;
	return 0;
}

static const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, unsigned size)
{
	int lo = 0, hi = bus->nranges - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		const struct bus_range *r = &bus->ranges[mid];

		if (addr < r->base) {
			hi = mid - 1;
		} else if (addr - r->base >= r->len) {
			lo = mid + 1;
		} else {
			if (size > r->len - (addr - r->base))
				return NULL;
			return r;
		}
	}
	return NULL;
}

bool bus_read(const struct bus *bus, uint64_t addr, void *data, unsigned size)
{
	const struct bus_range *r = bus_find(bus, addr, size);

	if (!r || !r->ops->read) {
		memset(data, 0xff, size);
		return r != NULL;
	}
	r->ops->read(r->opaque, addr - r->base, data, size);
	return true;
}

bool bus_write(const struct bus *bus, uint64_t addr, const void *data, unsigned size)
{
	const struct bus_range *r = bus_find(bus, addr, size);

	if (!r)
		return false;
	if (r->ops->write)
		r->ops->write(r->opaque, addr - r->base, data, size);
	return true;
}
