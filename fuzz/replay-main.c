/*
 * Replays files through a harness without libFuzzer, with any compiler:
 * make check runs each seed corpus this way (t/t9100-fuzz-corpus.sh).
 * Arguments are files or directories (their files, one level).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, alloc = 0, n;

	if (!fp) {
		fprintf(stderr, "replay: cannot open '%s'\n", path);
		return -1;
	}
	do {
		if (len == alloc) {
			unsigned char *p;

			alloc = alloc ? 2 * alloc : 65536;
			if (!(p = realloc(buf, alloc))) {
				fprintf(stderr, "replay: out of memory\n");
				free(buf);
				fclose(fp);
				return -1;
			}
			buf = p;
		}
		n = fread(buf + len, 1, alloc - len, fp);
		len += n;
	} while (n);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	int i, failed = 0, runs = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *dir;
		struct dirent *e;
		char **names = NULL;
		size_t n = 0, j;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: cannot stat '%s'\n", argv[i]);
			failed = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed |= run_file(argv[i]) < 0;
			runs++;
			continue;
		}
		if (!(dir = opendir(argv[i]))) {
			failed = 1;
			continue;
		}
		while ((e = readdir(dir))) {
			char **p;
			size_t l;

			if (e->d_name[0] == '.')
				continue;
			l = strlen(argv[i]) + strlen(e->d_name) + 2;
			if (!(p = realloc(names, (n + 1) * sizeof(*names))) ||
			    !(p[n] = malloc(l))) {
				fprintf(stderr, "replay: out of memory\n");
				exit(2);
			}
			names = p;
			snprintf(names[n++], l, "%s/%s", argv[i], e->d_name);
		}
		closedir(dir);
		qsort(names, n, sizeof(*names), cmp);
		for (j = 0; j < n; j++) {
			failed |= run_file(names[j]) < 0;
			runs++;
			free(names[j]);
		}
		free(names);
	}
	printf("replayed %d input%s\n", runs, runs == 1 ? "" : "s");
	return failed;
}
