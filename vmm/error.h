/* Error values shared by the whole project: a negative errno-style code plus
 * one human-readable message, built where the failure is understood and shown
 * where the user sees it. Not a logging facility. */
#ifndef UVM_ERROR_H
#define UVM_ERROR_H

#include <stddef.h>

struct uvm_error {
	int code;       /* negative errno-style value, 0 when no error */
	char msg[512];  /* one line, no trailing newline */
};

/* Record an error and return its (negative) code, so callers can write
 * `return uvm_err(err, -EINVAL, "...")`. A NULL err is allowed. */
int uvm_err(struct uvm_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like uvm_err, appending ": strerror(-code)". */
int uvm_err_sys(struct uvm_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix an already recorded message with more context ("kernel: " + msg). */
void uvm_err_prefix(struct uvm_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void uvm_err_clear(struct uvm_error *err);

#endif
