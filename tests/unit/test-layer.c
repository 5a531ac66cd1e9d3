/* Layer disks (uvmrun mklayer): tar and tar.gz unpacked with names, modes,
 * long names (GNU and pax) and links kept; hostile archives (".." names, a
 * symlink planted to lead outside, bad checksums, truncation) refused without
 * writing outside the folder; folders and archives made into ext4 disks,
 * raw and fixed VHD. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../../devices/vhd.h"
#include "../../hcs-api/layer-build.h"
#include "../../hcs-api/tar-extract.h"
#include "test.h"

struct tarbuf {
	unsigned char data[1 << 16];
	size_t len;
};

static void tar_header(struct tarbuf *t, const char *name, char type, unsigned mode, size_t size,
		       const char *link)
{
	unsigned char *h = t->data + t->len;
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", mode);
	snprintf((char *)h + 108, 8, "%07o", 0u);
	snprintf((char *)h + 116, 8, "%07o", 0u);
	snprintf((char *)h + 124, 12, "%011zo", size);
	snprintf((char *)h + 136, 12, "%011o", 0u);
	h[156] = (unsigned char)type;
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar\0" "00", 8);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	t->len += 512;
}

static void tar_data(struct tarbuf *t, const char *data, size_t len)
{
	memcpy(t->data + t->len, data, len);
	t->len += (len + 511) / 512 * 512;
}

static void tar_file(struct tarbuf *t, const char *name, unsigned mode, const char *data)
{
	tar_header(t, name, '0', mode, strlen(data), NULL);
	tar_data(t, data, strlen(data));
}

static void tar_end(struct tarbuf *t)
{
	memset(t->data + t->len, 0, 1024);
	t->len += 1024;
}

static char dir[64];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fresh_dir(void)
{
	if (dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	snprintf(dir, sizeof(dir), "/tmp/layer-test-XXXXXX");
	if (!mkdtemp(dir))
		dir[0] = '\0';
}

static int write_archive(const struct tarbuf *t, const char *name, bool gzip, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s", dir, name);
	if (gzip) {
		gzFile gz = gzopen(path, "wb");

		if (!gz || gzwrite(gz, t->data, (unsigned)t->len) != (int)t->len)
			return -1;
		return gzclose(gz) == Z_OK ? 0 : -1;
	} else {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int ok = fd >= 0 && write(fd, t->data, t->len) == (ssize_t)t->len;

		if (fd >= 0)
			close(fd);
		return ok ? 0 : -1;
	}
}

static int extract(const struct tarbuf *t, bool gzip, struct uvm_error *err)
{
	char archive[128], out[128];
	struct tar_stats st;

	if (write_archive(t, "a.tar", gzip, archive, sizeof(archive)) < 0)
		return -999;
	snprintf(out, sizeof(out), "%s/out", dir);
	mkdir(out, 0755);
	return tar_extract(archive, out, &st, err);
}

static void read_at(const char *rel, char *buf, size_t cap)
{
	char path[256];
	int fd;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/out/%s", dir, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, cap - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void archives_unpack_with_names_modes_and_links(void)
{
	static struct tarbuf t;
	struct uvm_error err = { 0 };
	char buf[256], path[256], longname[200];
	struct stat st;

	for (int gz = 0; gz < 2; gz++) {
		fresh_dir();
		t.len = 0;
		tar_header(&t, "./bin/", '5', 0755, 0, NULL);
		tar_file(&t, "./bin/tool", 04755, "#!/bin/sh\n");
		tar_header(&t, "bin/alias", '2', 0777, 0, "tool");
		tar_header(&t, "bin/hard", '1', 0644, 0, "bin/tool");
		/* A GNU long name. */
		memset(longname, 'n', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		tar_header(&t, "././@LongLink", 'L', 0, strlen(longname) + 1, NULL);
		tar_data(&t, longname, strlen(longname) + 1);
		tar_file(&t, "short-name-replaced", 0600, "long");
		/* A pax path. */
		tar_header(&t, "PaxHeader", 'x', 0644, 25, NULL);
		tar_data(&t, "25 path=etc/from-pax.txt\n", 25);
		tar_file(&t, "ignored", 0640, "pax");
		tar_end(&t);
		CHECK_EQ(extract(&t, gz, &err), 0);
		if (err.code)
			printf("#   %s\n", err.msg);
		read_at("bin/tool", buf, sizeof(buf));
		CHECK_STR_EQ(buf, "#!/bin/sh\n");
		snprintf(path, sizeof(path), "%s/out/bin/tool", dir);
		CHECK_EQ(stat(path, &st), 0);
		CHECK_EQ(st.st_mode & 07777, 04755);
		CHECK_EQ(st.st_nlink, 2);
		snprintf(path, sizeof(path), "%s/out/bin/alias", dir);
		CHECK_EQ(readlink(path, buf, sizeof(buf)), 4);
		read_at(longname, buf, sizeof(buf));
		CHECK_STR_EQ(buf, "long");
		read_at("etc/from-pax.txt", buf, sizeof(buf));
		CHECK_STR_EQ(buf, "pax");
	}
}

