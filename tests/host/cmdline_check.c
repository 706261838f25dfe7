/*
 * Checks a kernel command line on the host with the kernel's own parser,
 * before an image that bakes it in is written: unknown or bad options and
 * tests= patterns that match none of the test names read from stdin (one a
 * line, as `cetbed.py list-tests --names` prints them) are
 * errors, each on one line, as the kernel would report them at boot.
 *
 * usage: cmdline-check 'CMDLINE' < names     exit 0 good, 1 bad, 64 usage
 */
#include <stdio.h>
#include <string.h>

#include "kernel/lib/cmdline.h"

#define NAMES_MAX 1024

static char names[NAMES_MAX][128];

int main(int argc, char **argv)
{
	static struct cmdline c;
	unsigned n = 0, errors = 0;
	char line[256];

	if (argc != 2) {
		fprintf(stderr, "usage: cmdline-check 'CMDLINE' < test-names\n");
		return 64;
	}
	if (strlen(argv[1]) >= CMDLINE_BUF) {
		printf("command line longer than %d bytes\n", CMDLINE_BUF - 1);
		return 1;
	}
	while (n < NAMES_MAX && fgets(line, sizeof(line), stdin))
		if (sscanf(line, "%127s", names[n]) == 1)
			n++;
	cmdline_parse(&c, argv[1]);
	for (unsigned i = 0; i < c.nr_unknown; i++, errors++)
		printf("unknown command-line option '%s'\n", c.unknown[i]);
	for (unsigned i = 0; i < c.nr_invalid; i++, errors++)
		printf("bad command-line option '%s'\n", c.invalid[i]);
	if (c.nr_dropped) {
		printf("%u command-line words dropped (too many)\n", c.nr_dropped);
		errors++;
	}
	for (unsigned i = 0; i < c.nr_patterns; i++) {
		bool hit = false;
		for (unsigned k = 0; k < n && !hit; k++)
			hit = glob_match(c.patterns[i], names[k]);
		if (!hit) {
			printf("tests= pattern '%s' matches no test\n", c.patterns[i]);
			errors++;
		}
	}
	return errors ? 1 : 0;
}
