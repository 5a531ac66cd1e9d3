/* Connecting a terminal or pipes to a container process (cli-io.h): copy
 * our stdin to the process and its outputs to ours, forward SIGINT, SIGTERM
 * and SIGHUP to it, follow window size changes in terminal mode, and return
 * its exit code. */
#include "cli-io.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "../vmm/fileio.h"

/* Copy what is readable on from to `to`; false at end of stream. */
static bool copy_once(int from, int to)
{
	char buf[65536];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return write_full(to, buf, (size_t)n) == 0;
}

int cli_attach(struct hcs_process *p, bool terminal, int *exit_code, struct hcs_error *err)
{
	struct termios saved, raw;
	bool raw_mode = false;
	sigset_t sigs, old;
	int in, out, errfd, sfd, ret;

	hcs_process_stdio(p, &in, &out, &errfd, err);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGWINCH);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (terminal && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		raw_mode = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	while (out >= 0 || errfd >= 0) {
		struct pollfd pfd[4] = {
			{ .fd = in >= 0 ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = out, .events = POLLIN },
			{ .fd = errfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};

		if (poll(pfd, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents && !copy_once(STDIN_FILENO, in)) {
			struct hcs_error ignored;

			hcs_process_close_stdin(p, &ignored);
			in = -1;
		}
		if (pfd[1].revents && !copy_once(out, STDOUT_FILENO))
			out = -1;
		if (pfd[2].revents && !copy_once(errfd, STDERR_FILENO))
			errfd = -1;
		if (pfd[3].revents) {
			struct signalfd_siginfo si;
			struct hcs_error ignored;

			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGWINCH) {
				struct winsize ws;

				if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
					hcs_process_resize_console(p, ws.ws_row, ws.ws_col, &ignored);
			} else {
				hcs_process_signal(p, (int)si.ssi_signo, &ignored);
			}
		}
	}
	if (raw_mode)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	ret = hcs_process_wait(p, err);
	if (ret == 0)
		ret = hcs_process_exit_code(p, exit_code, err);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int cli_console_size(unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_row || !ws.ws_col)
		return -1;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return 0;
}
