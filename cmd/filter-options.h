#ifndef FILTER_OPTIONS_H
#define FILTER_OPTIONS_H
/*
 * The record filters that log and export share: one set of option rows,
 * one way to turn them into an annal_filter.
 */
#include "annal.h"
#include "parse-options.h"

struct filter_options {
	struct string_list actor, action, decision, tenant, trace, entity, where;
	const char *since, *until, *grep;
	uint64_t from_seq, to_seq;
};
#define FILTER_OPTIONS_INIT { STRING_LIST_INIT, STRING_LIST_INIT, STRING_LIST_INIT, \
	STRING_LIST_INIT, STRING_LIST_INIT, STRING_LIST_INIT, STRING_LIST_INIT, \
	NULL, NULL, NULL, 0, 0 }

#define OPT_FILTERS(fo) \
	OPT_STRING(0, "since", &(fo)->since, "<date>", "records at or after <date>"), \
	OPT_STRING(0, "until", &(fo)->until, "<date>", "records at or before <date>"), \
	OPT_STRING_LIST(0, "actor", &(fo)->actor, "<pattern>", "records whose actor matches"), \
	OPT_STRING_LIST(0, "action", &(fo)->action, "<pattern>", "records whose action matches"), \
	OPT_STRING_LIST(0, "decision", &(fo)->decision, "<pattern>", "records whose decision matches"), \
	OPT_STRING_LIST(0, "tenant", &(fo)->tenant, "<pattern>", "records whose tenant matches"), \
	OPT_STRING_LIST(0, "trace", &(fo)->trace, "<id>", "records of this trace"), \
	OPT_STRING_LIST(0, "entity", &(fo)->entity, "<entity>", "records about <id> or <type>:<id>"), \
	OPT_STRING_LIST(0, "where", &(fo)->where, "<path>=<value>", "records whose field equals <value>"), \
	OPT_STRING(0, "grep", &(fo)->grep, "<text>", "records containing <text> (any case)"), \
	OPT_UINT(0, "from-seq", &(fo)->from_seq, "<n>", "records from seq <n>"), \
	OPT_UINT(0, "to-seq", &(fo)->to_seq, "<n>", "records up to seq <n>")

/*
 * The filter the options describe; a library error code on bad values.
 * opts is the command's option table: whether --from-seq and --to-seq
 * were given at all (0 is a value, not "not given").
 */
int filter_options_build(annal_filter **out, const struct filter_options *fo,
			 const struct option *opts);
void filter_options_clear(struct filter_options *fo);
#endif