static void hostile_archives_write_nothing_outside(void)
{
	static struct tarbuf t;
	struct uvm_error err = { 0 };
	char outside[128];

	fresh_dir();
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	mkdir(outside, 0755);
	/* ".." in a name. */
	t.len = 0;
	tar_file(&t, "../outside/pwned", 0644, "x");
	tar_end(&t);
	CHECK(extract(&t, false, &err) < 0);
	CHECK_STR_CONTAINS(err.msg, "leaves the layer");
	/* A symlink to the outside, then a file through it. */
	t.len = 0;
	tar_header(&t, "d", '2', 0777, 0, outside);
	tar_file(&t, "d/pwned", 0644, "x");
	tar_end(&t);
	fresh_dir();
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	mkdir(outside, 0755);
	CHECK(extract(&t, false, &err) < 0);
	/* A relative one climbing out, and a directory entry over it. */
	t.len = 0;
	tar_header(&t, "up", '2', 0777, 0, "../outside");
	tar_header(&t, "up", '5', 0777, 0, NULL);
	tar_file(&t, "up/pwned", 0644, "x");
	tar_end(&t);
	CHECK(extract(&t, false, &err) < 0);
	{
		char path[160];
		struct stat st;

		snprintf(path, sizeof(path), "%s/pwned", outside);
		CHECK(access(path, F_OK) < 0);
		CHECK_EQ(stat(outside, &st), 0);
		CHECK_EQ(st.st_mode & 07777, 0755);     /* not chmod'ed through the link */
	}
	/* A hard link to a file outside. */
	t.len = 0;
	tar_header(&t, "h", '1', 0644, 0, "../outside");
	tar_end(&t);
	CHECK(extract(&t, false, &err) < 0);
	/* An existing file is never replaced. */
	t.len = 0;
	tar_file(&t, "f", 0644, "one");
	tar_file(&t, "f", 0644, "two");
	tar_end(&t);
	fresh_dir();
	CHECK(extract(&t, false, &err) < 0);
	/* Garbage and truncation. */
	t.len = 0;
	tar_file(&t, "ok", 0644, "x");
	t.data[148] ^= 1;                      /* checksum */
	tar_end(&t);
	fresh_dir();
	CHECK(extract(&t, false, &err) < 0);
	CHECK_STR_CONTAINS(err.msg, "bad checksum");
	t.len = 0;
	tar_file(&t, "ok", 0644, "x");
	fresh_dir();
	CHECK(extract(&t, false, &err) < 0);     /* no end marker */
	CHECK_STR_CONTAINS(err.msg, "ends in the middle");
}

static void folders_and_archives_become_ext4_disks(void)
{
	static struct tarbuf t;
	struct uvm_error err = { 0 };
	char archive[128], out[128], src[128];
	uint64_t size = 0;
	struct stat st;
	int fd;

	fresh_dir();
	t.len = 0;
	tar_file(&t, "hello.txt", 0644, "hello");
	tar_end(&t);
	CHECK_EQ(write_archive(&t, "l.tar.gz", true, archive, sizeof(archive)), 0);
	snprintf(out, sizeof(out), "%s/layer.vhd", dir);
	CHECK_EQ(layer_build(archive, out, &size, &err), 0);
	if (err.code)
		printf("#   %s\n", err.msg);
	CHECK(size >= (16u << 20));
	fd = open(out, O_RDONLY);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK_EQ(fstat(fd, &st), 0);
		CHECK_EQ((uint64_t)st.st_size, size + 512);
		CHECK_EQ(vhd_probe(fd, out, (uint64_t)st.st_size, &err), 1);
		close(fd);
	}
	/* A folder, raw output. */
	snprintf(src, sizeof(src), "%s/src", dir);
	mkdir(src, 0755);
	snprintf(out, sizeof(out), "%s/layer.img", dir);
	CHECK_EQ(layer_build(src, out, &size, &err), 0);
	CHECK_EQ(stat(out, &st), 0);
	CHECK_EQ((uint64_t)st.st_size, size);
	/* A source that is not an archive: an error, no output. */
	snprintf(out, sizeof(out), "%s/bad.img", dir);
	CHECK(layer_build("/etc/hostname", out, &size, &err) < 0);
	CHECK(access(out, F_OK) < 0);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = '\0';
}

TEST_LIST(T(archives_unpack_with_names_modes_and_links), T(hostile_archives_write_nothing_outside),
	  T(folders_and_archives_become_ext4_disks));
TEST_MAIN("layer")
