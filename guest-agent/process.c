/* Processes the agent tracks: the table and its handles, spawning a process
 * in the UVM itself (fork/exec, CreateInUtilityVm), signals, console size,
 * closing stdin, and reaping (waitpid(-1) for everyone, so orphans never pile
 * up, keeping the statuses of the processes we track). Container processes are
 * started by crun (container.c) and only tracked here. Stdio is stdio.c's. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

const char *const process_default_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	NULL,
};

static void relay_reset(struct relay *r)
{
	memset(r, 0, sizeof(*r));
	r->from = r->to = -1;
}

bool process_done(const struct process *p)
{
	return p->exited && !relay_active(&p->in) && !relay_active(&p->out) &&
	       !relay_active(&p->err);
}

static void process_free(struct process *p)
{
	relay_close(&p->in);
	relay_close(&p->out);
	relay_close(&p->err);
	if (p->pty_master >= 0)
		close(p->pty_master);
	free(p);
}

static void process_unlink(struct agent *a, struct process *p)
{
	for (struct process **pp = &a->processes; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			a->n_processes--;
			return;
		}
	}
}

/* At the limit, forget the process that exited first and is fully done. */
static bool evict_one(struct agent *a)
{
	struct process *victim = NULL;

	for (struct process *p = a->processes; p; p = p->next) {
		if (process_done(p) && (!victim || p->exit_seq < victim->exit_seq))
			victim = p;
	}
	if (!victim)
		return false;
	agent_debug("forgetting process %u (exited, never released)", victim->id);
	process_unlink(a, victim);
	process_free(victim);
	return true;
}

struct process *process_new(struct agent *a, struct uvm_error *err)
{
	struct process *p;

	if (a->n_processes >= GCS_PROCESSES_MAX && !evict_one(a)) {
		uvm_err(err, -EMFILE, "too many processes (at most %u tracked)", GCS_PROCESSES_MAX);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		uvm_err(err, -ENOMEM, "out of memory");
		return NULL;
	}
	relay_reset(&p->in);
	relay_reset(&p->out);
	relay_reset(&p->err);
	p->pty_master = -1;
	p->id = a->next_process_id++;
	if (!a->next_process_id)    /* 2^32 processes later: 0 is never a handle */
		a->next_process_id = 1;
	return p;
}

void process_discard(struct agent *a, struct process *p)
{
	(void)a;
	process_free(p);
}

void process_register(struct agent *a, struct process *p)
{
	clock_gettime(CLOCK_REALTIME, &p->started);
	p->next = a->processes;
	a->processes = p;
	a->n_processes++;
}

struct process *process_find(struct agent *a, uint32_t id)
{
	for (struct process *p = a->processes; p; p = p->next) {
		if (p->id == id)
			return p;
	}
	return NULL;
}

