/* A tiny ACPI Machine Language (AML) writer: just the objects our DSDT
 * declares (names, integers, strings, packages, buffers, devices, scopes)
 * and the resource descriptors inside _CRS buffers. Not an interpreter. */
#ifndef UVM_AML_H
#define UVM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool failed;   /* an allocation failed; the content is incomplete */
};

void aml_init(struct aml *a);
void aml_free(struct aml *a);

void aml_bytes(struct aml *a, const void *data, size_t len);
void aml_integer(struct aml *a, uint64_t value);
void aml_string(struct aml *a, const char *s);
/* A NameString: "\\_SB_", "PCI0", "_HID"; segments shorter than 4 chars
 * are padded with '_'. Only root-prefixed or single segments. */
void aml_name_string(struct aml *a, const char *name);
/* EISA id such as "PNP0A03", encoded as the compressed DWORD. */
uint32_t aml_eisa_id(const char *id);

/* Name(name, <value>) with the value given as ready AML. */
void aml_name(struct aml *a, const char *name, const struct aml *value);
void aml_name_integer(struct aml *a, const char *name, uint64_t value);
void aml_name_eisa_id(struct aml *a, const char *name, const char *id);
void aml_name_text(struct aml *a, const char *name, const char *text);

/* Package(n){ints...}, Buffer(){bytes}. */
void aml_package_integers(struct aml *a, const uint64_t *values, unsigned n);
void aml_buffer(struct aml *a, const struct aml *content);

/* Device(name){body} and Scope(name){body}. */
void aml_device(struct aml *a, const char *name, const struct aml *body);
void aml_scope(struct aml *a, const char *name, const struct aml *body);

/* Resource descriptors, appended to a buffer that aml_buffer() wraps;
 * finish with aml_res_end(). */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
void aml_res_irq(struct aml *a, unsigned irq);
void aml_res_bus_range(struct aml *a, uint16_t min, uint16_t max);
void aml_res_io_range(struct aml *a, uint16_t min, uint16_t max);
void aml_res_mem32_range(struct aml *a, uint32_t min, uint32_t max);
void aml_res_end(struct aml *a);

#endif
