/* fsbench: file system figures for a folder: sequential read MB/s of a
 * file, stat()s per second over many files, create+unlink pairs per second.
 * Built static so the same binary measures a host folder and, inside the
 * test guest, the 9p share of it. Test equipment for `make bench`.
 *   fsbench read FILE | stat DIR | create DIR N */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double t0 = now(), t;

	if (argc == 3 && !strcmp(argv[1], "read")) {
		static char buf[1 << 20];
		unsigned long long total = 0;
		int fd = open(argv[2], O_RDONLY);
		ssize_t n;

		if (fd < 0) {
			perror(argv[2]);
			return 1;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			total += (unsigned long long)n;
		t = now() - t0;
		printf("sequential read %.1f MB/s (%llu MiB)\n", (double)total / 1e6 / t, total >> 20);
	} else if (argc == 3 && !strcmp(argv[1], "stat")) {
		DIR *d = opendir(argv[2]);
		struct dirent *de;
		unsigned long n = 0;
		char path[4096];
		struct stat st;

		if (!d) {
			perror(argv[2]);
			return 1;
		}
		while ((de = readdir(d))) {
			snprintf(path, sizeof(path), "%s/%s", argv[2], de->d_name);
			if (stat(path, &st) == 0)
				n++;
		}
		closedir(d);
		t = now() - t0;
		printf("stat %.0f files/s (%lu files, readdir included)\n", (double)n / t, n);
	} else if (argc == 4 && !strcmp(argv[1], "create")) {
		int count = atoi(argv[3]);
		char path[4096];

		for (int i = 0; i < count; i++) {
			int fd;

			snprintf(path, sizeof(path), "%s/fsbench.%d", argv[2], i);
			fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
			if (fd < 0 || close(fd) < 0 || unlink(path) < 0) {
				perror(path);
				return 1;
			}
		}
		t = now() - t0;
		printf("create+unlink %.0f pairs/s (%d)\n", (double)count / t, count);
	} else {
		fprintf(stderr, "usage: fsbench read FILE | stat DIR | create DIR N\n");
		return 2;
	}
	return 0;
}
