/* epoll-based main loop (event-loop.h). */
#include "event-loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

int loop_init(struct event_loop *loop, struct uvm_error *err)
{
	loop->stop = false;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
		return uvm_err_sys(err, -errno, "epoll_create1");
	return 0;
}

void loop_destroy(struct event_loop *loop)
{
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
}

static int loop_ctl(struct event_loop *loop, int op, struct loop_source *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	if (epoll_ctl(loop->epfd, op, src->fd, &ev) < 0)
		return -errno;
	return 0;
}

int loop_add(struct event_loop *loop, struct loop_source *src, uint32_t events)
{
	return loop_ctl(loop, EPOLL_CTL_ADD, src, events);
}

int loop_modify(struct event_loop *loop, struct loop_source *src, uint32_t events)
{
	return loop_ctl(loop, EPOLL_CTL_MOD, src, events);
}

int loop_remove(struct event_loop *loop, struct loop_source *src)
{
	return loop_ctl(loop, EPOLL_CTL_DEL, src, 0);
}

int loop_run_once(struct event_loop *loop, int timeout_ms)
{
	struct epoll_event events[16];
	int n = epoll_wait(loop->epfd, events, 16, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct loop_source *src = events[i].data.ptr;

		src->handler(src, events[i].events);
	}
	return n;
}
