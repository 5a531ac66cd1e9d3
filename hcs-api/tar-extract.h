/* Unpacking a tar or tar.gz archive (a container layer) into a folder,
 * never writing outside it. */
#ifndef UVM_TAR_EXTRACT_H
#define UVM_TAR_EXTRACT_H

#include <stdint.h>

#include "../vmm/error.h"

struct tar_stats {
	uint64_t entries;
	uint64_t bytes;            /* what the files take in 4 KiB blocks, plus a block each */
};

/* dest must be an existing, empty folder. On failure the folder may hold
 * part of the archive; the caller removes it. */
int tar_extract(const char *archive, const char *dest, struct tar_stats *st, struct uvm_error *err);

#endif
