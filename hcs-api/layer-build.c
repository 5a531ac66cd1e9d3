/* Container layer disks from folders and archives (layer-build.h). */
#include "layer-build.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../devices/vhd.h"
#include "../vmm/spawn.h"
#include "tar-extract.h"

#define MIB (1ULL << 20)

static uint64_t walk_bytes;

static int count_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	walk_bytes += ((uint64_t)sb->st_size + 4095) / 4096 * 4096 + 4096;
	return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* One mke2fs -d attempt at `size` bytes into tmp. */
static int make_fs(const char *dir, const char *tmp, uint64_t size, struct uvm_error *err)
{
	char sizearg[32], out[1024];
	const char *argv[] = { "mke2fs", "-q", "-F", "-t", "ext4", "-L", "layer", "-E",
			       "lazy_itable_init=0,lazy_journal_init=0", "-d", dir, tmp, sizearg, NULL };
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return uvm_err_sys(err, -errno, "%s", tmp);
	close(fd);
	snprintf(sizearg, sizeof(sizearg), "%lluk", (unsigned long long)(size / 1024));
	return spawn_check(argv, NULL, out, sizeof(out), err);
}

int layer_build(const char *src, const char *out, uint64_t *size_out, struct uvm_error *err)
{
	char tmpdir[PATH_MAX] = "", tmp[PATH_MAX], *dir;
	struct tar_stats ts;
	struct stat st;
	uint64_t bytes, size;
	int ret = 0, fd;

	if (stat(src, &st) < 0)
		return uvm_err_sys(err, -errno, "mklayer: %s", src);
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= (int)sizeof(tmp))
		return uvm_err(err, -ENAMETOOLONG, "mklayer: %s: too long", out);
	if (S_ISDIR(st.st_mode)) {
		walk_bytes = 0;
		if (nftw(src, count_entry, 32, FTW_PHYS) < 0)
			return uvm_err_sys(err, -errno, "mklayer: %s", src);
		bytes = walk_bytes;
		dir = (char *)src;
	} else {
		snprintf(tmpdir, sizeof(tmpdir), "%s/uvmrun-layer-XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(tmpdir))
			return uvm_err_sys(err, -errno, "mklayer: a temporary folder");
		ret = tar_extract(src, tmpdir, &ts, err);
		if (ret < 0) {
			uvm_err_prefix(err, "mklayer: ");
			goto out;
		}
		bytes = ts.bytes;
		dir = tmpdir;
	}
	/* Room for metadata and the journal; grown when mke2fs runs short. */
	size = (bytes + bytes / 4 + 16 * MIB + MIB - 1) / MIB * MIB;
	for (int attempt = 0;; attempt++) {
		ret = make_fs(dir, tmp, size, err);
		if (ret == 0 || attempt == 3)
			break;
		size *= 2;
	}
	if (ret < 0) {
		uvm_err_prefix(err, "mklayer: ");
		goto out;
	}
	if (ends_with(out, ".vhd")) {
		fd = open(tmp, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			ret = uvm_err_sys(err, -errno, "mklayer: %s", tmp);
			goto out;
		}
		ret = vhd_append_footer(fd, out, size, err);
		if (ret == 0 && fsync(fd) < 0)
			ret = uvm_err_sys(err, -errno, "mklayer: %s", tmp);
		close(fd);
		if (ret < 0)
			goto out;
	}
	if (rename(tmp, out) < 0) {
		ret = uvm_err_sys(err, -errno, "mklayer: %s", out);
		goto out;
	}
	*size_out = size;
out:
	if (ret < 0)
		unlink(tmp);
	if (tmpdir[0])
		nftw(tmpdir, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
	return ret;
}
