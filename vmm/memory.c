/* Guest RAM allocation and the checked guest-physical accessor (memory.h). */
#include "memory.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "layout.h"

int guest_memory_create(struct guest_memory *gm, uint64_t size, struct uvm_error *err)
{
	uint64_t low;
	void *map;

	memset(gm, 0, sizeof(*gm));
	if (size == 0 || size % 4096)
		return uvm_err(err, -EINVAL, "guest memory size %llu is not a positive multiple of 4 KiB",
			       (unsigned long long)size);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		return uvm_err_sys(err, -errno, "cannot reserve %llu MiB of guest memory",
				   (unsigned long long)(size >> 20));
	/* Guest RAM is of no use in a core dump of the VMM and may be large. */
	(void)madvise(map, size, MADV_DONTDUMP);

	gm->mapping = map;
	gm->size = size;
	low = size < MMIO_HOLE_START ? size : MMIO_HOLE_START;
	gm->regions[0] = (struct guest_region){ .gpa = 0, .size = low, .host = map };
	gm->nregions = 1;
	if (size > low) {
		gm->regions[1] = (struct guest_region){
			.gpa = HIGH_RAM_START, .size = size - low, .host = (uint8_t *)map + low,
		};
		gm->nregions = 2;
	}
	return 0;
}

void guest_memory_destroy(struct guest_memory *gm)
{
	if (gm->mapping)
		munmap(gm->mapping, gm->size);
	memset(gm, 0, sizeof(*gm));
}

void *gm_ptr(const struct guest_memory *gm, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < gm->nregions; i++) {
		const struct guest_region *r = &gm->regions[i];

		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return r->host + (gpa - r->gpa);
	}
	return NULL;
}

int gm_write(const struct guest_memory *gm, uint64_t gpa, const void *src, size_t len)
{
	void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

int gm_read(const struct guest_memory *gm, uint64_t gpa, void *dst, size_t len)
{
	const void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

uint64_t gm_low_end(const struct guest_memory *gm)
{
	return gm->nregions ? gm->regions[0].gpa + gm->regions[0].size : 0;
}

uint64_t gm_resident_bytes(const struct guest_memory *gm)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages, chunk = 1 << 20;
	unsigned char *vec;
	uint64_t resident = 0;

	if (page <= 0 || !gm->mapping)
		return 0;
	pages = gm->size / (size_t)page;
	vec = malloc(chunk);
	if (!vec)
		return 0;
	for (size_t done = 0; done < pages; done += chunk) {
		size_t n = pages - done < chunk ? pages - done : chunk;

		if (mincore(gm->mapping + done * (size_t)page, n * (size_t)page, vec) < 0)
			break;
		for (size_t i = 0; i < n; i++)
			resident += vec[i] & 1;
	}
	free(vec);
	return resident * (uint64_t)page;
}
