/* Page tables, GDT and registers for the Linux 64-bit entry (x86-entry.h). */
#include "x86-entry.h"

#include <errno.h>
#include <string.h>

#include "../vmm/bytes.h"
#include "../vmm/layout.h"

#define PTE_PRESENT 0x1ULL
#define PTE_WRITE   0x2ULL
#define PTE_LARGE   0x80ULL

#define CR0_PE 0x1ULL
#define CR0_ET 0x10ULL
#define CR0_NW 0x20000000ULL
#define CR0_CD 0x40000000ULL
#define CR0_PG 0x80000000ULL
#define CR4_PAE 0x20ULL
#define EFER_LME 0x100ULL
#define EFER_LMA 0x400ULL

/* Descriptor fields: flags hold the access byte and the G/D/L nibble. */
static uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000) << 32) | ((uint64_t)(flags & 0xf0ff) << 40) |
	       ((uint64_t)(limit & 0xf0000) << 32) | ((uint64_t)(base & 0x00ffffff) << 16) |
	       (uint64_t)(limit & 0xffff);
}

int x86_write_boot_tables(const struct guest_memory *gm)
{
	uint64_t gdt[5] = {
		0,
		0,
		gdt_entry(0xa09b, 0, 0xfffff), /* 0x10: 64-bit code, present, G, L */
		gdt_entry(0xc093, 0, 0xfffff), /* 0x18: data, present, G, D/B */
		gdt_entry(0x008b, 0, 0x67),    /* 0x20: 64-bit TSS, busy */
	};
	uint8_t *pml4 = gm_ptr(gm, BOOT_PML4_ADDR, 4096);
	uint8_t *pdpt = gm_ptr(gm, BOOT_PDPT_ADDR, 4096);
	uint8_t *pd = gm_ptr(gm, BOOT_PD_ADDR, 4 * 4096);
	uint8_t *gdt_mem = gm_ptr(gm, BOOT_GDT_ADDR, sizeof(gdt));
	uint8_t *idt_mem = gm_ptr(gm, BOOT_IDT_ADDR, 8);

	if (!pml4 || !pdpt || !pd || !gdt_mem || !idt_mem)
		return -EFAULT;
	for (unsigned i = 0; i < 5; i++)
		put_le64(gdt_mem + 8 * i, gdt[i]);
	memset(idt_mem, 0, 8);

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	put_le64(pml4, BOOT_PDPT_ADDR | PTE_PRESENT | PTE_WRITE);
	for (uint64_t i = 0; i < 4; i++)
		put_le64(pdpt + 8 * i, (BOOT_PD_ADDR + i * 4096) | PTE_PRESENT | PTE_WRITE);
	for (uint64_t i = 0; i < 4 * 512; i++)
		put_le64(pd + 8 * i, (i << 21) | PTE_PRESENT | PTE_WRITE | PTE_LARGE);
	return 0;
}

static void flat_segment(struct kvm_segment *seg, uint16_t selector, uint8_t type, int code)
{
	memset(seg, 0, sizeof(*seg));
	seg->base = 0;
	seg->limit = 0xffffffff;
	seg->selector = selector;
	seg->type = type;
	seg->present = 1;
	seg->dpl = 0;
	seg->s = 1;
	seg->g = 1;
	seg->l = code ? 1 : 0;
	seg->db = code ? 0 : 1;
}

void x86_boot_sregs(struct kvm_sregs *sregs)
{
	flat_segment(&sregs->cs, BOOT_CS_SELECTOR, 0xb, 1);
	flat_segment(&sregs->ds, BOOT_DS_SELECTOR, 0x3, 0);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;

	memset(&sregs->tr, 0, sizeof(sregs->tr));
	sregs->tr.selector = BOOT_TSS_SELECTOR;
	sregs->tr.limit = 0x67;
	sregs->tr.type = 0xb;
	sregs->tr.present = 1;

	memset(&sregs->ldt, 0, sizeof(sregs->ldt));
	sregs->ldt.type = 0x2;
	sregs->ldt.present = 1;
	sregs->ldt.limit = 0xffff;

	sregs->gdt.base = BOOT_GDT_ADDR;
	sregs->gdt.limit = 5 * 8 - 1;
	sregs->idt.base = BOOT_IDT_ADDR;
	sregs->idt.limit = 0;

	sregs->cr3 = BOOT_PML4_ADDR;
	sregs->cr4 |= CR4_PAE;
	/* Caches on: the reset value of CR0 has CD and NW set, which makes a
	 * guest crawl wherever the hypervisor honours them. */
	sregs->cr0 = (sregs->cr0 & ~(CR0_CD | CR0_NW)) | CR0_PE | CR0_ET | CR0_PG;
	sregs->efer |= EFER_LME | EFER_LMA;
}

void x86_boot_regs(struct kvm_regs *regs, uint64_t entry, uint64_t zero_page)
{
	memset(regs, 0, sizeof(*regs));
	regs->rflags = 0x2;
	regs->rip = entry;
	regs->rsi = zero_page;
	regs->rsp = BOOT_STACK_TOP;
	regs->rbp = BOOT_STACK_TOP;
}
