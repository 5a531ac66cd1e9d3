/* kvm-probe: exit 0 when /dev/kvm can create a VM here, else print why and
 * exit 1. The test harness uses it to choose between running KVM tests
 * natively and inside a nested guest. */
#include <stdio.h>

#include "../../vmm/vm.h"

int main(void)
{
	struct uvm_error err = { 0 };

	if (kvm_check_usable(&err) < 0) {
		printf("%s\n", err.msg);
		return 1;
	}
	return 0;
}
