/* blkbench: sequential read and write MB/s and 4 KiB random-read IOPS of a
 * file or block device, with O_DIRECT (falling back to buffered IO, and
 * saying so, where O_DIRECT is refused). Built static so the same binary
 * measures the host file and, inside the test guest, the virtio disk.
 * Test equipment for `make bench`.
 *   blkbench seqread|seqwrite|randread PATH [MIB] */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_best(const char *path, int flags, const char **mode)
{
	int fd = open(path, flags | O_DIRECT);

	*mode = "O_DIRECT";
	if (fd < 0 && errno == EINVAL) {
		fd = open(path, flags);
		*mode = "buffered (O_DIRECT refused)";
	}
	return fd;
}

static uint64_t size_of(int fd)
{
	struct stat st;
	uint64_t size = 0;

	if (fstat(fd, &st) < 0)
		return 0;
	if (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &size) == 0)
		return size;
	return (uint64_t)st.st_size;
}

int main(int argc, char **argv)
{
	const size_t chunk = 1 << 20;
	const char *mode;
	uint64_t total, size;
	double t0, t;
	void *buf;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: blkbench seqread|seqwrite|randread PATH [MIB]\n");
		return 2;
	}
	if (posix_memalign(&buf, 4096, chunk))
		return 1;
	memset(buf, 0x5a, chunk);
	fd = open_best(argv[2], strcmp(argv[1], "seqwrite") ? O_RDONLY : O_WRONLY, &mode);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	size = size_of(fd);
	total = argc > 3 ? (uint64_t)strtoull(argv[3], NULL, 10) << 20 : size;
	if (total > size || total < chunk) {
		fprintf(stderr, "%s: %llu bytes is too small\n", argv[2], (unsigned long long)size);
		return 1;
	}
	t0 = now();
	if (!strcmp(argv[1], "seqread") || !strcmp(argv[1], "seqwrite")) {
		bool write_mode = !strcmp(argv[1], "seqwrite");

		for (uint64_t off = 0; off + chunk <= total; off += chunk) {
			ssize_t n = write_mode ? pwrite(fd, buf, chunk, (off_t)off) :
						 pread(fd, buf, chunk, (off_t)off);
			if (n != (ssize_t)chunk) {
				perror("io");
				return 1;
			}
		}
		if (write_mode && fdatasync(fd) < 0) {
			perror("fdatasync");
			return 1;
		}
		t = now() - t0;
		printf("%s %.1f MB/s (%llu MiB, 1 MiB requests, %s)\n", argv[1],
		       (double)total / 1e6 / t, (unsigned long long)(total >> 20), mode);
	} else if (!strcmp(argv[1], "randread")) {
		uint64_t blocks = total / 4096, ops = 0;
		unsigned seed = 1;

		while ((t = now() - t0) < 3.0) {
			for (int i = 0; i < 64; i++, ops++) {
				uint64_t b = (uint64_t)rand_r(&seed) % blocks;

				if (pread(fd, buf, 4096, (off_t)(b * 4096)) != 4096) {
					perror("io");
					return 1;
				}
			}
		}
		printf("randread %.0f IOPS (4 KiB, queue depth 1, %.1f s, %s)\n", (double)ops / t, t, mode);
	} else {
		fprintf(stderr, "blkbench: unknown mode %s\n", argv[1]);
		return 2;
	}
	return 0;
}
