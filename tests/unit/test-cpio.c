/* The initramfs writer: what it writes reads back as newc cpio (through
 * zlib) with the same names, modes, contents and symlink targets, in a
 * deterministic order. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../../boot/cpio.h"
#include "test.h"

struct entry {
	char name[128];
	unsigned mode;
	char data[128];
	size_t size;
};

static unsigned hex8(const char *p)
{
	char buf[9];

	memcpy(buf, p, 8);
	buf[8] = '\0';
	return (unsigned)strtoul(buf, NULL, 16);
}

/* Read back an archive; returns the number of entries before the trailer. */
static int read_archive(const char *path, struct entry *out, int max)
{
	static char buf[1 << 20];
	gzFile gz = gzopen(path, "rb");
	int len, n = 0;
	size_t off = 0;

	if (!gz)
		return -1;
	len = gzread(gz, buf, sizeof(buf));
	gzclose(gz);
	while (len > 0 && off + 110 <= (size_t)len && n < max) {
		unsigned namesize = hex8(buf + off + 94), filesize = hex8(buf + off + 54);

		if (memcmp(buf + off, "070701", 6) != 0)
			return -2;
		snprintf(out[n].name, sizeof(out[n].name), "%s", buf + off + 110);
		out[n].mode = hex8(buf + off + 14);
		off = (off + 110 + namesize + 3) & ~(size_t)3;
		out[n].size = filesize;
		memcpy(out[n].data, buf + off, filesize < sizeof(out[n].data) ? filesize : 0);
		off = (off + filesize + 3) & ~(size_t)3;
		if (!strcmp(out[n].name, "TRAILER!!!"))
			return n;
		n++;
	}
	return -3;
}

static void tree_round_trips(void)
{
	char dir[] = "/tmp/cpio-test.XXXXXX", path[256], out[300];
	struct entry e[16];
	struct cpio_writer w;
	struct uvm_error err = { 0 };
	FILE *f;
	int n;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/bin", dir);
	mkdir(path, 0750);
	snprintf(path, sizeof(path), "%s/bin/tool", dir);
	f = fopen(path, "w");
	fputs("#!/bin/sh\necho hi\n", f);
	fclose(f);
	chmod(path, 0755);
	snprintf(path, sizeof(path), "%s/link", dir);
	CHECK_EQ(symlink("bin/tool", path), 0);
	snprintf(out, sizeof(out), "%s.cpio.gz", dir);

	CHECK_EQ(cpio_open(&w, out, true, &err), 0);
	CHECK_EQ(cpio_add_data(&w, "init", 0700, "abc", 3, &err), 0);
	CHECK_EQ(cpio_add_tree(&w, dir, "", &err), 0);
	CHECK_EQ(cpio_close(&w, &err), 0);

	n = read_archive(out, e, 16);
	CHECK_EQ(n, 4);
	CHECK(!strcmp(e[0].name, "init") && e[0].mode == (S_IFREG | 0700) && e[0].size == 3);
	CHECK(!memcmp(e[0].data, "abc", 3));
	CHECK(!strcmp(e[1].name, "bin") && e[1].mode == (S_IFDIR | 0750));
	CHECK(!strcmp(e[2].name, "bin/tool") && e[2].mode == (S_IFREG | 0755));
	CHECK(e[2].size == 18 && !memcmp(e[2].data, "#!/bin/sh\necho hi\n", 18));
	CHECK(!strcmp(e[3].name, "link") && e[3].mode == (S_IFLNK | 0777));
	CHECK(e[3].size == 8 && !memcmp(e[3].data, "bin/tool", 8));

	unlink(out);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK_EQ(system(path), 0);
}

static void failures_leave_no_file(void)
{
	struct cpio_writer w;
	struct uvm_error err = { 0 };
	char out[] = "/tmp/cpio-fail.XXXXXX";
	int fd = mkstemp(out);

	close(fd);
	CHECK_EQ(cpio_open(&w, out, true, &err), 0);
	CHECK_EQ(cpio_add_file(&w, "x", 0644, "/nonexistent/file", &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "/nonexistent/file");
	cpio_abort(&w);
	CHECK(access(out, F_OK) != 0);
	CHECK_EQ(cpio_open(&w, "/nonexistent/dir/out.cpio", false, &err), -ENOENT);
}

TEST_LIST(T(tree_round_trips), T(failures_leave_no_file));
TEST_MAIN("cpio")
