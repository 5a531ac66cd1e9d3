/* The UVM image builder's parts: ELF dependency resolution on real Debian
 * programs (and refusal of broken ELF files), modules.dep ordering, and a
 * whole image built from Debian's kernel whose initrd holds the agent as
 * /init, crun with its libraries, and the modules in load order. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../../boot/elf-deps.h"
#include "../../boot/kmod-deps.h"
#include "../../boot/uvm-image.h"
#include "../../vmm/fileio.h"
#include "test.h"

static void crun_needs_its_libraries(void)
{
	struct elf_info info;
	struct elf_deps deps;
	bool libc = false, seccomp = false;

	CHECK_EQ(elf_read_info("/usr/bin/crun", &info, NULL), 0);
	CHECK(!strcmp(info.interp, "/lib64/ld-linux-x86-64.so.2"));
	CHECK(info.nneeded > 2);
	elf_info_free(&info);
	CHECK_EQ(elf_deps_collect("/usr/bin/crun", &deps, NULL), 0);
	CHECK(!strcmp(deps.paths[0], "/lib64/ld-linux-x86-64.so.2"));
	for (unsigned i = 0; i < deps.count; i++) {
		CHECK(deps.paths[i][0] == '/' && access(deps.paths[i], R_OK) == 0);
		libc |= strstr(deps.paths[i], "/libc.so.6") != NULL;
		seccomp |= strstr(deps.paths[i], "/libseccomp.so") != NULL;
	}
	CHECK(libc && seccomp);
	elf_deps_free(&deps);
}

static void static_programs_need_nothing(void)
{
	struct elf_deps deps;

	CHECK_EQ(elf_deps_collect("/bin/busybox", &deps, NULL), 0);
	CHECK_EQ(deps.count, 0);
}

static void broken_elf_files_are_refused(void)
{
	char path[] = "/tmp/elf-test.XXXXXX";
	struct elf_info info;
	struct uvm_error err = { 0 };
	uint8_t *data;
	size_t size;
	int fd = mkstemp(path);

	CHECK_EQ(read_file("/usr/bin/crun", 64u << 20, &data, &size, NULL), 0);
	/* Cut off inside the program headers. */
	CHECK_EQ(write_full(fd, data, 100), 0);
	CHECK_EQ(elf_read_info(path, &info, &err), -ENOEXEC);
	CHECK_STR_CONTAINS(err.msg, path);
	/* Program headers pointing past the end. */
	CHECK_EQ(ftruncate(fd, 0), 0);
	memset(data + 0x20, 0x7f, 8);               /* e_phoff */
	CHECK_EQ(pwrite_full(fd, data, size, 0), 0);
	CHECK_EQ(elf_read_info(path, &info, &err), -ENOEXEC);
	/* Not ELF at all. */
	CHECK_EQ(pwrite_full(fd, "#!/bin/sh\n", 10, 0), 0);
	CHECK_EQ(elf_read_info(path, &info, &err), -ENOEXEC);
	CHECK_STR_CONTAINS(err.msg, "not an x86-64 ELF");
	close(fd);
	unlink(path);
	free(data);
}

