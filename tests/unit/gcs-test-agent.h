/* Test helpers for the guest agent: run the real agent binary in test mode
 * (not PID 1: no mounts, modules or power-off) on Unix sockets in a fresh
 * folder, connect the real host client, read streams with deadlines, and
 * look at the agent process (descriptors, zombie children). */
#ifndef UVM_GCS_TEST_AGENT_H
#define UVM_GCS_TEST_AGENT_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../hcs-api/gcs-client.h"
#include "test.h"
#include "../lib/stream-read.h"

/* The agent under test; UVM_TEST_AGENT names another build (e.g. sanitized). */
#define AGENT_BIN (getenv("UVM_TEST_AGENT") ? getenv("UVM_TEST_AGENT") : "build/guest-agent/uvm-agent")

struct test_agent {
	char dir[64];
	char base[128];
	pid_t pid;
	struct gcs_client *c;
	pthread_mutex_t lock;              /* the event counters */
	int exit_events, container_events;
	uint32_t last_process;
	int last_status;
	char last_container[64];
};

static inline void test_agent_on_event(void *ctx, const struct gcs_event *ev)
{
	struct test_agent *ta = ctx;

	pthread_mutex_lock(&ta->lock);
	if (ev->type == GCS_EVENT_PROCESS_EXITED) {
		ta->exit_events++;
		ta->last_process = ev->process;
	} else {
		ta->container_events++;
	}
	ta->last_status = ev->exit_status;
	snprintf(ta->last_container, sizeof(ta->last_container), "%s",
		 ev->container ? ev->container : "");
	pthread_mutex_unlock(&ta->lock);
}

/* Start the agent with extra arguments (NULL-terminated, up to 8); with
 * connect, also accept and negotiate. `env` (may be NULL) is put in the
 * agent's environment, "NAME=value". */
static inline bool test_agent_start_ex(struct test_agent *ta, bool connect,
				       const char *const *extra, const char *env)
{
	struct uvm_error err = { 0 };
	char run_dir[160], log[160];
	const char *argv[24];
	size_t n = 0;

	memset(ta, 0, sizeof(*ta));
	pthread_mutex_init(&ta->lock, NULL);
	snprintf(ta->dir, sizeof(ta->dir), "/tmp/gcs-agent-XXXXXX");
	if (!mkdtemp(ta->dir)) {
		perror("mkdtemp");
		return false;
	}
	snprintf(ta->base, sizeof(ta->base), "%s/vsock", ta->dir);
	snprintf(run_dir, sizeof(run_dir), "%s/run", ta->dir);
	snprintf(log, sizeof(log), "%s/agent.log", ta->dir);
	if (connect) {
		if (gcs_client_listen(ta->base, &ta->c, &err)) {
			printf("# listen: %s\n", err.msg);
			return false;
		}
		gcs_client_set_event_handler(ta->c, test_agent_on_event, ta);
		gcs_client_set_timeout(ta->c, 20000);
	}
	argv[n++] = AGENT_BIN;
	argv[n++] = "--unix-base";
	argv[n++] = ta->base;
	argv[n++] = "--run-dir";
	argv[n++] = run_dir;
	for (size_t i = 0; extra && extra[i] && n < 22; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	ta->pid = fork();
	if (ta->pid < 0)
		return false;
	if (ta->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd >= 0)
			dup2(fd, 2);
		/* Never outlive the test, whatever happens to it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (env)
			putenv((char *)env);
		execv(AGENT_BIN, (char *const *)argv);
		_exit(127);
	}
	if (connect && gcs_client_accept(ta->c, 10000, &err)) {
		printf("# accept: %s\n", err.msg);
		return false;
	}
	return true;
}

static inline bool test_agent_start(struct test_agent *ta)
{
	static const char *const extra[] = { "--exit-on-disconnect", NULL };

	return test_agent_start_ex(ta, true, extra, NULL);
}

static inline int test_rm_entry(const char *path, const struct stat *sb, int flag,
				struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);   /* best effort */
	return 0;
}

/* Wait for the agent to end by itself (ms), else kill it; its exit status. */
static inline int test_agent_wait(struct test_agent *ta, int ms)
{
	int status = -1;

	for (int waited = 0; ta->pid > 0; waited += 10) {
		pid_t r = waitpid(ta->pid, &status, WNOHANG);

		if (r == ta->pid) {
			ta->pid = 0;
			break;
		}
		if (waited >= ms) {
			kill(ta->pid, SIGKILL);
			waitpid(ta->pid, &status, 0);
			ta->pid = 0;
			return -1;
		}
		usleep(10000);
	}
	return status;
}

static inline void test_agent_stop(struct test_agent *ta)
{
	gcs_client_destroy(ta->c);     /* the agent exits on disconnect */
	ta->c = NULL;
	if (ta->pid > 0 && test_agent_wait(ta, 5000) < 0)
		printf("# the agent had to be killed\n");
	if (ta->dir[0])
		nftw(ta->dir, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	pthread_mutex_destroy(&ta->lock);
}

static inline int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - (pid == getpid());   /* our own listing's descriptor */
}

/* Children of pid in state Z, and all of its children. */
static inline int count_children(pid_t pid, bool zombies_only)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0;

	while (d && (de = readdir(d))) {
		char path[300], buf[512], *p;
		int fd, ppid;
		char state;
		ssize_t len;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 2, "%c %d", &state, &ppid) != 2)
			continue;
		if (ppid == pid && (!zombies_only || state == 'Z'))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

#endif
