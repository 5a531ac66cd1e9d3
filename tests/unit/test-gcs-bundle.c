/* The agent's pure parts, in process: config.json and process.json from an
 * OCI spec (bundle.c), user names to ids in a root folder (user.c), cgroup v2
 * and /proc numbers (stats.c), disks by serial and file system detection
 * (storage.c), helper programs' errors (crun.c), container ids. */
#include <jansson.h>

#include "../../guest-agent/agent.h"
#include "gcs-test-agent.h"

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static char *temp_dir(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/gcs-bundle-XXXXXX");
	CHECK(mkdtemp(buf) != NULL);
	return buf;
}

static void remove_dir(const char *dir)
{
	nftw(dir, test_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static bool json_text_is(const json_t *j, const char *want)
{
	json_t *w = json_loads(want, 0, NULL);
	bool same = w && json_equal(j, w);

	if (!same) {
		char *got = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

		printf("#   got %s\n#   want %s\n", got, want);
		free(got);
	}
	json_decref(w);
	return same;
}

static void config_json_is_the_spec_with_root_mounts_cgroup_and_terminal(void)
{
	static const char spec_text[] =
		"{\"ociVersion\":\"1.0.1\",\"process\":{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},"
		"\"args\":[\"/bin/sh\",\"-c\",\"echo hello\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\","
		"\"consoleSize\":{\"height\":1,\"width\":2}},\"root\":{\"path\":\"rootfs\"},"
		"\"hostname\":\"b3ea\",\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\","
		"\"source\":\"proc\"}],\"annotations\":{\"a\":\"caf\\u00e9\"},"
		"\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]},\"windows\":{\"layerFolders\":[\"x\"]}}";
	struct bundle_mount binds[2] = { { "/data", "/run/gcs/c/x/binds/0", true },
					  { "/disk", "/run/gcs/c/x/disks/0", false } };
	struct bundle_params bp = { .rootfs = "/run/gcs/c/x/rootfs", .binds = binds, .n_binds = 2,
				    .cgroups_path = "/containers/x", .terminal = true, .rows = 24,
				    .cols = 80 };
	struct uvm_error err = { 0 };
	json_t *spec = json_loads(spec_text, 0, NULL), *cfg = NULL;

	CHECK_EQ(bundle_config(spec, &bp, NULL, &cfg, &err), 0);
	CHECK(json_text_is(cfg,
		"{\"ociVersion\":\"1.0.1\",\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},"
		"\"args\":[\"/bin/sh\",\"-c\",\"echo hello\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\","
		"\"consoleSize\":{\"height\":24,\"width\":80}},"
		"\"root\":{\"path\":\"/run/gcs/c/x/rootfs\",\"readonly\":false},"
		"\"hostname\":\"b3ea\",\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\","
		"\"source\":\"proc\"},{\"destination\":\"/data\",\"type\":\"bind\",\"source\":"
		"\"/run/gcs/c/x/binds/0\",\"options\":[\"rbind\",\"ro\"]},{\"destination\":\"/disk\","
		"\"type\":\"bind\",\"source\":\"/run/gcs/c/x/disks/0\",\"options\":[\"rbind\",\"rw\"]}],"
		"\"annotations\":{\"a\":\"caf\\u00e9\"},"
		"\"linux\":{\"namespaces\":[{\"type\":\"pid\"}],\"cgroupsPath\":\"/containers/x\"}}"));
	json_decref(cfg);
	/* The input is untouched; no terminal drops consoleSize; a spec's own
	 * cgroupsPath is kept. */
	CHECK(!json_object_get(json_object_get(spec, "root"), "readonly"));
	json_object_set_new(json_object_get(spec, "linux"), "cgroupsPath", json_string("/mine"));
	bp.terminal = false;
	bp.n_binds = 0;
	CHECK_EQ(bundle_config(spec, &bp, NULL, &cfg, &err), 0);
	CHECK(!json_object_get(json_object_get(cfg, "process"), "consoleSize"));
	CHECK(json_is_false(json_object_get(json_object_get(cfg, "process"), "terminal")));
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(cfg, "linux"),
							"cgroupsPath")), "/mine"));
	CHECK_EQ(json_array_size(json_object_get(cfg, "mounts")), 1);
	json_decref(cfg);
	json_decref(spec);
}