static void modules_come_in_dependency_order(void)
{
	char dir[] = "/tmp/kmod-test.XXXXXX", path[128];
	const char *want[] = { "ext4", "virtio-blk", "builtin_one" };
	const char *missing[] = { "nosuch" };
	struct kmod_list l;
	struct uvm_error err = { 0 };
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	f = fopen(path, "w");
	fputs("kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko\n"
	      "kernel/fs/jbd2/jbd2.ko:\n"
	      "kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n"
	      "kernel/lib/crc16.ko:\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/modules.builtin", dir);
	f = fopen(path, "w");
	fputs("kernel/drivers/misc/builtin-one.ko\n", f);
	fclose(f);
	CHECK_EQ(kmod_resolve(dir, want, 3, &l, &err), 0);
	CHECK_EQ(l.count, 7);
	/* modprobe loads the listed dependencies last to first. */
	CHECK(!strcmp(l.paths[0], "kernel/fs/jbd2/jbd2.ko"));
	CHECK(!strcmp(l.paths[1], "kernel/fs/mbcache.ko"));
	CHECK(!strcmp(l.paths[2], "kernel/lib/crc16.ko"));
	CHECK(!strcmp(l.paths[3], "kernel/fs/ext4/ext4.ko"));
	CHECK(!strcmp(l.paths[4], "kernel/drivers/virtio/virtio_ring.ko"));
	CHECK(!strcmp(l.paths[6], "kernel/drivers/block/virtio_blk.ko"));
	kmod_list_free(&l);
	CHECK_EQ(kmod_resolve(dir, missing, 1, &l, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "nosuch");
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK_EQ(system(path), 0);
}

/* Names in a gzip newc archive. */
static bool archive_has(const char *archive, const char *name)
{
	static char buf[64 << 20];
	gzFile gz = gzopen(archive, "rb");
	int len = gz ? gzread(gz, buf, sizeof(buf)) : -1;
	size_t off = 0;

	if (gz)
		gzclose(gz);
	while (len > 0 && off + 110 <= (size_t)len) {
		char hex[9] = { 0 };
		unsigned namesize, filesize;

		memcpy(hex, buf + off + 94, 8);
		namesize = (unsigned)strtoul(hex, NULL, 16);
		memcpy(hex, buf + off + 54, 8);
		filesize = (unsigned)strtoul(hex, NULL, 16);
		if (!strcmp(buf + off + 110, name))
			return true;
		off = (off + 110 + namesize + 3) & ~(size_t)3;
		off = (off + filesize + 3) & ~(size_t)3;
	}
	return false;
}

static void image_from_debians_kernel(void)
{
	const char *kernel = getenv("UVMRUN_TEST_KERNEL");
	char root[512], out[] = "/tmp/uvm-image-test.XXXXXX", agent[128], path[600];
	struct uvm_image_config cfg = { 0 };
	struct uvm_error err = { 0 };

	if (!kernel || !strstr(kernel, "/boot/")) {
		CHECK(!"UVMRUN_TEST_KERNEL set");
		return;
	}
	snprintf(root, sizeof(root), "%.*s", (int)(strstr(kernel, "/boot/") - kernel), kernel);
	CHECK(mkdtemp(out) != NULL);
	snprintf(agent, sizeof(agent), "%s/agent", out);
	CHECK_EQ(system("true"), 0);
	{
		FILE *f = fopen(agent, "w");

		fputs("#!/bin/sh\n", f);
		fclose(f);
	}
	cfg.outdir = out;
	cfg.kernel_root = root;
	cfg.agent = agent;
	if (uvm_image_build(&cfg, &err) < 0)
		printf("#   %s\n", err.msg);
	snprintf(path, sizeof(path), "%s/kernel", out);
	CHECK(access(path, R_OK) == 0);
	snprintf(path, sizeof(path), "%s/initrd.img", out);
	CHECK(archive_has(path, "init"));
	CHECK(archive_has(path, "usr/bin/crun"));
	CHECK(archive_has(path, "usr/sbin/mke2fs"));
	CHECK(archive_has(path, "lib64/ld-linux-x86-64.so.2"));
	CHECK(archive_has(path, "lib/modules/load-order"));
	CHECK(archive_has(path, "etc/passwd"));
	/* A missing agent is refused before anything is written. */
	cfg.agent = "/nonexistent/agent";
	CHECK_EQ(uvm_image_build(&cfg, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "guest agent");
	snprintf(path, sizeof(path), "rm -rf %s", out);
	CHECK_EQ(system(path), 0);
}

TEST_LIST(T(crun_needs_its_libraries), T(static_programs_need_nothing),
	  T(broken_elf_files_are_refused), T(modules_come_in_dependency_order),
	  T(image_from_debians_kernel));
TEST_MAIN("uvm-image")
