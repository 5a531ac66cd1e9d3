/* Guest RAM: allocation, its split around the MMIO hole, and the one checked
 * accessor through which every guest-physical address becomes a host pointer.
 * Nothing else in the project turns a guest address into a pointer. */
#ifndef UVM_MEMORY_H
#define UVM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define GUEST_MEM_MAX_REGIONS 2

struct guest_region {
	uint64_t gpa;   /* guest-physical start */
	uint64_t size;  /* bytes */
	uint8_t *host;  /* host mapping of the region */
};

struct guest_memory {
	struct guest_region regions[GUEST_MEM_MAX_REGIONS];
	int nregions;
	uint64_t size;        /* total RAM bytes */
	uint8_t *mapping;     /* one host mapping holding all regions */
};

/* Reserve `size` bytes of guest RAM (anonymous, not yet touched) laid out as
 * [0, min(size, MMIO_HOLE_START)) and, for the rest, from HIGH_RAM_START. */
int guest_memory_create(struct guest_memory *gm, uint64_t size, struct uvm_error *err);
void guest_memory_destroy(struct guest_memory *gm);

/* Host pointer for guest range [gpa, gpa+len), or NULL if any byte of it is
 * not guest RAM or the range wraps. A range may not straddle two regions. */
void *gm_ptr(const struct guest_memory *gm, uint64_t gpa, uint64_t len);

/* Copy in or out of guest RAM; -EFAULT when the range is not RAM. */
int gm_write(const struct guest_memory *gm, uint64_t gpa, const void *src, size_t len);
int gm_read(const struct guest_memory *gm, uint64_t gpa, void *dst, size_t len);

/* End (exclusive) of the RAM region below the MMIO hole. */
uint64_t gm_low_end(const struct guest_memory *gm);

/* Bytes of guest RAM currently resident on the host (touched by the guest
 * or by us), found with mincore(2). */
uint64_t gm_resident_bytes(const struct guest_memory *gm);

#endif
