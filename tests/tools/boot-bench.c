/* boot-bench: run a command (a `uvmrun boot ...`) several times and report
 * the median time from starting it to the first line on its stdout that
 * contains a marker, and the median of the "overhead N KiB" figure it prints
 * on stderr with --report-memory. Test equipment for `make bench`. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One run: returns 0 and fills ms (-1 when the marker never came) and kib. */
static int run_once(char **argv, const char *marker, double *ms, double *kib)
{
	int out[2], err[2], status;
	char obuf[65536], ebuf[8192];
	size_t olen = 0, elen = 0;
	double start = now_ms();
	pid_t pid;

	*ms = -1;
	*kib = -1;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	struct pollfd p[2] = { { out[0], POLLIN, 0 }, { err[0], POLLIN, 0 } };
	char *bufs[2] = { obuf, ebuf };
	size_t *lens[2] = { &olen, &elen }, caps[2] = { sizeof(obuf) - 1, sizeof(ebuf) - 1 };

	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (*lens[i] >= caps[i])
				*lens[i] = 0;   /* keep only the tail */
			n = read(p[i].fd, bufs[i] + *lens[i], caps[i] - *lens[i]);
			if (n <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				continue;
			}
			*lens[i] += (size_t)n;
			bufs[i][*lens[i]] = '\0';
			if (i == 0 && *ms < 0 && strstr(obuf, marker))
				*ms = now_ms() - start;
		}
	}
	waitpid(pid, &status, 0);
	{
		const char *o = strstr(ebuf, "overhead ");

		if (o)
			*kib = strtod(o + 9, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int runs = 5, arg = 1;
	const char *marker = "UVMTEST-READY";
	double ms[64], kib[64];
	int n_ms = 0, n_kib = 0;

	while (arg < argc && strcmp(argv[arg], "--")) {
		if (!strcmp(argv[arg], "--runs") && arg + 1 < argc)
			runs = atoi(argv[++arg]);
		else if (!strcmp(argv[arg], "--marker") && arg + 1 < argc)
			marker = argv[++arg];
		arg++;
	}
	if (arg >= argc - 1 || runs < 1 || runs > 64) {
		fprintf(stderr, "usage: boot-bench [--runs N] [--marker TEXT] -- CMD [ARGS...]\n");
		return 2;
	}
	for (int i = 0; i < runs; i++) {
		double m, k;

		if (run_once(argv + arg + 1, marker, &m, &k) < 0) {
			perror("boot-bench");
			return 1;
		}
		if (m >= 0)
			ms[n_ms++] = m;
		if (k >= 0)
			kib[n_kib++] = k;
	}
	if (!n_ms) {
		fprintf(stderr, "boot-bench: the marker '%s' never appeared\n", marker);
		return 1;
	}
	qsort(ms, (size_t)n_ms, sizeof(double), cmp_double);
	printf("time to first userspace line: median %.0f ms (min %.0f, max %.0f, %d runs)\n",
	       ms[n_ms / 2], ms[0], ms[n_ms - 1], n_ms);
	if (n_kib) {
		qsort(kib, (size_t)n_kib, sizeof(double), cmp_double);
		printf("VMM memory overhead (peak RSS - guest memory touched): median %.0f KiB (%.2f MiB)\n",
		       kib[n_kib / 2], kib[n_kib / 2] / 1024);
	}
	return 0;
}
