/*
 * embed - turn a file into a C array at build time:
 *   embed INPUT OUTPUT.c SYMBOL
 * writes `const char SYMBOL[]` (NUL-terminated) and `const size_t SYMBOL_len`.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: embed INPUT OUTPUT.c SYMBOL\n");
		return 2;
	}
	FILE *in = fopen(argv[1], "rb");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	FILE *out = fopen(argv[2], "w");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	fprintf(out, "#include <stddef.h>\nconst char %s[] = {", argv[3]);
	size_t n = 0;
	int c;
	while ((c = fgetc(in)) != EOF) {
		fprintf(out, "%s%s%d", n ? "," : "", n % 20 ? "" : "\n", c);
		n++;
	}
	fprintf(out, "%s0};\nconst size_t %s_len = %zu;\n", n ? "," : "", argv[3], n);
	fclose(in);
	return fclose(out) == 0 ? 0 : 1;
}
