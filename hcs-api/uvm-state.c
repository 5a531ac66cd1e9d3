/* The compute systems' state folder (uvm-state.h). */
#include "uvm-state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hcs-error.h"

int state_check_id(const char *id, struct hcs_error *err)
{
	size_t len = id ? strlen(id) : 0;

	if (len == 0)
		return hcs_err(err, HCS_E_INVALID_DATA, EINVAL, "id: empty");
	if (len > HCS_ID_MAX)
		return hcs_err(err, HCS_E_INVALID_DATA, ENAMETOOLONG, "id: longer than %d bytes",
			       HCS_ID_MAX);
	for (size_t i = 0; i < len; i++) {
		char c = id[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return hcs_err(err, HCS_E_INVALID_DATA, EINVAL,
				       "id \"%.*s\": only letters, digits, '_', '.' and '-', starting "
				       "with a letter or digit", (int)(len > 64 ? 64 : len), id);
	}
	return 0;
}

int state_path(const char *root, const char *id, const char *name, char *buf, size_t size,
	       struct hcs_error *err)
{
	int n = name ? snprintf(buf, size, "%s/%s/%s", root, id, name)
		     : snprintf(buf, size, "%s/%s", root, id);

	if (n < 0 || (size_t)n >= size)
		return hcs_err(err, HCS_E_INVALID_DATA, ENAMETOOLONG, "state path under %s: too long",
			       root);
	return 0;
}

static int mkdir_parents(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int state_create(const char *root, const char *id, struct hcs_error *err)
{
	char path[PATH_MAX];
	int ret;

	if (state_check_id(id, err))
		return -1;
	if (snprintf(path, sizeof(path), "%s", root) >= (int)sizeof(path))
		return hcs_err(err, HCS_E_INVALID_DATA, ENAMETOOLONG, "root: too long");
	if ((ret = mkdir_parents(path, 0711)) < 0)
		return hcs_err(err, HCS_E_SYSTEM, -ret, "state folder %s: %s", root, strerror(-ret));
	if (state_path(root, id, NULL, path, sizeof(path), err))
		return -1;
	if (mkdir(path, 0700) < 0) {
		if (errno == EEXIST)
			return hcs_err(err, HCS_E_ALREADY_EXISTS, EEXIST,
				       "a compute system with id \"%s\" already exists", id);
		return hcs_err(err, HCS_E_SYSTEM, errno, "%s: %s", path, strerror(errno));
	}
	return 0;
}

int state_exists(const char *root, const char *id, struct hcs_error *err)
{
	char path[PATH_MAX];
	struct stat st;

	if (state_check_id(id, err) || state_path(root, id, NULL, path, sizeof(path), err))
		return -1;
	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return hcs_err(err, HCS_E_NOT_EXIST, ENOENT, "no compute system with id \"%s\"", id);
	return 0;
}

bool state_host_alive(const char *root, const char *id)
{
	char path[PATH_MAX];
	bool alive;
	int fd;

	if (state_path(root, id, STATE_LOCK, path, sizeof(path), NULL))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	alive = flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return alive;
}

static int read_small(const char *root, const char *id, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	if (state_path(root, id, name, path, sizeof(path), NULL))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

int state_host_pid(const char *root, const char *id)
{
	char buf[32];

	return read_small(root, id, STATE_PID, buf, sizeof(buf)) ? 0 : atoi(buf);
}

int state_exit_status(const char *root, const char *id, int *status)
{
	char buf[256];

	if (read_small(root, id, STATE_EXIT, buf, sizeof(buf)))
		return -1;
	*status = atoi(buf);
	return 0;
}

int state_remove(const char *root, const char *id, struct hcs_error *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int dfd;

	if (state_exists(root, id, err) || state_path(root, id, NULL, path, sizeof(path), err))
		return -1;
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return hcs_err(err, HCS_E_SYSTEM, errno, "%s: %s", path, strerror(errno));
	}
	/* The host only makes plain files and sockets here. */
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	if (rmdir(path) < 0)
		return hcs_err(err, HCS_E_SYSTEM, errno, "%s: %s", path, strerror(errno));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list(const char *root, char ***ids, size_t *n, struct hcs_error *err)
{
	DIR *d = opendir(root);
	struct dirent *de;
	char **v = NULL;
	size_t count = 0;

	*ids = NULL;
	*n = 0;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return hcs_err(err, HCS_E_SYSTEM, errno, "%s: %s", root, strerror(errno));
	}
	while ((de = readdir(d))) {
		char **grown;

		if (de->d_name[0] == '.' || state_check_id(de->d_name, NULL))
			continue;
		grown = realloc(v, (count + 1) * sizeof(*v));
		if (!grown || !(grown[count] = strdup(de->d_name))) {
			v = grown ? grown : v;
			state_list_free(v, count);
			closedir(d);
			return hcs_err(err, HCS_E_SYSTEM, ENOMEM, "out of memory");
		}
		v = grown;
		count++;
	}
	closedir(d);
	if (count)
		qsort(v, count, sizeof(*v), cmp_str);
	*ids = v;
	*n = count;
	return 0;
}

void state_list_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}