int exit_status_of(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

/* ---- spawning in the UVM ---- */

enum child_stage { STAGE_SETUP = 1, STAGE_CHDIR, STAGE_USER, STAGE_EXEC };

struct child_failure {
	int stage;
	int errnum;
};

static void child_fail(int fd, int stage)
{
	struct child_failure f = { stage, errno };

	if (write(fd, &f, sizeof(f)) < 0) {
		/* The parent sees a short read and reports the setup stage. */
	}
	_exit(127);
}

static const char *env_path(char *const *env)
{
	for (; *env; env++) {
		if (!strncmp(*env, "PATH=", 5))
			return *env + 5;
	}
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

/* execve with a PATH search in the child's environment (not the agent's). */
static void exec_search(char *const *args, char *const *env)
{
	const char *path, *dir;
	int first_err = ENOENT;
	char full[GCS_PATH_MAX + 1];

	if (strchr(args[0], '/')) {
		execve(args[0], args, env);
		return;
	}
	path = env_path(env);
	for (dir = path;; dir = strchr(dir, ':') + 1) {
		size_t dlen = strcspn(dir, ":");
		int n = snprintf(full, sizeof(full), "%.*s%s%s", (int)dlen, dir, dlen ? "/" : "",
				 args[0]);

		if (n > 0 && (size_t)n < sizeof(full)) {
			execve(full, args, env);
			if (errno != ENOENT && errno != ENOTDIR && first_err == ENOENT)
				first_err = errno;
		}
		if (!dir[dlen])
			break;
	}
	errno = first_err;
}

static void child_main(const struct process_params *pp, const struct user_ids *user,
		       const int child_fds[3], bool terminal, int fail_fd)
{
	sigset_t none;
	char *const *env = pp->env ? pp->env : (char *const *)process_default_env;

	/* The agent blocks signals for its signalfd and ignores SIGPIPE:
	 * neither may leak into the program. */
	sigemptyset(&none);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0 || setsid() < 0)
		child_fail(fail_fd, STAGE_SETUP);
	for (int i = 0; i < 3; i++) {
		int fd = child_fds[i];

		if (fd < 0) {
			fd = open("/dev/null", O_RDWR);
			if (fd < 0)
				child_fail(fail_fd, STAGE_SETUP);
		}
		if (fd == i) {
			if (fcntl(fd, F_SETFD, 0) < 0)
				child_fail(fail_fd, STAGE_SETUP);
		} else if (dup2(fd, i) < 0) {
			child_fail(fail_fd, STAGE_SETUP);
		}
	}
	if (terminal && ioctl(0, TIOCSCTTY, 0) < 0)
		child_fail(fail_fd, STAGE_SETUP);
	/* Everything else the agent has open stays out of the program. */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		child_fail(fail_fd, STAGE_SETUP);
	if (chdir(pp->cwd ? pp->cwd : "/") < 0)
		child_fail(fail_fd, STAGE_CHDIR);
	if (user && (setgroups(user->n_groups, user->groups) < 0 || setgid(user->gid) < 0 ||
		     setuid(user->uid) < 0))
		child_fail(fail_fd, STAGE_USER);
	exec_search(pp->args, env);
	child_fail(fail_fd, STAGE_EXEC);
}

static int spawn_error(const struct process_params *pp, const struct child_failure *f,
		       struct uvm_error *err)
{
	switch (f->stage) {
	case STAGE_CHDIR:
		return uvm_err_sys(err, -f->errnum, "working directory %s", pp->cwd ? pp->cwd : "/");
	case STAGE_USER:
		return uvm_err_sys(err, -f->errnum, "user %s", pp->user);
	case STAGE_EXEC:
		return uvm_err_sys(err, -f->errnum, "exec %s", pp->args[0]);
	default:
		return uvm_err_sys(err, f->errnum > 0 ? -f->errnum : -EIO, "process setup");
	}
}

int process_spawn_uvm(struct agent *a, const struct process_params *pp,
		      const struct stdio_params *sp, struct process **out, struct uvm_error *err)
{
	struct user_ids user = { 0 };
	struct child_failure f = { 0 };
	int child_fds[3] = { -1, -1, -1 }, fail[2] = { -1, -1 };
	struct process *p;
	ssize_t n;
	pid_t pid;
	int ret;

	if (!pp->args || !pp->n_args)
		return uvm_err(err, -EINVAL, "process.args: required for a process in the UVM");
	p = process_new(a, err);
	if (!p)
		return err ? err->code : -ENOMEM;
	if (pp->user && (ret = user_resolve("/", pp->user, &user, err)))
		goto out_discard;
	ret = stdio_open(a, p, sp, true, child_fds, err);
	if (ret)
		goto out_user;
	if (pipe2(fail, O_CLOEXEC) < 0) {
		ret = uvm_err_sys(err, -errno, "pipe");
		goto out_fds;
	}
	pid = fork();
	if (pid < 0) {
		ret = uvm_err_sys(err, -errno, "fork");
		goto out_fds;
	}
	if (pid == 0) {
		close(fail[0]);
		child_main(pp, pp->user ? &user : NULL, child_fds, sp->terminal, fail[1]);
	}
	close(fail[1]);
	fail[1] = -1;
	do
		n = read(fail[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	if (n != 0) {
		/* The child failed before exec and is exiting: collect it here,
		 * it never becomes a tracked process. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (n != sizeof(f))
			f.stage = STAGE_SETUP, f.errnum = EIO;
		ret = spawn_error(pp, &f, err);
		goto out_fds;
	}
	p->pid = pid;
	process_register(a, p);
	agent_debug("process %u: pid %d, %s", p->id, pid, pp->args[0]);
	*out = p;
	p = NULL;
	ret = 0;
out_fds:
	stdio_close_child_fds(child_fds);
	for (int i = 0; i < 2; i++) {
		if (fail[i] >= 0)
			close(fail[i]);
	}
out_user:
	user_ids_free(&user);
out_discard:
	if (p)
		process_discard(a, p);
	return ret;
}

/* ---- requests on a process ---- */

int process_signal(struct process *p, int sig, struct uvm_error *err)
{
	if (p->exited)
		return uvm_err(err, -ESRCH, "process %u has exited", p->id);
	if (kill(p->pid, sig) < 0)
		return uvm_err_sys(err, -errno, "kill(%d, %d)", p->pid, sig);
	return 0;
}

int process_resize(struct process *p, unsigned rows, unsigned cols, struct uvm_error *err)
{
	if (!p->terminal)
		return uvm_err(err, -EBUSY, "process %u has no terminal", p->id);
	if (p->exited || p->pty_master < 0)
		return uvm_err(err, -ESRCH, "process %u has exited", p->id);
	return stdio_set_winsize(p->pty_master, rows, cols, err);
}

int process_close_stdin(struct process *p, struct uvm_error *err)
{
	(void)err;
	if (!relay_active(&p->in))
		return 0;
	/* What the host wrote before asking is still queued on the stream:
	 * the stream ends after it (then a terminal gets VEOF, a pipe its end). */
	if (p->in.from >= 0 && shutdown(p->in.from, SHUT_RD) < 0) {
		close(p->in.from);
		p->in.from = -1;
		p->in.eof = true;
	}
	relay_pump(&p->in);
	return 0;
}

void process_release(struct agent *a, struct process *p)
{
	p->released = true;
	process_collect(a);
}

void process_collect(struct agent *a)
{
	struct process **pp = &a->processes;

	while (*pp) {
		struct process *p = *pp;

		if (p->released && process_done(p)) {
			*pp = p->next;
			a->n_processes--;
			process_free(p);
			continue;
		}
		pp = &p->next;
	}
}

static struct process *find_running_pid(struct agent *a, pid_t pid)
{
	for (struct process *p = a->processes; p; p = p->next) {
		if (!p->exited && p->pid == pid)
			return p;
	}
	return NULL;
}

static void process_exited(struct agent *a, struct process *p, int wstatus)
{
	p->exited = true;
	p->exit_status = exit_status_of(wstatus);
	p->exit_seq = ++a->exit_seq;
	/* Nobody reads stdin any more; output already written still flows
	 * until its pipe or terminal ends. */
	relay_close(&p->in);
	relay_pump(&p->out);
	relay_pump(&p->err);
	if (p->pty_master >= 0) {
		close(p->pty_master);
		p->pty_master = -1;
	}
	agent_debug("process %u (pid %d) exited with status %d", p->id, p->pid, p->exit_status);
	agent_event_process_exited(a, p);
	if (p->is_init) {
		struct container *c = container_find(a, p->container_id);

		if (c && c->init_id == p->id)
			container_init_exited(a, c, p->exit_status);
	}
}

void process_reap(struct agent *a)
{
	for (;;) {
		int wstatus;
		pid_t pid = waitpid(-1, &wstatus, WNOHANG);
		struct process *p;

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		if (!WIFEXITED(wstatus) && !WIFSIGNALED(wstatus))
			continue;
		p = find_running_pid(a, pid);
		if (p)
			process_exited(a, p, wstatus);
		else
			agent_debug("reaped orphan %d", pid);
	}
}
