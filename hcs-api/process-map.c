/* ProcessConfig -> agent process requests and default OCI specs
 * (process-map.h). */
#include "process-map.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void free_vector(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int split_command_line(const char *line, char ***argv, size_t *argc, struct uvm_error *err)
{
	size_t len = strlen(line), n = 0;
	char **v = calloc(len / 2 + 2, sizeof(*v));
	char *word = malloc(len + 1);
	const char *p = line;

	if (!v || !word) {
		free(v);
		free(word);
		return uvm_err(err, -ENOMEM, "out of memory");
	}
	while (*p) {
		size_t w = 0;
		char quote = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		while (*p && (quote || (*p != ' ' && *p != '\t'))) {
			if (quote && *p == quote) {
				quote = 0;
			} else if (!quote && (*p == '"' || *p == '\'')) {
				quote = *p;
			} else if (*p == '\\' && p[1] && quote != '\'') {
				word[w++] = *++p;
			} else {
				word[w++] = *p;
			}
			p++;
		}
		if (quote) {
			free(word);
			free_vector(v);
			return uvm_err(err, -EINVAL, "CommandLine: unterminated %c quote", quote);
		}
		word[w] = '\0';
		if (!(v[n++] = strdup(word))) {
			free(word);
			free_vector(v);
			return uvm_err(err, -ENOMEM, "out of memory");
		}
	}
	free(word);
	*argv = v;
	*argc = n;
	return 0;
}

int process_request_build(const struct hcs_process_config *pc, struct process_request *pr,
			  struct uvm_error *err)
{
	size_t n = 0;
	int ret;

	memset(pr, 0, sizeof(*pr));
	if (pc->n_command_args) {
		pr->args = calloc(pc->n_command_args + 1, sizeof(char *));
		for (size_t i = 0; pr->args && i < pc->n_command_args; i++)
			if (!(pr->args[i] = strdup(pc->command_args[i])))
				return process_request_free(pr), uvm_err(err, -ENOMEM, "out of memory");
		if (!pr->args)
			return uvm_err(err, -ENOMEM, "out of memory");
		n = pc->n_command_args;
	} else if (pc->command_line && *pc->command_line) {
		if ((ret = split_command_line(pc->command_line, &pr->args, &n, err)) < 0)
			return ret;
	}
	if (n) {
		pr->params.args = (const char *const *)pr->args;
		pr->params.n_args = n;
	}
	if (pc->n_environment) {
		pr->env = calloc(pc->n_environment + 1, sizeof(char *));
		if (!pr->env)
			return process_request_free(pr), uvm_err(err, -ENOMEM, "out of memory");
		for (size_t i = 0; i < pc->n_environment; i++) {
			const struct hcs_env_var *e = &pc->environment[i];
			size_t len = strlen(e->name) + strlen(e->value) + 2;

			if (!(pr->env[i] = malloc(len)))
				return process_request_free(pr), uvm_err(err, -ENOMEM, "out of memory");
			snprintf(pr->env[i], len, "%s=%s", e->name, e->value);
		}
		pr->params.env = (const char *const *)pr->env;
		pr->params.n_env = pc->n_environment;
	}
	if (pc->working_directory && *pc->working_directory)
		pr->params.cwd = pc->working_directory;
	if (pc->user && *pc->user)
		pr->params.user = pc->user;
	pr->stdio.terminal = pc->emulate_console;
	pr->stdio.rows = pc->console_size[0];
	pr->stdio.cols = pc->console_size[1];
	pr->stdio.in = pc->create_std_in_pipe;
	pr->stdio.out = pc->create_std_out_pipe;
	pr->stdio.err = pc->create_std_err_pipe && !pc->emulate_console;
	return 0;
}

void process_request_free(struct process_request *pr)
{
	free_vector(pr->args);
	free_vector(pr->env);
	memset(pr, 0, sizeof(*pr));
}

static const char *const default_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
};

static json_t *string_array(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

char *oci_default_spec(const struct hcs_process_config *pc, const char *hostname)
{
	struct process_request pr;
	struct uvm_error err;
	json_t *caps, *process, *spec, *env;
	char *text = NULL;
	bool has_path = false;

	if (process_request_build(pc, &pr, &err) < 0)
		return NULL;
	if (!pr.params.n_args) {
		static const char *const sh[] = { "/bin/sh" };

		process = json_pack("{s:o}", "args", string_array(sh, 1));
	} else {
		process = json_pack("{s:o}", "args", string_array(pr.params.args, pr.params.n_args));
	}
	env = string_array(pr.params.env, pr.params.n_env);
	for (size_t i = 0; i < pr.params.n_env; i++)
		has_path |= strncmp(pr.params.env[i], "PATH=", 5) == 0;
	if (!has_path)
		json_array_append_new(env, json_string("PATH=/usr/local/sbin:/usr/local/bin:"
						       "/usr/sbin:/usr/bin:/sbin:/bin"));
	caps = string_array(default_caps, sizeof(default_caps) / sizeof(default_caps[0]));
	json_object_set_new(process, "env", env);
	json_object_set_new(process, "cwd", json_string(pr.params.cwd ? pr.params.cwd : "/"));
	json_object_set_new(process, "terminal", json_boolean(pc->emulate_console));
	json_object_set_new(process, "user", json_pack("{s:i, s:i}", "uid", 0, "gid", 0));
	json_object_set_new(process, "capabilities",
			    json_pack("{s:O, s:O, s:O, s:O}", "bounding", caps, "effective", caps,
				      "permitted", caps, "ambient", caps));
	json_object_set_new(process, "noNewPrivileges", json_true());
	json_decref(caps);
	if (pc->emulate_console && pc->console_size[0] && pc->console_size[1])
		json_object_set_new(process, "consoleSize",
				    json_pack("{s:i, s:i}", "height", (int)pc->console_size[0],
					      "width", (int)pc->console_size[1]));
	spec = json_pack(
		"{s:s, s:o, s:{s:s, s:b}, s:s, s:["
		"{s:s, s:s, s:s},"
		"{s:s, s:s, s:s, s:[s,s,s]},"
		"{s:s, s:s, s:s, s:[s,s,s,s,s]},"
		"{s:s, s:s, s:s, s:[s,s,s,s,s]},"
		"{s:s, s:s, s:s, s:[s,s,s,s]}],"
		"s:{s:[{s:s},{s:s},{s:s},{s:s}], s:[s,s,s,s], s:[s,s,s]}}",
		"ociVersion", "1.0.2", "process", process, "root", "path", "rootfs", "readonly", 0,
		"hostname", hostname, "mounts",
		"destination", "/proc", "type", "proc", "source", "proc",
		"destination", "/dev", "type", "tmpfs", "source", "tmpfs", "options", "nosuid",
		"strictatime", "mode=755",
		"destination", "/dev/pts", "type", "devpts", "source", "devpts", "options", "nosuid",
		"noexec", "newinstance", "ptmxmode=0666", "mode=0620",
		"destination", "/dev/shm", "type", "tmpfs", "source", "shm", "options", "nosuid",
		"noexec", "nodev", "mode=1777", "size=65536k",
		"destination", "/sys", "type", "sysfs", "source", "sysfs", "options", "nosuid",
		"noexec", "nodev", "ro",
		"linux", "namespaces", "type", "pid", "type", "mount", "type", "uts", "type", "ipc",
		"maskedPaths", "/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware",
		"readonlyPaths", "/proc/bus", "/proc/sys", "/proc/sysrq-trigger");
	if (spec)
		text = json_dumps(spec, JSON_COMPACT);
	json_decref(spec);
	process_request_free(&pr);
	return text;
}
