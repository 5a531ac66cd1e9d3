/* The IO/MMIO bus: overlapping claims are refused, accesses reach the right
 * device at the right offset, unclaimed reads float high, and an access that
 * runs past a device's range does not reach it. */
#include <errno.h>

#include "../../vmm/bus.h"
#include "test.h"

struct dev_log {
	uint64_t last_offset;
	unsigned last_size;
	uint32_t last_value;
	int reads, writes;
};

static void dev_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
	struct dev_log *d = opaque;

	d->reads++;
	d->last_offset = offset;
	d->last_size = size;
	memset(data, 0x5a, size);
}

static void dev_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
	struct dev_log *d = opaque;

	d->writes++;
	d->last_offset = offset;
	d->last_size = size;
	d->last_value = 0;
	memcpy(&d->last_value, data, size > 4 ? 4 : size);
}

static const struct bus_ops ops = { dev_read, dev_write };

static void overlapping_claims_are_refused(void)
{
	struct bus bus;
	struct dev_log a = { 0 }, b = { 0 };
	struct uvm_error err = { 0 };

	bus_init(&bus, "io");
	CHECK_EQ(bus_register(&bus, 0x3f8, 8, &ops, &a, "serial", &err), 0);
	CHECK_EQ(bus_register(&bus, 0x3f0, 9, &ops, &b, "other", &err), -EEXIST);
	CHECK_STR_CONTAINS(err.msg, "overlaps serial");
	CHECK_EQ(bus_register(&bus, 0x3ff, 1, &ops, &b, "other", &err), -EEXIST);
	CHECK_EQ(bus_register(&bus, 0x3f0, 8, &ops, &b, "below", &err), 0);
	CHECK_EQ(bus_register(&bus, 0x400, 8, &ops, &b, "above", &err), 0);
	CHECK_EQ(bus_register(&bus, 0x10, 0, &ops, &b, "empty", &err), -EINVAL);
	CHECK_EQ(bus_register(&bus, UINT64_MAX, 2, &ops, &b, "wraps", &err), -EINVAL);
	bus_destroy(&bus);
}

static void accesses_reach_the_claiming_device(void)
{
	struct bus bus;
	struct dev_log devs[20] = { 0 };
	uint32_t v = 0;

	bus_init(&bus, "mmio");
	/* Register out of order; dispatch still finds each. */
	for (int i = 19; i >= 0; i--)
		CHECK_EQ(bus_register(&bus, 0x1000 * (uint64_t)i, 0x100, &ops, &devs[i], "dev", NULL), 0);
	for (int i = 0; i < 20; i++) {
		uint32_t value = 0xabc0 + (uint32_t)i;

		CHECK(bus_write(&bus, 0x1000 * (uint64_t)i + 0x10, &value, 4));
		CHECK_EQ(devs[i].writes, 1);
		CHECK_EQ(devs[i].last_offset, 0x10);
		CHECK_EQ(devs[i].last_value, value);
	}
	CHECK(bus_read(&bus, 0x5004, &v, 2));
	CHECK_EQ(devs[5].reads, 1);
	CHECK_EQ(devs[5].last_size, 2);
	CHECK_EQ(v & 0xffff, 0x5a5a);
	bus_destroy(&bus);
}

static void unclaimed_and_straddling_accesses(void)
{
	struct bus bus;
	struct dev_log d = { 0 };
	uint32_t v = 0;

	bus_init(&bus, "io");
	CHECK_EQ(bus_register(&bus, 0x100, 4, &ops, &d, "dev", NULL), 0);
	CHECK(!bus_read(&bus, 0x200, &v, 4));
	CHECK_EQ(v, 0xffffffff);
	CHECK(!bus_write(&bus, 0x200, &v, 4));
	/* Starts inside, ends outside: not delivered. */
	CHECK(!bus_read(&bus, 0x102, &v, 4));
	CHECK(!bus_write(&bus, 0x103, &v, 2));
	CHECK_EQ(d.reads + d.writes, 0);
	CHECK(bus_read(&bus, 0x100, &v, 4));
	bus_destroy(&bus);
}

TEST_LIST(T(overlapping_claims_are_refused), T(accesses_reach_the_claiming_device),
	  T(unclaimed_and_straddling_accesses));
TEST_MAIN("bus")
