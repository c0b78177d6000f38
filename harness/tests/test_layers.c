// SPDX-License-Identifier: GPL-2.0
/*
 * docs/architecture.md states the layers; the code must keep to them: every
 * folder it names exists, every folder of harness/src is named, and every
 * #include "..." goes to the file's own folder or to a lower floor.
 */
#define _GNU_SOURCE
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "lib/base.h"
#include "lib/fileio.h"
#include "lib/path.h"
#include "lib/strbuf.h"

#define SRC IPUTSTORM_SOURCE_DIR "/harness/src"

struct layer {
	char name[32]; /* "host" (a folder) or "main.c" */
	int floor;
};

static struct layer layers[16];
static size_t nlayers;

/* Rows "| 4 | `host/` | ..." of the table after the "layers" marker. */
static void read_layers(void)
{
	_cleanup_free_ char *doc = read_file(IPUTSTORM_SOURCE_DIR "/docs/architecture.md", NULL);
	char *save = NULL, *p;

	ck_assert_msg(doc, "docs/architecture.md is missing");
	p = strstr(doc, "<!-- layers");
	ck_assert_msg(p, "docs/architecture.md has no layer table");
	/* The table ends at the first blank line. */
	if (strstr(p, "\n\n"))
		*strstr(p, "\n\n") = '\0';
	nlayers = 0;
	for (char *l = strtok_r(p, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct layer *y = &layers[nlayers];
		char name[32];

		if (sscanf(l, "| %d | `%31[^`]` |", &y->floor, name) != 2)
			continue;
		if (str_endswith(name, "/"))
			name[strlen(name) - 1] = '\0';
		snprintf(y->name, sizeof(y->name), "%s", name);
		ck_assert_uint_lt(++nlayers, ARRAY_SIZE(layers));
	}
	ck_assert_uint_ge(nlayers, 7);
}

static const struct layer *layer_of(const char *name)
{
	for (size_t i = 0; i < nlayers; i++)
		if (!strcmp(layers[i].name, name))
			return &layers[i];
	return NULL;
}

START_TEST(every_folder_the_document_names_exists_and_every_folder_is_named)
{
	_cleanup_dir_ DIR *d = opendir(SRC);
	struct dirent *de;

	read_layers();
	for (size_t i = 0; i < nlayers; i++) {
		_cleanup_free_ char *p = path_join(SRC, layers[i].name);

		ck_assert_msg(path_exists(p), "docs/architecture.md names %s, which is not in %s",
			      layers[i].name, SRC);
	}
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			ck_assert_msg(layer_of(de->d_name), "%s/%s is in no layer of the document",
				      SRC, de->d_name);
}
END_TEST

/* "lib/strv.h" -> its layer; a system header or a path outside src -> NULL. */
static const struct layer *layer_of_include(const char *inc)
{
	char folder[32];

	if (sscanf(inc, "%31[^/]/", folder) != 1 || !strchr(inc, '/'))
		return NULL;
	return layer_of(folder);
}

static void check_file(const struct layer *own, const char *path, struct strbuf *bad)
{
	_cleanup_free_ char *text = read_file(path, NULL);
	int line = 1;

	ck_assert_msg(text, "cannot read %s", path);
	for (char *l = text; *l; line++) {
		char *nl = strchr(l, '\n');
		char inc[128];

		if (sscanf(l, "#include \"%127[^\"]\"", inc) == 1) {
			const struct layer *to = layer_of_include(inc);

			if (!to)
				sb_printf(bad, "%s:%d: \"%s\" names no layer folder\n", path, line,
					  inc);
			else if (to != own && to->floor >= own->floor)
				sb_printf(bad, "%s:%d: %s (floor %d) includes %s (floor %d)\n",
					  path, line, own->name, own->floor, inc, to->floor);
		}
		if (!nl)
			break;
		l = nl + 1;
	}
}

START_TEST(includes_only_go_down_the_layers)
{
	_cleanup_strbuf_ struct strbuf bad = {0};

	read_layers();
	for (size_t i = 0; i < nlayers; i++) {
		_cleanup_free_ char *p = path_join(SRC, layers[i].name);
		_cleanup_dir_ DIR *d = opendir(p);
		struct dirent *de;

		if (!d) {
			check_file(&layers[i], p, &bad); /* main.c */
			continue;
		}
		while ((de = readdir(d))) {
			_cleanup_free_ char *f = path_join(p, de->d_name);

			if (str_endswith(de->d_name, ".c") || str_endswith(de->d_name, ".h"))
				check_file(&layers[i], f, &bad);
		}
	}
	ck_assert_msg(!bad.len, "includes that break docs/architecture.md:\n%s", bad.buf);
}
END_TEST

Suite *test_suite(void)
{
	Suite *su = suite_create("layers");
	TCase *tc = tcase_create("layers");

	tcase_add_test(tc, every_folder_the_document_names_exists_and_every_folder_is_named);
	tcase_add_test(tc, includes_only_go_down_the_layers);
	suite_add_tcase(su, tc);
	return su;
}
