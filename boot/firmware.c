/* The real-mode reset vector stub (firmware.h). */
#include "firmware.h"

#include <errno.h>
#include <string.h>

#include "../vmm/layout.h"

int firmware_write_reset_vector(const struct guest_memory *gm)
{
	const uint8_t stub[] = {
		0xb0, ACPI_RESET_VALUE,                                 /* mov al, value */
		0xba, PORT_ACPI_RESET & 0xff, PORT_ACPI_RESET >> 8,     /* mov dx, port */
		0xee,                                                   /* out dx, al */
		0xfa,                                                   /* cli */
		0xf4,                                                   /* hlt */
		0xeb, 0xfc,                                             /* jmp back to cli */
	};
	uint8_t *dst = gm_ptr(gm, RESET_VECTOR_ADDR, 16);

	if (!dst)
		return -EFAULT;
	memset(dst, 0xf4, 16);
	memcpy(dst, stub, sizeof(stub));
	return 0;
}
