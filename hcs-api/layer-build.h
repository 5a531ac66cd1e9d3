/* `uvmrun mklayer`: a container layer disk from a folder, a tar or a tar.gz:
 * an ext4 filesystem made by e2fsprogs' mke2fs -d, sized to fit, raw or, when
 * the output ends in ".vhd", a fixed VHD (a footer after the data). */
#ifndef UVM_LAYER_BUILD_H
#define UVM_LAYER_BUILD_H

#include <stdint.h>

#include "../vmm/error.h"

/* Build `out` from `src`; nothing is left at `out` (or in the temporary
 * folder) on failure. *size gets the filesystem's size in bytes. */
int layer_build(const char *src, const char *out, uint64_t *size, struct uvm_error *err);

#endif
