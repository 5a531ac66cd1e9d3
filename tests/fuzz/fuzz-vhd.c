/* Fuzz target: disk image detection and VHD header, footer and BAT
 * validation. The input is written to a file that is opened read-only and,
 * if accepted, mapped across its whole size. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../devices/disk-image.h"
#include "../../vmm/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/fuzz-vhd.XXXXXX";
	static int fd = -1;
	struct disk_image *img;
	struct disk_extent ext;

	if (fd < 0 && (fd = mkstemp(path)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || pwrite_full(fd, data, size, 0) < 0)
		abort();
	if (disk_image_open(path, true, &img, NULL) < 0)
		return 0;
	for (uint64_t off = 0; off < disk_image_size(img) && off < (64u << 20);) {
		if (disk_image_map(img, off, 512 * 64, false, &ext, NULL) < 0)
			break;
		off += ext.length;
	}
	disk_image_close(img);
	return 0;
}
