/* Containers through the agent binary with a stand-in for crun (a shell
 * script that logs its arguments and keeps crun's contract: create forks the
 * init and writes its pid, exec --detach likewise): the exact crun command
 * lines, config.json and process.json as crun would read them, the init's
 * stdio and exit events, states, crun failures, and delete. Real crun,
 * layers and mounts need a VM: the end-to-end tests. */
#include <jansson.h>

#include "gcs-test-agent.h"

static const char fake_crun[] =
	"#!/bin/sh\n"
	"dir=$(dirname \"$0\")\n"
	"echo \"$*\" >> \"$dir/crun-calls.log\"\n"
	"while [ $# -gt 0 ]; do\n"
	"  case $1 in\n"
	"    --root) shift 2;;\n"
	"    --log=file:*) errlog=${1#--log=file:}; shift;;\n"
	"    --cgroup-manager=*) shift;;\n"
	"    *) break;;\n"
	"  esac\n"
	"done\n"
	"cmd=$1; shift\n"
	"if [ \"$cmd\" = \"$FAKE_CRUN_FAIL\" ]; then echo \"fake $cmd failure\" >> \"$errlog\"; exit 1; fi\n"
	"while [ $# -gt 0 ]; do\n"
	"  case $1 in\n"
	"    --pid-file) pidfile=$2; shift 2;;\n"
	"    --process) proc=$2; shift 2;;\n"
	"    --bundle|--console-socket) shift 2;;\n"
	"    *) shift;;\n"
	"  esac\n"
	"done\n"
	"exec 3<&0   # a background job's own stdin would be /dev/null\n"
	"case $cmd in\n"
	"  create) sh -c 'echo init says hi; exec cat' <&3 3<&- & echo $! > \"$pidfile\";;\n"
	"  exec) cp \"$proc\" \"$dir/last-process.json\"; sh -c 'echo exec says hi' <&3 3<&- &\n"
	"        echo $! > \"$pidfile\";;\n"
	"esac\n"
	"exit 0\n";

static const char spec[] =
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/sh\"],\"cwd\":\"/\",\"env\":[\"A=1\"],"
	"\"user\":{\"uid\":0,\"gid\":0,\"umask\":18}},\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"hostname\":\"h\",\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}],"
	"\"windows\":{\"layerFolders\":[\"x\"]}}";

static void write_text(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void read_text(const char *dir, const char *name, char *buf, size_t size)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	buf[read_all(fd, buf, size, 1000)] = '\0';
	close(fd);
}

/* The stand-in lives in its own folder (fake_dir), where it logs. */
static bool start_with_fake_crun(struct test_agent *ta, const char *env, char *fake_dir,
				 size_t size)
{
	static char crun_path[128];
	const char *extra[] = { "--exit-on-disconnect", "--crun", crun_path, NULL };

	snprintf(fake_dir, size, "/tmp/gcs-crun-XXXXXX");
	if (!mkdtemp(fake_dir))
		return false;
	snprintf(crun_path, sizeof(crun_path), "%s/crun", fake_dir);
	write_text(fake_dir, "crun", fake_crun, 0755);
	return test_agent_start_ex(ta, true, extra, env);
}

