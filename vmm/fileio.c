/* Small file helpers (fileio.h). */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int read_small_file(int dirfd, const char *path, char *buf, size_t size, size_t *got)
{
	size_t len = 0;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	if (got)
		*got = len;
	return 0;
}

int read_file(const char *path, size_t max_size, uint8_t **data, size_t *size,
	      struct uvm_error *err)
{
	struct stat st;
	uint8_t *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return uvm_err_sys(err, -errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		ret = uvm_err_sys(err, -errno, "%s", path);
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = uvm_err(err, -EINVAL, "%s: not a regular file", path);
		goto out_close;
	}
	if ((uint64_t)st.st_size > max_size) {
		ret = uvm_err(err, -EFBIG, "%s: file is %lld bytes, more than the %zu allowed",
			      path, (long long)st.st_size, max_size);
		goto out_close;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = uvm_err(err, -ENOMEM, "%s: out of memory reading file", path);
		goto out_close;
	}
	ret = pread_full(fd, buf, (size_t)st.st_size, 0);
	if (ret < 0) {
		free(buf);
		uvm_err_sys(err, ret, "%s: read failed", path);
		goto out_close;
	}
	*data = buf;
	*size = (size_t)st.st_size;
out_close:
	close(fd);
	return ret;
}

int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int pread_full(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int path_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}
