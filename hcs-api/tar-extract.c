/* Unpacking a layer's tar or tar.gz into a fresh folder (tar-extract.h),
 * treating the archive as hostile: every entry is created relative to the
 * folder with its parent resolved by openat2(RESOLVE_BENEATH), so no "..",
 * absolute name, or symlink planted by an earlier entry can place anything
 * outside; no existing file is ever replaced; headers are checksummed and
 * sizes bounded. Formats: ustar, GNU long names (L/K), pax (x: path,
 * linkpath, size). gzip is detected by zlib (gzread reads plain files too). */
#include "tar-extract.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <zlib.h>

#include "../vmm/fileio.h"

#define BLOCK 512
#define NAME_MAX_LEN 4096

struct entry {
	char name[NAME_MAX_LEN];
	char link[NAME_MAX_LEN];
	char type;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint64_t size;
	unsigned dev_major, dev_minor;
};

static int read_exact(gzFile gz, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		int n = gzread(gz, (char *)buf + got, (unsigned)(len - got));

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Octal (NUL/space ended) or GNU base-256 numbers. */
static int parse_number(const char *field, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if ((unsigned char)field[0] & 0x80) {
		for (i = 1; i < len; i++) {
			if (v >> 56)
				return -1;
			v = (v << 8) | (unsigned char)field[i];
		}
		*out = v;
		return 0;
	}
	while (i < len && field[i] == ' ')
		i++;
	for (; i < len && field[i] >= '0' && field[i] <= '7'; i++) {
		if (v >> 60)
			return -1;
		v = v * 8 + (uint64_t)(field[i] - '0');
	}
	if (i < len && field[i] != '\0' && field[i] != ' ')
		return -1;
	*out = v;
	return 0;
}

static bool checksum_ok(const unsigned char *h)
{
	uint64_t want;
	unsigned long sum = 0;

	if (parse_number((const char *)h + 148, 8, &want) < 0)
		return false;
	for (int i = 0; i < BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum == want;
}

/* Read a long name or pax body of `size` bytes (bounded) into buf. */
static int read_body(gzFile gz, uint64_t size, char *buf, size_t cap)
{
	uint64_t padded = (size + BLOCK - 1) / BLOCK * BLOCK;

	if (size >= cap)
		return -1;
	if (read_exact(gz, buf, (size_t)size) < 0)
		return -1;
	buf[size] = '\0';
	for (uint64_t left = padded - size; left;) {
		char skip[BLOCK];
		size_t n = left < sizeof(skip) ? (size_t)left : sizeof(skip);

		if (read_exact(gz, skip, n) < 0)
			return -1;
		left -= n;
	}
	return 0;
}

/* pax records "LEN key=value\n": the ones that matter here. */
static int apply_pax(char *body, size_t len, struct entry *e, bool *has_path, bool *has_link)
{
	size_t pos = 0;

	while (pos < len) {
		char *end, *kv, *eq;
		unsigned long rec = strtoul(body + pos, &end, 10);

		if (end == body + pos || *end != ' ' || rec == 0 || pos + rec > len ||
		    body[pos + rec - 1] != '\n')
			return -1;
		body[pos + rec - 1] = '\0';
		kv = end + 1;
		eq = strchr(kv, '=');
		if (eq) {
			*eq = '\0';
			if (strcmp(kv, "path") == 0) {
				snprintf(e->name, sizeof(e->name), "%s", eq + 1);
				*has_path = true;
			} else if (strcmp(kv, "linkpath") == 0) {
				snprintf(e->link, sizeof(e->link), "%s", eq + 1);
				*has_link = true;
			} else if (strcmp(kv, "size") == 0) {
				e->size = strtoull(eq + 1, NULL, 10);
			}
		}
		pos += rec;
	}
	return 0;
}

/* Normalize a member name: no leading "/" or "./", no "..", no empty
 * components; "" means the root itself. */
static int clean_name(char *name)
{
	char out[NAME_MAX_LEN];
	size_t o = 0;

	for (char *p = name; *p;) {
		char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return -1;
		if (len && !(len == 1 && p[0] == '.')) {
			if (o + len + 2 >= sizeof(out))
				return -1;
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p += len;
		while (*p == '/')
			p++;
	}
	out[o] = '\0';
	memcpy(name, out, o + 1);
	return 0;
}

/* The parent folder of name, opened beneath root; *base points at the last
 * component. */
static int open_parent(int root, char *name, const char **base)
{
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	char *slash = strrchr(name, '/');
	int fd;

	if (!slash) {
		*base = name;
		return fcntl(root, F_DUPFD_CLOEXEC, 0);
	}
	*slash = '\0';
	fd = (int)syscall(SYS_openat2, root, name, &how, sizeof(how));
	*slash = '/';
	*base = slash + 1;
	return fd < 0 ? -errno : fd;
}

/* Make the folders above name that the archive did not list (0755, as tar
 * does), each beneath root. */
static int make_parents(int root, char *name)
{
	for (char *p = strchr(name, '/'); p; p = strchr(p + 1, '/')) {
		const char *base;
		int d, ret = 0;

		*p = '\0';
		d = open_parent(root, name, &base);
		if (d < 0)
			ret = d;
		else if (mkdirat(d, base, 0755) < 0 && errno != EEXIST)
			ret = -errno;
		if (d >= 0)
			close(d);
		*p = '/';
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int copy_data(gzFile gz, int fd, uint64_t size)
{
	char buf[65536];
	uint64_t padded = (size + BLOCK - 1) / BLOCK * BLOCK;

	for (uint64_t done = 0; done < padded;) {
		size_t n = padded - done < sizeof(buf) ? (size_t)(padded - done) : sizeof(buf);

		if (read_exact(gz, buf, n) < 0)
			return -EIO;
		if (fd >= 0 && done < size) {
			size_t keep = size - done < n ? (size_t)(size - done) : n;

			if (write_full(fd, buf, keep) < 0)
				return -errno;
		}
		done += n;
	}
	return 0;
}

static int create_entry(int root, gzFile gz, struct entry *e, struct tar_stats *st,
			struct uvm_error *err)
{
	const char *base;
	int dir, fd = -1, ret = 0;

	if (clean_name(e->name) < 0)
		return uvm_err(err, -EINVAL, "tar: member \"%.200s\" leaves the layer", e->name);
	if (!e->name[0])
		return e->type == '5' ? 0 : uvm_err(err, -EINVAL, "tar: a member without a name");
	dir = make_parents(root, e->name);
	if (dir == 0)
		dir = open_parent(root, e->name, &base);
	if (dir < 0)
		return uvm_err_sys(err, dir, "tar: %.200s: its folder", e->name);
	switch (e->type) {
	case '0': case '\0': case '7':
		fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			ret = -errno;
		break;
	case '5':
		if (mkdirat(dir, base, 0700) < 0 && errno != EEXIST)
			ret = -errno;
		/* Never through a symlink an earlier member left there. */
		if (ret == 0 && (fd = openat(dir, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC)) < 0)
			ret = -errno;
		break;
	case '2':
		if (symlinkat(e->link, dir, base) < 0)
			ret = -errno;
		break;
	case '1': {
		const char *lbase;
		int ldir;

		if (clean_name(e->link) < 0 || !e->link[0]) {
			ret = -EINVAL;
			break;
		}
		ldir = open_parent(root, e->link, &lbase);
		if (ldir < 0) {
			ret = ldir;
			break;
		}
		if (linkat(ldir, lbase, dir, base, 0) < 0)
			ret = -errno;
		close(ldir);
		break;
	}
	case '3': case '4': case '6':
		if (mknodat(dir, base, (e->type == '3' ? S_IFCHR : e->type == '4' ? S_IFBLK : S_IFIFO) | 0600,
			    makedev(e->dev_major, e->dev_minor)) < 0)
			ret = -errno;
		break;
	default:
		break;                                    /* other types carry nothing for a layer */
	}
	/* Owner and mode as in the archive (mke2fs -d copies them); not for
	 * links, whose target has its own. */
	if (ret == 0 && e->type != '1' &&
	    fchownat(dir, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM)
		ret = -errno;
	if (ret == 0 && fd >= 0 && fchmod(fd, e->mode & 07777) < 0)
		ret = -errno;
	if (ret == 0 && fd < 0 && (e->type == '3' || e->type == '4' || e->type == '6') &&
	    fchmodat(dir, base, e->mode & 07777, 0) < 0)
		ret = -errno;
	/* Regular files get their data; anything else's is skipped. */
	if (ret == 0)
		ret = copy_data(gz, e->type == '5' ? -1 : fd, e->size);
	if (fd >= 0)
		close(fd);
	close(dir);
	if (ret < 0)
		return uvm_err_sys(err, ret, "tar: %.200s", e->name);
	st->entries++;
	st->bytes += (e->size + 4095) / 4096 * 4096 + 4096;
	return 0;
}

int tar_extract(const char *archive, const char *dest, struct tar_stats *st, struct uvm_error *err)
{
	gzFile gz = gzopen(archive, "rb");
	struct entry *e = calloc(1, sizeof(*e));
	char *long_name = malloc(NAME_MAX_LEN), *long_link = malloc(NAME_MAX_LEN);
	char *pax = malloc(65536);
	bool has_long_name = false, has_long_link = false, pax_path = false, pax_link = false;
	uint64_t pax_size = UINT64_MAX;
	int root = -1, ret = 0, zero_blocks = 0;

	memset(st, 0, sizeof(*st));
	if (!gz || !e || !long_name || !long_link || !pax) {
		ret = gz ? uvm_err(err, -ENOMEM, "out of memory") : uvm_err_sys(err, -errno, "%s", archive);
		goto out;
	}
	root = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (root < 0) {
		ret = uvm_err_sys(err, -errno, "%s", dest);
		goto out;
	}
	for (;;) {
		unsigned char h[BLOCK];
		uint64_t v;

		if (read_exact(gz, h, BLOCK) < 0) {
			ret = uvm_err(err, -EINVAL, "%s: ends in the middle of the archive (no end "
				      "marker)", archive);
			break;
		}
		if (h[0] == '\0') {
			bool zero = true;

			for (int i = 0; i < BLOCK && zero; i++)
				zero = h[i] == 0;
			if (zero && ++zero_blocks == 2)
				break;
			if (zero)
				continue;
		}
		zero_blocks = 0;
		if (!checksum_ok(h)) {
			ret = uvm_err(err, -EINVAL, "%s: a header with a bad checksum after %llu "
				      "entries (not a tar archive?)", archive,
				      (unsigned long long)st->entries);
			break;
		}
		memset(e, 0, sizeof(*e));
		e->type = (char)h[156];
		if (parse_number((char *)h + 124, 12, &e->size) < 0 ||
		    parse_number((char *)h + 100, 8, &v) < 0) {
			ret = uvm_err(err, -EINVAL, "%s: a header with a bad size or mode", archive);
			break;
		}
		e->mode = (mode_t)v;
		parse_number((char *)h + 108, 8, &v);
		e->uid = (uid_t)v;
		parse_number((char *)h + 116, 8, &v);
		e->gid = (gid_t)v;
		parse_number((char *)h + 329, 8, &v);
		e->dev_major = (unsigned)v;
		parse_number((char *)h + 337, 8, &v);
		e->dev_minor = (unsigned)v;
		if (memcmp(h + 257, "ustar", 5) == 0 && h[345])
			snprintf(e->name, sizeof(e->name), "%.155s/%.100s", (char *)h + 345, (char *)h);
		else
			snprintf(e->name, sizeof(e->name), "%.100s", (char *)h);
		snprintf(e->link, sizeof(e->link), "%.100s", (char *)h + 157);
		if (e->type == 'L' || e->type == 'K') {
			if (read_body(gz, e->size, e->type == 'L' ? long_name : long_link, NAME_MAX_LEN) < 0) {
				ret = uvm_err(err, -EINVAL, "%s: a long name over %d bytes", archive,
					      NAME_MAX_LEN);
				break;
			}
			if (e->type == 'L')
				has_long_name = true;
			else
				has_long_link = true;
			continue;
		}
		if (e->type == 'x' || e->type == 'g') {
			struct entry tmp = { 0 };

			if (read_body(gz, e->size, pax, 65536) < 0 ||
			    (e->type == 'x' && apply_pax(pax, (size_t)e->size, &tmp, &pax_path, &pax_link) < 0)) {
				ret = uvm_err(err, -EINVAL, "%s: a malformed pax header", archive);
				break;
			}
			if (e->type == 'x') {
				if (pax_path)
					snprintf(long_name, NAME_MAX_LEN, "%s", tmp.name);
				if (pax_link)
					snprintf(long_link, NAME_MAX_LEN, "%s", tmp.link);
				if (tmp.size)
					pax_size = tmp.size;
				has_long_name |= pax_path;
				has_long_link |= pax_link;
			}
			continue;
		}
		if (has_long_name)
			snprintf(e->name, sizeof(e->name), "%s", long_name);
		if (has_long_link)
			snprintf(e->link, sizeof(e->link), "%s", long_link);
		if (pax_size != UINT64_MAX)
			e->size = pax_size;
		has_long_name = has_long_link = pax_path = pax_link = false;
		pax_size = UINT64_MAX;
		if ((ret = create_entry(root, gz, e, st, err)) < 0)
			break;
	}
out:
	if (root >= 0)
		close(root);
	if (gz)
		gzclose(gz);
	free(e);
	free(long_name);
	free(long_link);
	free(pax);
	return ret;
}
