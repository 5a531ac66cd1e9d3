/* uvmrun-vmm: the VMM as its own program, one process per VM. Takes the same
 * options as `uvmrun boot`; all the work is in the vmm library. */
#include <stdio.h>

#include "vmm.h"

int main(int argc, char **argv)
{
	struct vmm_config cfg;
	struct uvm_error err = { 0 };
	int ret;

	vmm_config_defaults(&cfg);
	ret = vmm_parse_boot_args(argc, argv, &cfg, &err);
	if (ret == 1)
		return 0;
	if (ret < 0) {
		fprintf(stderr, "uvmrun-vmm: %s\n", err.msg);
		return UVM_EXIT_VMM_ERROR;
	}
	return vmm_run(&cfg);
}
