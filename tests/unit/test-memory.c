/* Guest memory: the checked accessor never yields a pointer for a range that
 * is not entirely guest RAM, and the layout splits around the MMIO hole. */
#include "../../vmm/layout.h"
#include "../../vmm/memory.h"
#include <errno.h>

#include "test.h"

static void accessor_accepts_ranges_inside_ram(void)
{
	struct guest_memory gm;

	CHECK_EQ(guest_memory_create(&gm, 16 * MiB, NULL), 0);
	CHECK(gm_ptr(&gm, 0, 1) == gm.mapping);
	CHECK(gm_ptr(&gm, 16 * MiB - 4096, 4096) == gm.mapping + 16 * MiB - 4096);
	CHECK(gm_ptr(&gm, 16 * MiB - 1, 1) != NULL);
	CHECK(gm_ptr(&gm, 100, 0) != NULL);
	guest_memory_destroy(&gm);
}

static void accessor_refuses_ranges_outside_ram(void)
{
	struct guest_memory gm;
	uint8_t b = 0;

	CHECK_EQ(guest_memory_create(&gm, 16 * MiB, NULL), 0);
	CHECK(gm_ptr(&gm, 16 * MiB, 1) == NULL);
	CHECK(gm_ptr(&gm, 16 * MiB - 1, 2) == NULL);
	CHECK(gm_ptr(&gm, 0, 16 * MiB + 1) == NULL);
	CHECK(gm_ptr(&gm, UINT64_MAX, 2) == NULL);
	CHECK(gm_ptr(&gm, 4096, UINT64_MAX) == NULL);
	CHECK(gm_ptr(&gm, UINT64_MAX - 10, 20) == NULL);
	CHECK_EQ(gm_read(&gm, 16 * MiB, &b, 1), -EFAULT);
	CHECK_EQ(gm_write(&gm, 16 * MiB - 1, "ab", 2), -EFAULT);
	CHECK_EQ(gm_write(&gm, 16 * MiB - 1, "a", 1), 0);
	CHECK_EQ(gm_read(&gm, 16 * MiB - 1, &b, 1), 0);
	CHECK_EQ(b, 'a');
	guest_memory_destroy(&gm);
}

static void memory_above_the_hole_starts_at_4_gib(void)
{
	struct guest_memory gm;

	CHECK_EQ(guest_memory_create(&gm, 4 * GiB, NULL), 0);
	CHECK_EQ(gm.nregions, 2);
	CHECK_EQ(gm_low_end(&gm), MMIO_HOLE_START);
	CHECK_EQ(gm.regions[1].gpa, HIGH_RAM_START);
	CHECK_EQ(gm.regions[1].size, 4 * GiB - MMIO_HOLE_START);
	CHECK(gm_ptr(&gm, MMIO_HOLE_START, 1) == NULL);
	CHECK(gm_ptr(&gm, IOAPIC_ADDR, 4) == NULL);
	CHECK(gm_ptr(&gm, HIGH_RAM_START, 4096) == gm.mapping + MMIO_HOLE_START);
	CHECK(gm_ptr(&gm, HIGH_RAM_START + GiB - 1, 1) != NULL);
	CHECK(gm_ptr(&gm, HIGH_RAM_START + GiB, 1) == NULL);
	/* A range may not run from the low region into the hole. */
	CHECK(gm_ptr(&gm, MMIO_HOLE_START - 8, 16) == NULL);
	guest_memory_destroy(&gm);
}

static void bad_sizes_are_refused(void)
{
	struct guest_memory gm;
	struct uvm_error err = { 0 };

	CHECK_EQ(guest_memory_create(&gm, 0, &err), -EINVAL);
	CHECK_EQ(guest_memory_create(&gm, 4095, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "multiple of 4 KiB");
}

static void resident_bytes_count_touched_pages(void)
{
	struct guest_memory gm;

	CHECK_EQ(guest_memory_create(&gm, 64 * MiB, NULL), 0);
	CHECK_EQ(gm_resident_bytes(&gm), 0);
	memset(gm_ptr(&gm, MiB, MiB), 1, MiB);
	CHECK(gm_resident_bytes(&gm) >= MiB);
	CHECK(gm_resident_bytes(&gm) < 8 * MiB);
	guest_memory_destroy(&gm);
}

TEST_LIST(T(accessor_accepts_ranges_inside_ram), T(accessor_refuses_ranges_outside_ram),
	  T(memory_above_the_hole_starts_at_4_gib), T(bad_sizes_are_refused),
	  T(resident_bytes_count_touched_pages));
TEST_MAIN("memory")