static void stop_with_fake_crun(struct test_agent *ta, const char *fake_dir)
{
	test_agent_stop(ta);
	nftw(fake_dir, test_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* a equals b; b is consumed. */
static bool json_is(const json_t *a, json_t *b)
{
	bool same = json_equal(a, b);

	json_decref(b);
	return same;
}

static void make_rootfs(const struct test_agent *ta, char *rootfs, size_t size)
{
	char etc[256];

	snprintf(rootfs, size, "%s/rootfs", ta->dir);
	snprintf(etc, sizeof(etc), "%s/etc", rootfs);
	CHECK_EQ(mkdir(rootfs, 0755), 0);
	CHECK_EQ(mkdir(etc, 0755), 0);
	write_text(etc, "passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n", 0644);
	write_text(etc, "group", "root:x:0:\ngrp:x:2000:other,app\n", 0644);
}

static int wait_exit_events(struct test_agent *ta, int want)
{
	int n = 0;

	for (int i = 0; i < 500; i++) {
		pthread_mutex_lock(&ta->lock);
		n = ta->container_events;
		pthread_mutex_unlock(&ta->lock);
		if (n >= want)
			break;
		usleep(10000);
	}
	return n;
}

static void container_lifecycle_drives_crun_as_documented(void)
{
	static const char *const exec_args[] = { "echo", "x" };
	static const char *const exec_env[] = { "B=2" };
	struct gcs_process_params pp = { .args = exec_args, .n_args = 2, .env = exec_env,
					 .n_env = 1, .user = "app" };
	struct gcs_stdio_params sp = { .in = true, .out = true };
	struct uvm_error err = { 0 };
	struct test_agent ta;
	struct gcs_process init, ex;
	struct gcs_storage st = { 0 };
	char rootfs[200], text[8192], want[2048], bundle[256], fake_dir[64], run[160];
	json_t *cfg, *proc;
	int status = -1;

	CHECK(start_with_fake_crun(&ta, NULL, fake_dir, sizeof(fake_dir)));
	make_rootfs(&ta, rootfs, sizeof(rootfs));
	snprintf(run, sizeof(run), "%s/run", ta.dir);
	snprintf(bundle, sizeof(bundle), "%s/c/ctr1", run);
	st.rootfs = rootfs;
	CHECK_EQ(gcs_create_container(ta.c, "ctr1", spec, strlen(spec), &st, &err), 0);
	CHECK_EQ(gcs_create_container(ta.c, "ctr1", spec, strlen(spec), &st, &err), -EEXIST);
	CHECK_EQ(gcs_create_container(ta.c, "ctr2", "[1]", 3, &st, &err), -EINVAL);
	CHECK_EQ(gcs_exec_process(ta.c, "ctr1", &pp, NULL, &ex, &err), -EBUSY);
	CHECK_EQ(gcs_container_stats(ta.c, "ctr1", &(struct gcs_stats){ 0 }, &err), -EBUSY);

	CHECK_EQ(gcs_start_container(ta.c, "ctr1", NULL, &sp, &init, &err), 0);
	CHECK(read_until(init.stdout_fd, "init says hi\n", text, sizeof(text), 10000));
	CHECK_EQ(gcs_start_container(ta.c, "ctr1", NULL, &sp, &ex, &err), -EBUSY);
	read_text(fake_dir, "crun-calls.log", text, sizeof(text));
	snprintf(want, sizeof(want),
		 "--root %s/crun --log=file:%s/crun.log --cgroup-manager=cgroupfs create --bundle %s "
		 "--pid-file %s/init.pid ctr1\n"
		 "--root %s/crun --log=file:%s/crun.log --cgroup-manager=cgroupfs start ctr1\n",
		 run, run, bundle, bundle, run, run);
	CHECK(!strcmp(text, want));
	if (strcmp(text, want))
		printf("# crun calls:\n%s# wanted:\n%s", text, want);

	/* config.json: the spec, adjusted. */
	read_text(bundle, "config.json", text, sizeof(text));
	cfg = json_loads(text, 0, NULL);
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(cfg, "root"), "path")) ?: "",
		      rootfs));
	CHECK(json_is_true(json_object_get(json_object_get(cfg, "root"), "readonly")));
	CHECK(!json_object_get(cfg, "windows"));
	CHECK(!strcmp(json_string_value(json_object_get(json_object_get(cfg, "linux"),
							"cgroupsPath")) ?: "", "/containers/ctr1"));
	CHECK(json_is_false(json_object_get(json_object_get(cfg, "process"), "terminal")));
	CHECK_EQ(json_array_size(json_object_get(cfg, "mounts")), 1);
	CHECK(!strcmp(json_string_value(json_object_get(cfg, "hostname")) ?: "", "h"));
	json_decref(cfg);

	/* exec: process.json from the spec's process and the request. */
	CHECK_EQ(gcs_exec_process(ta.c, "ctr1", &pp, &sp, &ex, &err), 0);
	CHECK(read_until(ex.stdout_fd, "exec says hi\n", text, sizeof(text), 10000));
	CHECK_EQ(gcs_wait_process(ta.c, ex.id, 10000, &status, &err), 0);
	CHECK_EQ(status, 0);
	read_text(fake_dir, "last-process.json", text, sizeof(text));
	proc = json_loads(text, 0, NULL);
	CHECK(json_is(json_object_get(proc, "args"), json_pack("[s, s]", "echo", "x")));
	CHECK(json_is(json_object_get(proc, "env"), json_pack("[s]", "B=2")));
	CHECK(json_is(json_object_get(proc, "user"),
			 json_pack("{s:i, s:i, s:[i], s:i}", "uid", 1000, "gid", 1000,
				   "additionalGids", 2000, "umask", 18)));
	CHECK(!strcmp(json_string_value(json_object_get(proc, "cwd")) ?: "", "/"));
	json_decref(proc);
	read_text(fake_dir, "crun-calls.log", text, sizeof(text));
	snprintf(want, sizeof(want), "exec --detach --pid-file %s/exec-1.pid --process %s/exec-1.json "
		 "ctr1\n", bundle, bundle);
	CHECK(strstr(text, want) != NULL);
	read_text(bundle, "exec-1.json", text, sizeof(text));
	CHECK_EQ(strlen(text), 0);                  /* cleaned up */
	close_process_fds(&ex);
	pp.user = "nobody-here";
	CHECK_EQ(gcs_exec_process(ta.c, "ctr1", &pp, NULL, &ex, &err), -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "no such user in");

	/* The init ends when its stdin does: container_exited follows. */
	CHECK_EQ(gcs_close_stdin(ta.c, init.id, &err), 0);
	CHECK_EQ(gcs_wait_process(ta.c, init.id, 10000, &status, &err), 0);
	CHECK_EQ(status, 0);
	CHECK_EQ(wait_exit_events(&ta, 1), 1);
	pthread_mutex_lock(&ta.lock);
	CHECK(!strcmp(ta.last_container, "ctr1"));
	pthread_mutex_unlock(&ta.lock);
	pp.user = NULL;
	CHECK_EQ(gcs_exec_process(ta.c, "ctr1", &pp, NULL, &ex, &err), -EBUSY);

	CHECK_EQ(gcs_delete_container(ta.c, "ctr1", &err), 0);
	read_text(fake_dir, "crun-calls.log", text, sizeof(text));
	snprintf(want, sizeof(want), "cgroupfs delete --force ctr1\n");
	CHECK(strstr(text, want) != NULL);
	CHECK(access(bundle, F_OK) < 0 && errno == ENOENT);
	snprintf(text, sizeof(text), "%s/etc/passwd", rootfs);
	CHECK_EQ(access(text, F_OK), 0);            /* a given rootfs is never removed */
	CHECK_EQ(gcs_delete_container(ta.c, "ctr1", &err), -ENOENT);
	close_process_fds(&init);
	stop_with_fake_crun(&ta, fake_dir);
}