static void process_json_overrides_args_env_cwd_and_resolves_the_user(void)
{
	static const char *const args[] = { "ls", "-l" };
	static const char *const env[] = { "X=1" };
	struct process_params pp = { .args = (char **)args, .n_args = 2, .env = (char **)env,
				     .n_env = 1, .cwd = "/home/app", .user = "app:staff" };
	struct uvm_error err = { 0 };
	char root[64], etc[128];
	json_t *spec = json_loads("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"A=1\"],"
				  "\"user\":{\"uid\":5,\"gid\":5,\"umask\":18},"
				  "\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},\"noNewPrivileges\":true}}",
				  0, NULL), *proc = NULL;

	temp_dir(root, sizeof(root));
	snprintf(etc, sizeof(etc), "%s/etc", root);
	CHECK_EQ(mkdir(etc, 0755), 0);
	write_file(etc, "passwd", "# comment\nroot:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n");
	write_file(etc, "group", "root:x:0:\nstaff:x:50:\nwheel:x:10:root,app\naudio:x:29:app\n");
	CHECK_EQ(bundle_process(spec, root, &pp, false, 0, 0, &proc, &err), 0);
	CHECK(json_text_is(proc,
		"{\"args\":[\"ls\",\"-l\"],\"cwd\":\"/home/app\",\"env\":[\"X=1\"],"
		"\"user\":{\"uid\":1000,\"gid\":50,\"additionalGids\":[10,29],\"umask\":18},"
		"\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},\"noNewPrivileges\":true,"
		"\"terminal\":false}"));
	json_decref(proc);
	/* Nothing given: the spec's process as is. */
	memset(&pp, 0, sizeof(pp));
	CHECK_EQ(bundle_process(spec, root, &pp, true, 3, 4, &proc, &err), 0);
	CHECK(json_text_is(json_object_get(proc, "consoleSize"), "{\"height\":3,\"width\":4}"));
	CHECK_EQ(json_integer_value(json_object_get(json_object_get(proc, "user"), "uid")), 5);
	json_decref(proc);
	pp.user = "ghost";
	CHECK_EQ(bundle_process(spec, root, &pp, false, 0, 0, &proc, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "user \"ghost\": no such user");
	json_decref(spec);
	/* No args anywhere, or a spec of the wrong shape. */
	spec = json_loads("{\"process\":{\"cwd\":\"/\"},\"mounts\":{}}", 0, NULL);
	pp.user = NULL;
	CHECK_EQ(bundle_process(spec, root, &pp, false, 0, 0, &proc, &err), -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "process.args: required");
	{
		struct bundle_params bp = { .rootfs = "/r" };
		static const char *const sh[] = { "sh" };
		json_t *cfg = NULL;

		pp.args = (char **)sh;
		pp.n_args = 1;
		CHECK_EQ(bundle_config(spec, &bp, &pp, &cfg, &err), -EINVAL);
		CHECK_STR_CONTAINS(err.msg, "spec.mounts: expected an array");
	}
	json_decref(spec);
	remove_dir(root);
}

static void users_resolve_by_name_and_number(void)
{
	struct uvm_error err = { 0 };
	struct user_ids u;
	char root[64], etc[128];

	temp_dir(root, sizeof(root));
	/* No etc/passwd: numbers still work. */
	CHECK_EQ(user_resolve(root, "123:456", &u, &err), 0);
	CHECK_EQ(u.uid, 123);
	CHECK_EQ(u.gid, 456);
	user_ids_free(&u);
	CHECK_EQ(user_resolve(root, "app", &u, &err), -ENOENT);
	snprintf(etc, sizeof(etc), "%s/etc", root);
	CHECK_EQ(mkdir(etc, 0755), 0);
	write_file(etc, "passwd", "app:x:1000:1001::/:/bin/sh\nbad:x:notanumber:1::/:/\nshort:x\n");
	write_file(etc, "group", "grp:x:77:app\n");
	CHECK_EQ(user_resolve(root, "1000", &u, &err), 0);   /* a number in passwd: its group */
	CHECK_EQ(u.gid, 1001);
	CHECK_EQ(u.n_groups, 1);
	user_ids_free(&u);
	CHECK_EQ(user_resolve(root, "app:grp", &u, &err), 0);
	CHECK_EQ(u.uid, 1000);
	CHECK_EQ(u.gid, 77);
	user_ids_free(&u);
	CHECK_EQ(user_resolve(root, "app:nogroup", &u, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "group \"nogroup\"");
	CHECK_EQ(user_resolve(root, "bad", &u, &err), -ENOENT);
	CHECK_EQ(user_resolve(root, "", &u, &err), -EINVAL);
	CHECK_EQ(user_resolve(root, ":5", &u, &err), -EINVAL);
	CHECK_EQ(user_resolve(root, "app:", &u, &err), -EINVAL);
	CHECK_EQ(user_resolve(root, "4294967295", &u, &err), -ENOENT);   /* (uid_t)-1 is no uid */
	/* An absolute symlink is read inside the root, as the container sees it. */
	{
		char data[160], link[160];

		snprintf(data, sizeof(data), "%s/gcs-test-data", root);
		CHECK_EQ(mkdir(data, 0755), 0);
		write_file(data, "passwd", "inside:x:42:43::/:/bin/sh\n");
		snprintf(link, sizeof(link), "%s/passwd", etc);
		CHECK_EQ(unlink(link), 0);
		CHECK_EQ(symlink("/gcs-test-data/passwd", link), 0);
		CHECK_EQ(user_resolve(root, "inside", &u, &err), 0);
		CHECK_EQ(u.uid, 42);
		CHECK_EQ(u.gid, 43);
		user_ids_free(&u);
	}
	remove_dir(root);
}

static void cgroup_files_become_statistics(void)
{
	struct uvm_error err = { 0 };
	struct cgroup_stats s;
	char dir[64], sub[128];
	pid_t *pids;
	size_t n;

	temp_dir(dir, sizeof(dir));
	write_file(dir, "memory.current", "1234\n");
	write_file(dir, "memory.max", "max\n");
	write_file(dir, "cpu.stat", "usage_usec 500\nuser_usec 300\nsystem_usec 200\nnr_periods 0\n");
	write_file(dir, "io.stat", "8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n"
				   "8:16 rbytes=5 wbytes=5 rios=1 wios=1\n");
	write_file(dir, "pids.current", "3\n");
	write_file(dir, "cgroup.procs", "10\n11\n");
	snprintf(sub, sizeof(sub), "%s/child", dir);
	CHECK_EQ(mkdir(sub, 0755), 0);
	write_file(sub, "cgroup.procs", "12\n");
	CHECK_EQ(stats_read_cgroup(dir, &s, &err), 0);
	CHECK_EQ(s.memory_current, 1234);
	CHECK(s.memory_max == UINT64_MAX);
	CHECK(!s.has_memory_peak);
	CHECK_EQ(s.cpu_usage_usec, 500);
	CHECK_EQ(s.cpu_user_usec, 300);
	CHECK_EQ(s.cpu_system_usec, 200);
	CHECK_EQ(s.io_read_bytes, 15);
	CHECK_EQ(s.io_write_bytes, 25);
	CHECK_EQ(s.io_read_ios, 2);
	CHECK_EQ(s.io_write_ios, 3);
	CHECK_EQ(s.pids_current, 3);
	write_file(dir, "memory.max", "1048576\n");
	write_file(dir, "memory.peak", "4096\n");
	CHECK_EQ(stats_read_cgroup(dir, &s, &err), 0);
	CHECK_EQ(s.memory_max, 1048576);
	CHECK(s.has_memory_peak);
	CHECK_EQ(s.memory_peak, 4096);
	CHECK_EQ(stats_cgroup_pids(dir, &pids, &n, &err), 0);
	CHECK_EQ(n, 3);
	if (n == 3)
		CHECK(pids[0] + pids[1] + pids[2] == 33);
	free(pids);
	CHECK_EQ(stats_read_cgroup("/nonexistent/cgroup", &s, &err), -ENOENT);
	CHECK_EQ(stats_cgroup_pids("/nonexistent/cgroup", &pids, &n, &err), 0);   /* gone: none */
	CHECK_EQ(n, 0);
	remove_dir(dir);
}

static void proc_files_describe_a_process(void)
{
	struct uvm_error err = { 0 };
	struct proc_entry e;
	char *dir = NULL;

	CHECK_EQ(stats_read_proc("/proc", getpid(), &e, &err), 0);
	CHECK(!strcmp(e.name, "test-gcs-bundle"));         /* comm: 15 characters at most */
	CHECK_STR_CONTAINS(e.command, "build/tests/test-gcs-bundle");
	CHECK(e.rss_bytes > 0 && e.vsize_bytes > 0);
	CHECK(e.start_time_ns > 1600000000ull * 1000000000ull);
	CHECK_EQ(stats_read_proc("/proc", 0x3ffffff0, &e, &err), -ENOENT);
	/* cgroup v2 path of a process ("0::/..." in /proc/<pid>/cgroup). */
	if (stats_cgroup_of("/proc", "/sys/fs/cgroup", getpid(), &dir, &err) == 0) {
		CHECK(!strncmp(dir, "/sys/fs/cgroup", 14));
		free(dir);
	}
}

static void disks_are_found_by_serial_and_file_systems_by_magic(void)
{
	struct uvm_error err = { 0 };
	char dir[64], sub[128], dev[256], img[128];
	const char *fs = "unset";
	uint8_t block[2048] = { 0 };
	int fd;

	temp_dir(dir, sizeof(dir));
	snprintf(sub, sizeof(sub), "%s/vda", dir);
	CHECK_EQ(mkdir(sub, 0755), 0);
	write_file(sub, "serial", "layer-1\n");
	snprintf(sub, sizeof(sub), "%s/vdb", dir);
	CHECK_EQ(mkdir(sub, 0755), 0);
	write_file(sub, "serial", "scratch");
	snprintf(sub, sizeof(sub), "%s/loop0", dir);    /* no serial file */
	CHECK_EQ(mkdir(sub, 0755), 0);
	CHECK_EQ(storage_find_disk(dir, "scratch", dev, sizeof(dev), &err), 0);
	CHECK(!strcmp(dev, "/dev/vdb"));
	CHECK_EQ(storage_find_disk(dir, "layer-1", dev, sizeof(dev), &err), 0);
	CHECK(!strcmp(dev, "/dev/vda"));
	CHECK_EQ(storage_find_disk(dir, "layer", dev, sizeof(dev), &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "no disk with serial \"layer\"");

	/* Blank: no file system (format it); ext4 by its superblock magic. */
	snprintf(img, sizeof(img), "%s/disk.img", dir);
	fd = open(img, O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
	CHECK_EQ(storage_detect_fs(img, &fs, &err), 0);
	CHECK(fs == NULL);
	block[1080] = 0x53;
	block[1081] = 0xef;
	CHECK_EQ(pwrite(fd, block, sizeof(block), 0), (ssize_t)sizeof(block));
	CHECK_EQ(storage_detect_fs(img, &fs, &err), 0);
	CHECK(fs && !strcmp(fs, "ext4"));
	memset(block, 0, sizeof(block));
	memcpy(block, "XFSB", 4);
	CHECK_EQ(pwrite(fd, block, sizeof(block), 0), (ssize_t)sizeof(block));
	CHECK_EQ(storage_detect_fs(img, &fs, &err), 0);
	CHECK(fs && !strcmp(fs, "xfs"));
	close(fd);
	CHECK_EQ(storage_detect_fs("/nonexistent/disk", &fs, &err), -ENOENT);
	/* A real one, when mke2fs is here. */
	if (access("/sbin/mke2fs", X_OK) == 0) {
		const char *argv[] = { "/sbin/mke2fs", "-q", "-F", "-t", "ext4", img, "1M", NULL };

		CHECK_EQ(run_program(argv, 30000, &err), 0);
		CHECK_EQ(storage_detect_fs(img, &fs, &err), 0);
		CHECK(fs && !strcmp(fs, "ext4"));
	}
	remove_dir(dir);
}

static void helper_program_failures_name_the_program_and_its_last_words(void)
{
	const char *fail[] = { "/bin/sh", "-c", "echo first >&2; echo 'last words' >&2; exit 3",
			       NULL };
	const char *missing[] = { "/nonexistent/mkfs", NULL };
	const char *slow[] = { "/bin/sleep", "10", NULL };
	struct uvm_error err = { 0 };

	CHECK_EQ(run_program(fail, 10000, &err), -EIO);
	CHECK_STR_CONTAINS(err.msg, "/bin/sh: exit status 3: last words");
	CHECK_EQ(run_program(missing, 10000, &err), -ENOENT);
	CHECK_EQ(run_program(slow, 100, &err), -ETIMEDOUT);
	CHECK_STR_CONTAINS(err.msg, "no result after 100 ms");
}

static void container_ids_are_file_name_safe(void)
{
	struct uvm_error err = { 0 };
	char long_id[GCS_ID_MAX + 2];

	CHECK_EQ(container_id_check("b3ea9126d677", &err), 0);
	CHECK_EQ(container_id_check("My_ctr.1-2", &err), 0);
	CHECK_EQ(container_id_check("", &err), -EINVAL);
	CHECK_EQ(container_id_check(".hidden", &err), -EINVAL);
	CHECK_EQ(container_id_check("..", &err), -EINVAL);
	CHECK_EQ(container_id_check("a/b", &err), -EINVAL);
	CHECK_EQ(container_id_check("a b", &err), -EINVAL);
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	CHECK_EQ(container_id_check(long_id, &err), -EINVAL);
	long_id[GCS_ID_MAX] = '\0';
	CHECK_EQ(container_id_check(long_id, &err), 0);
}

TEST_LIST(
	T(config_json_is_the_spec_with_root_mounts_cgroup_and_terminal),
	T(process_json_overrides_args_env_cwd_and_resolves_the_user),
	T(users_resolve_by_name_and_number),
	T(cgroup_files_become_statistics),
	T(proc_files_describe_a_process),
	T(disks_are_found_by_serial_and_file_systems_by_magic),
	T(helper_program_failures_name_the_program_and_its_last_words),
	T(container_ids_are_file_name_safe),
);
TEST_MAIN("gcs-bundle")
