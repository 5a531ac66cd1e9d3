/* newc cpio writer, or the same tree as a folder (cpio.h). */
#include "cpio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../vmm/fileio.h"

#define CPIO_HEADER_LEN 110

static int cpio_write(struct cpio_writer *w, const void *data, size_t len, struct uvm_error *err)
{
	const uint8_t *p = data;

	while (len) {
		unsigned chunk = len > (1u << 30) ? 1u << 30 : (unsigned)len;
		int n = gzwrite(w->gz, p, chunk);

		if (n <= 0)
			return uvm_err(err, -EIO, "%s: write failed", w->path);
		p += n;
		len -= (size_t)n;
		w->offset += (uint64_t)n;
	}
	return 0;
}

static int cpio_pad(struct cpio_writer *w, struct uvm_error *err)
{
	static const uint8_t zeros[4];
	size_t pad = (4 - (w->offset & 3)) & 3;

	return pad ? cpio_write(w, zeros, pad, err) : 0;
}

static int cpio_header(struct cpio_writer *w, const char *name, mode_t mode, uint64_t size,
		       struct uvm_error *err)
{
	char hdr[CPIO_HEADER_LEN + 1];
	size_t namesize = strlen(name) + 1;
	int ret;

	if (size > 0xffffffffULL)
		return uvm_err(err, -EFBIG, "%s: %s is too large for a cpio archive", w->path, name);
	snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 w->next_ino++, (unsigned)mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u,
		 (unsigned)size, 0u, 0u, 0u, 0u, (unsigned)namesize, 0u);
	if ((ret = cpio_write(w, hdr, CPIO_HEADER_LEN, err)) < 0 ||
	    (ret = cpio_write(w, name, namesize, err)) < 0)
		return ret;
	return cpio_pad(w, err);
}

int cpio_open_folder(struct cpio_writer *w, const char *dir, struct uvm_error *err)
{
	memset(w, 0, sizeof(*w));
	w->path = dir;
	w->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dir_fd < 0)
		return uvm_err_sys(err, -errno, "%s", dir);
	return 0;
}

