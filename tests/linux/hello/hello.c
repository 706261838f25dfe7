/* A static hello world: what `make bench-elf` times from boot to exit. */
#include <stdio.h>

int main(void)
{
	printf("hello, world\n");
	return 0;
}
