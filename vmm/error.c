/* Error values: formatting helpers for struct uvm_error (see error.h). */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int uvm_err(struct uvm_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int uvm_err_sys(struct uvm_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	used = strlen(err->msg);
	snprintf(err->msg + used, sizeof(err->msg) - used, ": %s", strerror(-code));
	return code;
}

void uvm_err_prefix(struct uvm_error *err, const char *fmt, ...)
{
	char prefix[256];
	size_t plen, olen;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	plen = strlen(prefix);
	olen = strlen(err->msg);
	if (plen + olen >= sizeof(err->msg))
		olen = sizeof(err->msg) - 1 - plen;
	memmove(err->msg + plen, err->msg, olen);
	memcpy(err->msg, prefix, plen);
	err->msg[plen + olen] = '\0';
}

void uvm_err_clear(struct uvm_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
