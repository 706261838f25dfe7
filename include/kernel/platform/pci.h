/*
 * PCI configuration space through the legacy ports 0xCF8/0xCFC (the first
 * 256 bytes of each function, which is all cetbed reads), and a walk of
 * the buses that hold devices.
 */
#ifndef CETBED_KERNEL_PCI_H
#define CETBED_KERNEL_PCI_H

#include "types.h"

#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO BIT(0)
#define PCI_COMMAND_MEMORY BIT(1)
#define PCI_CLASS_REVISION 0x08 /* class, subclass, prog-if, revision from the top */
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_MULTIFUNCTION 0x80
#define PCI_BAR0 0x10
#define PCI_BAR_IO BIT(0)
#define PCI_BAR_MEM_64 0x4 /* memory BAR type field (bits 2:1) = 2 */
#define PCI_SECONDARY_BUS 0x19 /* type 1 (bridge) header */

#define PCI_CLASS_BRIDGE 0x06
#define PCI_SUBCLASS_PCI_BRIDGE 0x04
#define PCI_CLASS_COMM 0x07
#define PCI_SUBCLASS_SERIAL 0x00

struct pci_dev {
	u8 bus, dev, fn;
	u16 vendor, device;
	u8 class, subclass, prog_if;
	u8 header_type; /* without the multifunction bit */
};

u32 pci_read32(const struct pci_dev *d, u8 off);
void pci_write32(const struct pci_dev *d, u8 off, u32 v);
/*
 * Calls fn for every function on bus 0, on further root buses, and on the
 * secondary bus of every PCI-to-PCI bridge found; each bus once.  Returns
 * the number of buses scanned, 0 if the configuration ports do not answer.
 */
unsigned pci_scan(void (*fn)(const struct pci_dev *d, void *ctx), void *ctx);

#endif
