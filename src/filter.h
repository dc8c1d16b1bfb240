#ifndef ANNAL_FILTER_H
#define ANNAL_FILTER_H
#include "record.h"

/*
 * 1 when no record older than rec can match f, so a newest-first walk
 * may stop: ts and seq never decrease along a log.
 */
int filter_exhausted(const annal_filter *f, const annal_record *rec);
/* The newest seq the filter can match (UINT64_MAX: no bound). */
uint64_t filter_to_seq(const annal_filter *f);
/* The filter as given, as a JSON object (for manifests and export records). */
int filter_describe(cJSON **out, const annal_filter *f);
/* 1 when a newer record than rec cannot match yet (to-seq, until). */
int filter_too_new(const annal_filter *f, const annal_record *rec);
/*
 * --related (annal-log(1)): only records with the anchor's target, else
 * its entity (entity_type and entity_id), else its trace_id, else its
 * actor, and ts within window_ms of its ts; none past seq to_seq
 * (UINT64_MAX: no bound), where the window ends.
 */
int filter_set_related(annal_filter *f, const annal_record *anchor, int64_t window_ms,
		       uint64_t to_seq);
/* The field --related compares ("target", ...), NULL without it. */
const char *filter_related_by(const annal_filter *f);
/* a shell glob against the whole of value, by characters (UTF-8): 1 on a match */
int filter_glob_match(const char *pat, const char *value);

#endif
