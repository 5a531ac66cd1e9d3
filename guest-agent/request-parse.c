/* The field groups several agent requests share, parsed and checked
 * without acting: a process's arguments, environment, folder and user, and
 * its stdio ports. (The fuzz target for the agent's protocol drives these
 * with protocol.c's frame reader and storage-request.c.) */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void request_process_params_free(struct process_params *pp)
{
	strv_free(pp->args);
	strv_free(pp->env);
	memset(pp, 0, sizeof(*pp));
}

int request_parse_process(const json_t *req, struct process_params *pp, struct uvm_error *err)
{
	static const char *const keys[] = { "args", "env", "cwd", "user", NULL };
	json_t *obj = NULL;
	int ret;

	memset(pp, 0, sizeof(*pp));
	ret = jfield_object(req, "", "process", false, &obj, err);
	if (ret || !obj)
		return ret;
	ret = jfield_keys(obj, "process", keys, err);
	if (!ret)
		ret = jfield_strings(obj, "process", "args", false, GCS_ARGS_MAX, GCS_ARG_LEN_MAX,
				     &pp->args, &pp->n_args, err);
	if (!ret && pp->args && !pp->n_args)
		ret = uvm_err(err, -EINVAL, "process.args: must not be empty");
	if (!ret)
		ret = jfield_strings(obj, "process", "env", false, GCS_ARGS_MAX, GCS_ARG_LEN_MAX,
				     &pp->env, &pp->n_env, err);
	for (size_t i = 0; !ret && i < pp->n_env; i++) {
		const char *eq = strchr(pp->env[i], '=');

		if (!eq || eq == pp->env[i])
			ret = uvm_err(err, -EINVAL, "process.env[%zu]: expected NAME=value", i);
	}
	if (!ret)
		ret = jfield_string(obj, "process", "cwd", false, GCS_PATH_MAX, &pp->cwd, err);
	if (!ret && pp->cwd)
		ret = request_check_path("process.cwd", pp->cwd, err);
	if (!ret)
		ret = jfield_string(obj, "process", "user", false, 255, &pp->user, err);
	if (!ret && pp->user && !*pp->user)
		pp->user = NULL;
	if (ret)
		request_process_params_free(pp);
	return ret;
}

int request_parse_stdio(const json_t *req, uint32_t control_port, struct stdio_params *sp,
			struct uvm_error *err)
{
	static const char *const keys[] = { "terminal", "rows", "cols", "stdin_port",
					    "stdout_port", "stderr_port", NULL };
	static const char *const port_keys[3] = { "stdin_port", "stdout_port", "stderr_port" };
	uint32_t *ports[3] = { &sp->stdin_port, &sp->stdout_port, &sp->stderr_port };
	uint64_t v;
	json_t *obj = NULL;
	int ret;

	memset(sp, 0, sizeof(*sp));
	ret = jfield_object(req, "", "stdio", false, &obj, err);
	if (ret || !obj)
		return ret;
	ret = jfield_keys(obj, "stdio", keys, err);
	if (!ret)
		ret = jfield_bool(obj, "stdio", "terminal", &sp->terminal, err);
	v = 0;
	if (!ret)
		ret = jfield_uint(obj, "stdio", "rows", false, 0, GCS_CONSOLE_MAX, &v, err);
	sp->rows = (unsigned)v;
	v = 0;
	if (!ret)
		ret = jfield_uint(obj, "stdio", "cols", false, 0, GCS_CONSOLE_MAX, &v, err);
	sp->cols = (unsigned)v;
	for (int i = 0; i < 3 && !ret; i++) {
		v = 0;
		ret = jfield_uint(obj, "stdio", port_keys[i], false, 1, UINT32_MAX, &v, err);
		*ports[i] = (uint32_t)v;
		if (!ret && v && v == control_port)
			ret = uvm_err(err, -EINVAL, "stdio.%s: %u is the control port",
				      port_keys[i], (unsigned)v);
		for (int j = 0; j < i && !ret && v; j++) {
			if (*ports[j] == v)
				ret = uvm_err(err, -EINVAL, "stdio.%s: port %u is also %s",
					      port_keys[i], (unsigned)v, port_keys[j]);
		}
	}
	if (!ret && sp->terminal && sp->stderr_port)
		ret = uvm_err(err, -EINVAL, "stdio.stderr_port: a terminal has no separate stderr");
	return ret;
}

