#include "filter-options.h"
#include "banned.h"

static int given(const struct option *opts, const void *value)
{
	for (; opts->type != OPTION_END; opts++)
		if (opts->value == value)
			return opts->seen;
	return 0;
}

int filter_options_build(annal_filter **out, const struct filter_options *fo,
			 const struct option *opts)
{
	const struct {
		const char *what;
		const struct string_list *values;
	} lists[] = {
		{ "actor", &fo->actor }, { "action", &fo->action }, { "decision", &fo->decision },
		{ "tenant", &fo->tenant }, { "trace", &fo->trace }, { "entity", &fo->entity },
	};
	annal_filter *f = NULL;
	size_t i, j;
	int error;

	if ((error = annal_filter_new(&f)) < 0)
		return error;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		for (j = 0; j < lists[i].values->n; j++)
			if ((error = annal_filter_add(f, lists[i].what, lists[i].values->v[j])) < 0)
				goto fail;
	for (j = 0; j < fo->where.n; j++)
		if ((error = annal_filter_add_where(f, fo->where.v[j])) < 0)
			goto fail;
	if ((fo->grep && (error = annal_filter_set_grep(f, fo->grep)) < 0) ||
	    (fo->since && (error = annal_filter_set_since(f, fo->since)) < 0) ||
	    (fo->until && (error = annal_filter_set_until(f, fo->until)) < 0))
		goto fail;
	if (given(opts, &fo->from_seq))
		annal_filter_set_from_seq(f, fo->from_seq);
	if (given(opts, &fo->to_seq))
		annal_filter_set_to_seq(f, fo->to_seq);
	*out = f;
	return 0;
fail:
	annal_filter_free(f);
	return error;
}

void filter_options_clear(struct filter_options *fo)
{
	string_list_clear(&fo->actor);
	string_list_clear(&fo->action);
	string_list_clear(&fo->decision);
	string_list_clear(&fo->tenant);
	string_list_clear(&fo->trace);
	string_list_clear(&fo->entity);
	string_list_clear(&fo->where);
}
