/* PCI configuration access and bus walk (include/kernel/platform/pci.h). */
#include "kernel/platform/pci.h"
#include "x86/cpu.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE BIT(31)

static u32 pci_address(const struct pci_dev *d, u8 off)
{
	return PCI_CONFIG_ENABLE | (u32)d->bus << 16 | (u32)d->dev << 11 | (u32)d->fn << 8 |
	       (off & 0xfc);
}

u32 pci_read32(const struct pci_dev *d, u8 off)
{
	outl(PCI_CONFIG_ADDRESS, pci_address(d, off));
	return inl(PCI_CONFIG_DATA);
}

void pci_write32(const struct pci_dev *d, u8 off, u32 v)
{
	outl(PCI_CONFIG_ADDRESS, pci_address(d, off));
	outl(PCI_CONFIG_DATA, v);
}

/* Mechanism #1 latches what is written to 0xCF8; nothing there reads back differently. */
static bool pci_present(void)
{
	u32 old = inl(PCI_CONFIG_ADDRESS);
	outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE);
	bool ok = inl(PCI_CONFIG_ADDRESS) == PCI_CONFIG_ENABLE;
	outl(PCI_CONFIG_ADDRESS, old);
	return ok;
}

static bool pci_probe(struct pci_dev *d)
{
	u32 id = pci_read32(d, PCI_VENDOR_ID);
	if ((id & 0xffff) == 0xffff)
		return false;
	u32 cls = pci_read32(d, PCI_CLASS_REVISION);
	d->vendor = (u16)id;
	d->device = (u16)(id >> 16);
	d->class = (u8)(cls >> 24);
	d->subclass = (u8)(cls >> 16);
	d->prog_if = (u8)(cls >> 8);
	d->header_type = (u8)(pci_read32(d, PCI_HEADER_TYPE & 0xfc) >> 16);
	return true;
}

struct pci_walk {
	u8 queue[256];
	unsigned head, tail;
	u32 seen[256 / 32];
};

static void pci_queue(struct pci_walk *w, unsigned bus)
{
	if (bus > 255 || w->seen[bus / 32] & (1U << (bus % 32)))
		return;
	w->seen[bus / 32] |= 1U << (bus % 32);
	w->queue[w->tail++] = (u8)bus;
}

unsigned pci_scan(void (*fn)(const struct pci_dev *d, void *ctx), void *ctx)
{
	static struct pci_walk w; /* 300 bytes: kept off the kernel stack */
	unsigned scanned = 0;

	if (!pci_present())
		return 0;
	w = (struct pci_walk){ 0 };
	pci_queue(&w, 0);
	while (w.head < w.tail) {
		u8 bus = w.queue[w.head++];
		scanned++;
		for (u8 dev = 0; dev < 32; dev++) {
			for (u8 fn_nr = 0; fn_nr < 8; fn_nr++) {
				struct pci_dev d = { .bus = bus, .dev = dev, .fn = fn_nr };
				if (!pci_probe(&d)) {
					if (!fn_nr)
						break; /* no function 0: no device */
					continue;
				}
				bool multi = d.header_type & PCI_HEADER_MULTIFUNCTION;
				d.header_type &= (u8)~PCI_HEADER_MULTIFUNCTION;
				/* Host bridge 0:0.N is the root of bus N. */
				if (bus == 0 && dev == 0 && fn_nr && d.class == PCI_CLASS_BRIDGE &&
				    d.subclass == 0)
					pci_queue(&w, fn_nr);
				if (d.header_type == 1 && d.class == PCI_CLASS_BRIDGE &&
				    d.subclass == PCI_SUBCLASS_PCI_BRIDGE)
					pci_queue(&w, (pci_read32(&d, PCI_SECONDARY_BUS & 0xfc) >> 8) & 0xff);
				fn(&d, ctx);
				if (!fn_nr && !multi)
					break;
			}
		}
	}
	return scanned;
}