/* Folder mode: one regular file from a buffer or a descriptor. */
static int folder_file(struct cpio_writer *w, const char *name, mode_t mode, const void *data,
		       size_t len, int src_fd, struct uvm_error *err)
{
	int fd = openat(w->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			mode & 07777);
	uint8_t buf[65536];
	int ret = 0;

	if (fd < 0)
		return uvm_err_sys(err, -errno, "%s/%s", w->path, name);
	if (src_fd < 0)
		ret = write_full(fd, data, len);
	while (src_fd >= 0 && ret == 0) {
		ssize_t n = read(src_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : 0;
			break;
		}
		ret = write_full(fd, buf, (size_t)n);
	}
	/* The mode exactly, whatever the umask. */
	if (ret == 0 && fchmod(fd, mode & 07777) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret < 0 ? uvm_err_sys(err, ret, "%s/%s", w->path, name) : 0;
}

int cpio_open(struct cpio_writer *w, const char *path, bool compress, struct uvm_error *err)
{
	memset(w, 0, sizeof(*w));
	w->dir_fd = -1;
	w->path = path;
	w->next_ino = 1;
	w->gz = gzopen(path, compress ? "wb6" : "wbT");
	if (!w->gz)
		return uvm_err_sys(err, errno ? -errno : -EIO, "%s", path);
	return 0;
}

void cpio_abort(struct cpio_writer *w)
{
	if (w->dir_fd >= 0) {
		close(w->dir_fd);
		w->dir_fd = -1;
		return;
	}
	if (w->gz)
		gzclose(w->gz);
	w->gz = NULL;
	unlink(w->path);
}

int cpio_close(struct cpio_writer *w, struct uvm_error *err)
{
	int ret;

	if (w->dir_fd >= 0) {
		cpio_abort(w);
		return 0;
	}
	ret = cpio_header(w, "TRAILER!!!", 0, 0, err);

	if (ret < 0) {
		cpio_abort(w);
		return ret;
	}
	if (gzclose(w->gz) != Z_OK) {
		w->gz = NULL;
		unlink(w->path);
		return uvm_err(err, -EIO, "%s: write failed", w->path);
	}
	w->gz = NULL;
	return 0;
}

int cpio_add_dir(struct cpio_writer *w, const char *name, mode_t mode, struct uvm_error *err)
{
	if (w->dir_fd >= 0) {
		if (mkdirat(w->dir_fd, name, mode & 07777) < 0 && errno != EEXIST)
			return uvm_err_sys(err, -errno, "%s/%s", w->path, name);
		return 0;
	}
	return cpio_header(w, name, S_IFDIR | (mode & 07777), 0, err);
}

int cpio_add_data(struct cpio_writer *w, const char *name, mode_t mode, const void *data,
		  size_t len, struct uvm_error *err)
{
	int ret;

	if (w->dir_fd >= 0)
		return folder_file(w, name, mode, data, len, -1, err);
	ret = cpio_header(w, name, S_IFREG | (mode & 07777), len, err);

	if (ret < 0 || (ret = cpio_write(w, data, len, err)) < 0)
		return ret;
	return cpio_pad(w, err);
}

int cpio_add_symlink(struct cpio_writer *w, const char *name, const char *target,
		     struct uvm_error *err)
{
	size_t len = strlen(target);
	int ret;

	if (w->dir_fd >= 0) {
		if (symlinkat(target, w->dir_fd, name) < 0)
			return uvm_err_sys(err, -errno, "%s/%s", w->path, name);
		return 0;
	}
	ret = cpio_header(w, name, S_IFLNK | 0777, len, err);

	if (ret < 0 || (ret = cpio_write(w, target, len, err)) < 0)
		return ret;
	return cpio_pad(w, err);
}

int cpio_add_file(struct cpio_writer *w, const char *name, mode_t mode, const char *host_path,
		  struct uvm_error *err)
{
	uint8_t buf[65536];
	struct stat st;
	uint64_t left;
	int fd, ret;

	fd = open(host_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return uvm_err_sys(err, -errno, "%s", host_path);
	if (fstat(fd, &st) < 0) {
		ret = uvm_err_sys(err, -errno, "%s", host_path);
		goto out;
	}
	if (w->dir_fd >= 0) {
		ret = folder_file(w, name, mode, NULL, 0, fd, err);
		goto out;
	}
	ret = cpio_header(w, name, S_IFREG | (mode & 07777), (uint64_t)st.st_size, err);
	for (left = (uint64_t)st.st_size; ret == 0 && left;) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? uvm_err_sys(err, -errno, "%s", host_path) :
				uvm_err(err, -EIO, "%s: file shrank while archiving", host_path);
			break;
		}
		ret = cpio_write(w, buf, (size_t)n, err);
		left -= (uint64_t)n;
	}
	if (ret == 0)
		ret = cpio_pad(w, err);
out:
	close(fd);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cpio_add_tree(struct cpio_writer *w, const char *host_dir, const char *prefix,
		  struct uvm_error *err)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	dir = opendir(host_dir);
	if (!dir)
		return uvm_err_sys(err, -errno, "%s", host_dir);
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap = cap ? cap * 2 : 32) * sizeof(*names));

			if (!grown) {
				ret = uvm_err(err, -ENOMEM, "out of memory");
				goto out;
			}
			names = grown;
		}
		if (!(names[n] = strdup(de->d_name))) {
			ret = uvm_err(err, -ENOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	/* Sorted, so the archive does not depend on directory order. */
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && ret == 0; i++) {
		char host[PATH_MAX], name[PATH_MAX], target[PATH_MAX];
		struct stat st;
		ssize_t len;

		if (snprintf(host, sizeof(host), "%s/%s", host_dir, names[i]) >= (int)sizeof(host) ||
		    snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "/" : "", names[i]) >=
			    (int)sizeof(name)) {
			ret = uvm_err(err, -ENAMETOOLONG, "%s/%s: path too long", host_dir, names[i]);
			break;
		}
		if (lstat(host, &st) < 0) {
			ret = uvm_err_sys(err, -errno, "%s", host);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			ret = cpio_add_dir(w, name, st.st_mode, err);
			if (ret == 0)
				ret = cpio_add_tree(w, host, name, err);
		} else if (S_ISREG(st.st_mode)) {
			ret = cpio_add_file(w, name, st.st_mode, host, err);
		} else if (S_ISLNK(st.st_mode)) {
			len = readlink(host, target, sizeof(target) - 1);
			if (len < 0) {
				ret = uvm_err_sys(err, -errno, "%s", host);
				break;
			}
			target[len] = '\0';
			ret = cpio_add_symlink(w, name, target, err);
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dir);
	return ret;
}