static void crun_failures_come_back_with_crun_s_message(void)
{
	struct gcs_stdio_params tty = { .terminal = true, .out = true, .rows = 5, .cols = 5 };
	struct uvm_error err = { 0 };
	struct gcs_storage st = { 0 };
	struct test_agent ta;
	struct gcs_process init;
	char rootfs[200], fake_dir[64];

	CHECK(start_with_fake_crun(&ta, "FAKE_CRUN_FAIL=start", fake_dir, sizeof(fake_dir)));
	make_rootfs(&ta, rootfs, sizeof(rootfs));
	st.rootfs = rootfs;
	CHECK_EQ(gcs_create_container(ta.c, "c1", spec, strlen(spec), &st, &err), 0);
	CHECK_EQ(gcs_start_container(ta.c, "c1", NULL, NULL, &init, &err), -EIO);
	CHECK_STR_CONTAINS(err.msg, "runtime (12): crun start: exit status 1: fake start failure");
	/* The half-started init was killed: its container is over. */
	CHECK_EQ(wait_exit_events(&ta, 1), 1);
	CHECK_EQ(gcs_delete_container(ta.c, "c1", &err), 0);
	/* A terminal needs the master from crun's console socket. */
	CHECK_EQ(gcs_create_container(ta.c, "c2", spec, strlen(spec), &st, &err), 0);
	CHECK(gcs_start_container(ta.c, "c2", NULL, &tty, &init, &err) < 0);
	CHECK_STR_CONTAINS(err.msg, "crun sent no terminal");
	CHECK_EQ(gcs_delete_container(ta.c, "c2", &err), 0);
	/* The stand-in's init ends by itself (real crun delete kills it), and is reaped. */
	for (int i = 0; i < 200 && count_children(ta.pid, false); i++)
		usleep(10000);
	CHECK_EQ(count_children(ta.pid, false), 0);
	stop_with_fake_crun(&ta, fake_dir);
}

TEST_LIST(
	T(container_lifecycle_drives_crun_as_documented),
	T(crun_failures_come_back_with_crun_s_message),
);
TEST_MAIN("gcs-container")
