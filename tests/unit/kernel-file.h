/* For unit tests that read Debian's real bzImage: where it is (the runner
 * sets UVMRUN_TEST_KERNEL after fetching it) and a loader. */
#ifndef UVM_TEST_KERNEL_FILE_H
#define UVM_TEST_KERNEL_FILE_H

#include "../../vmm/fileio.h"
#include "test.h"

static inline int load_test_kernel(uint8_t **data, size_t *size)
{
	const char *path = getenv("UVMRUN_TEST_KERNEL");
	struct uvm_error err = { 0 };

	if (!path) {
		printf("#   UVMRUN_TEST_KERNEL is not set (tests/run.sh sets it)\n");
		return -1;
	}
	if (read_file(path, 256u << 20, data, size, &err) < 0) {
		printf("#   %s\n", err.msg);
		return -1;
	}
	return 0;
}

#endif
