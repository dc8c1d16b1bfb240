/*
 * annal - tamper-evident audit logs in git repositories.
 *
 * Conventions (libgit2's): functions are annal_<noun>_<verb>(), return 0
 * or a negative ANNAL_E* code, and set a one-line message readable with
 * annal_error_last().  Outputs come first and are named out; the caller
 * frees them with the matching _free(), which accepts NULL.  The library
 * never prints and never exits.
 */
#ifndef ANNAL_H
#define ANNAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ANNAL_VERSION "0.1.0"

/* Error codes.  annal(1) maps each class to an exit status. */
enum {
	ANNAL_OK = 0,
	ANNAL_ERROR = -1,	/* generic I/O or environment failure: exit 3 */
	ANNAL_EINVALID = -2,	/* invalid input, nothing written: exit 2 */
	ANNAL_ENOTFOUND = -3,	/* no such log, record or repository: exit 2 */
	ANNAL_ECORRUPT = -4,	/* stored data fails verification: exit 1 */
	ANNAL_ELOCKED = -5,	/* lock not obtained in time: exit 3 */
	ANNAL_ENOREPO = -6,	/* repository missing or unreadable: exit 3 */
	ANNAL_ENOMEM = -7,	/* out of memory: exit 3 */
	ANNAL_EUNSYNCED = -8,	/* appended (the ids are given), but a sync after
				   the ref moved failed: exit 3 */
	ANNAL_ITEROVER = -31	/* end of an iteration, not an error */
};

typedef struct {
	int code;
	const char *message;
} annal_error;

/*
 * Thread-local: the last error set by the library on this thread.  The
 * message is one line, with what it quotes escaped by annal_text_escape().
 */
const annal_error *annal_error_last(void);
void annal_error_clear(void);

/* Once per process, before anything else; 0 or an error. */
int annal_init(void);
void annal_shutdown(void);

const char *annal_version(void);

/*
 * What annal runs with and was built with, for `annal --version
 * --build-options`.  Asks libarchive, cairo and pango, which annal
 * otherwise loads only on first use, so it loads them: not for every
 * start.
 */
typedef struct annal_build_library {
	const char *name;	/* "libgit2", "libsodium", "libarchive", "cJSON" */
	char running[32];	/* the version loaded now, "" if it cannot be loaded */
	char built[32];		/* the version of the headers annal was compiled with */
} annal_build_library;

typedef struct annal_build_info {
	annal_build_library libs[4];
	size_t nlibs;
	int static_libgit2;	/* libgit2 linked into the annal command */
	int net_deferral;	/* libgit2's TLS and SSH set-up deferred (src/net.c) */
	int pdf;		/* 1: cairo and pango load, PDF reports work */
	char cairo[32];		/* the cairo loaded, if pdf */
	char cairo_built[32];
} annal_build_info;

/* Fills *out; never fails (what cannot be loaded is left ""). */
void annal_build_info_read(annal_build_info *out);

/*
 * Ready libgit2's network transports: load the CA certificates and start
 * libssh2, as git_libgit2_init() would have.  In the annal command,
 * annal_init() defers both when libgit2 uses mbedTLS and libssh2: in
 * every process they cost more (3 ms) than most commands' own work, for
 * transports annal does not use (libannal.so leaves a program's mbedTLS
 * and libssh2 alone: there they are ready after annal_init()).
 * Whatever makes a network connection through libgit2 (an HTTPS or SSH
 * remote, a fetch, a push) must call this first: until then the TLS
 * configuration trusts no certificate.  Calls after the first do nothing.
 * ANNAL_ERROR when the certificates cannot be read or parsed.
 */
int annal_net_init(void);

/* A growable byte buffer (output of the formatters). */
typedef struct annal_buf annal_buf;

/* ---- repositories -------------------------------------------------- */

typedef struct annal_repo annal_repo;

/*
 * Open the repository at path, or discover it from the current directory
 * when path is NULL.  ANNAL_ENOREPO when there is none.  When its
 * core.sharedRepository shares it, the process umask is widened so that
 * what annal and libgit2 create there is group (or world) accessible,
 * as git's adjust_shared_perm makes it.
 */
int annal_repo_open(annal_repo **out, const char *path);

/* What annal_repo_init() did. */
enum {
	ANNAL_INIT_REINITIALIZED = 0,	/* annal's already: config rewritten */
	ANNAL_INIT_CREATED = 1,		/* a new bare repository */
	ANNAL_INIT_PREPARED = 2		/* a git repository annal did not know */
};
/*
 * Create a bare repository at path (or prepare an existing one); *how
 * says which.  ANNAL_ENOREPO when path is no directory, or a directory
 * that is neither empty nor a git repository.
 */
int annal_repo_init(annal_repo **out, const char *path, int *how);
/*
 * The same, and share the repository with a group as "git init --shared"
 * does: shared is a core.sharedRepository value ("group", "all", "0660",
 * ...; "" means group), written to its configuration, and the modes of
 * the repository's files and directories are widened to match (and
 * directories made setgid).  ANNAL_EINVALID for a value git would not
 * accept.
 */
int annal_repo_init_shared(annal_repo **out, const char *path, const char *shared, int *how);
/* Absolute path of the git directory, with a trailing slash. */
const char *annal_repo_path(const annal_repo *repo);
void annal_repo_free(annal_repo *repo);

/*
 * Move the loose objects into one pack (safe while appends run); *packed
 * is how many were moved.  ANNAL_ELOCKED when another pack runs.
 */
int annal_repo_pack(size_t *packed, annal_repo *repo);

/* 0 when name is a valid log name (refs/audit/<name>), else ANNAL_EINVALID. */
int annal_log_name_check(const char *name);

/* ---- push ------------------------------------------------------------ */

/*
 * 0 when name can name a host on a central repository: one component of
 * a log name (annal_log_name_check(), no '/'), at most 64 bytes; else
 * ANNAL_EINVALID saying why.
 */
int annal_host_name_check(const char *name);

/* What happened to one log in a push. */
enum {
	ANNAL_PUSH_UPDATED = 0,		/* its new records landed */
	ANNAL_PUSH_UP_TO_DATE = 1,	/* the remote had them all */
	ANNAL_PUSH_REFUSED = 2		/* the remote (or the check before) refused it */
};

typedef struct {
	char log[256];		/* the local log's name */
	/*
	 * The remote's ref: refs/audit/hosts/<host>/<log>, or for the log's
	 * kept checkpoints refs/annal/checkpoints/hosts/<host>/<log>
	 */
	char ref[320];
	int checkpoints;	/* this is the log's kept checkpoints */
	int status;		/* ANNAL_PUSH_* */
	uint64_t records;	/* records (checkpoints) shipped, or that would have been */
	char reason[1024];	/* why refused, escaped by annal_text_escape() */
} annal_push_log;

typedef struct {
	/*
	 * A configured remote's name or a URL (a path, file://, ssh://,
	 * [user@]host:path, git://, http(s)://); NULL: annal.pushRemote,
	 * else "origin".
	 */
	const char *remote;
	const char *host;		/* NULL: annal.host, else the short hostname */
	const char *const *logs;	/* NULL: every log not under hosts/ */
	size_t nlogs;
	/*
	 * Each line the remote sends for people ("remote: ..." in git),
	 * raw and without its newline; may be NULL.
	 */
	void (*remote_message)(const char *line, void *payload);
	void *payload;
} annal_push_options;
#define ANNAL_PUSH_OPTIONS_INIT { NULL, NULL, NULL, 0, NULL, NULL }

typedef struct {
	char host[65];
	char remote[1024];	/* as given or configured, escaped */
	annal_push_log *logs;
	size_t n;
} annal_push_result;

/*
 * Push each log to refs/audit/hosts/<host>/<log> on the remote, and its
 * kept checkpoints (when it has any) to
 * refs/annal/checkpoints/hosts/<host>/<log>, in one push, never forced,
 * reading only refs and objects (no lock an append takes).
 * Returns 0 when the remote was reached: each log's fate is in result
 * (refusals included); ANNAL_EINVALID for a bad host name, log name or
 * remote, ANNAL_ENOTFOUND for a log that does not exist, ANNAL_ERROR
 * when the remote cannot be reached or the push broke off.  The result
 * is filled as far as known also on error; dispose of it in any case.
 */
int annal_push(annal_push_result *result, annal_repo *repo, const annal_push_options *opts);
void annal_push_result_dispose(annal_push_result *result);
/*
 * {"remote":..,"host":..,"ok":..,"logs":[{"log","ref","status":
 * "updated"|"up-to-date"|"refused","records","reason"}]}; "error" (a
 * message, else null) says why nothing could be pushed.
 */
int annal_push_write_json(annal_buf *out, const annal_push_result *result, const char *error);

/* ---- keys ------------------------------------------------------------ */

/*
 * An OpenSSH ed25519 key.  Private halves live in sodium_malloc'd memory
 * and are wiped when freed.
 */
typedef struct annal_key annal_key;

int annal_key_generate(annal_key **out, const char *comment);
/*
 * Load a key file: an unencrypted openssh-key-v1 private key (refused
 * when group or others may read it, or it is a symlink, or over 16 KiB),
 * or an ssh-ed25519 public key line (then the key can sign only through
 * ssh-agent).
 */
int annal_key_load(annal_key **out, const char *path);
/* Only the public half, from either kind of file. */
int annal_key_load_public(annal_key **out, const char *path);
/* Write path (0600) and path.pub (0644), fsynced with their directory; never overwrites. */
int annal_key_save(const annal_key *key, const char *path);
/* Append "SHA256:<base64>" as ssh-keygen -l shows it. */
int annal_key_fingerprint(annal_buf *out, const annal_key *key);

/*
 * Replace the file at path with data, whole or not at all: a temporary
 * file beside it, synced, renamed over it, its directory synced.
 * ANNAL_EINVALID (nothing written) when path is something other than a
 * regular file, such as /dev/null; ANNAL_ERROR when it cannot be written.
 */
int annal_file_replace(const char *path, const annal_buf *data);
const char *annal_key_comment(const annal_key *key);
/* Sign through the ssh-agent at $SSH_AUTH_SOCK instead of the file. */
void annal_key_set_agent(annal_key *key, int agent);
void annal_key_free(annal_key *key);

/*
 * The signing key to use: path if given, else $ANNAL_SIGNING_KEY, else
 * the repository's annal.signingKey.  agent (or annal.signingAgent)
 * signs through ssh-agent.  *out is NULL when no key is configured.
 */
int annal_signing_key(annal_key **out, annal_repo *repo, const char *path, int agent);

/* ---- records --------------------------------------------------------- */

typedef struct annal_record annal_record;

/* The record's fields as canonical JSON (with "hash"). */
const char *annal_record_json(const annal_record *rec);
size_t annal_record_json_len(const annal_record *rec);
/* Hex commit id of the record (40 characters). */
const char *annal_record_id(const annal_record *rec);
uint64_t annal_record_seq(const annal_record *rec);
/* RFC 3339 UTC time with milliseconds. */
const char *annal_record_ts(const annal_record *rec);
/* A top-level string field, or NULL. */
const char *annal_record_get_string(const annal_record *rec, const char *key);
void annal_record_free(annal_record *rec);

/* ---- append ---------------------------------------------------------- */

/*
 * A draft is the caller's part of a record, before annal assigns seq, ts,
 * prev_hash and hash.  Drafts are validated as they are built.
 */
typedef struct annal_draft annal_draft;

/* The longest JSON text a draft is parsed from: a readers' bound. */
#define ANNAL_DRAFT_MAX (4 * 1024 * 1024)

/*
 * Parse a JSON object (strict: UTF-8, no duplicate keys, limits).  Text
 * over ANNAL_DRAFT_MAX bytes is refused before it is looked at, so a
 * reader may stop at ANNAL_DRAFT_MAX + 1 bytes and pass those.
 */
int annal_draft_from_json(annal_draft **out, const char *json, size_t len);
int annal_draft_new(annal_draft **out);
/* Set a string field at a dotted path ("labels.env"). */
int annal_draft_set_string(annal_draft *d, const char *path, const char *value);
/* Set a field at a dotted path to a JSON value given as text. */
int annal_draft_set_json(annal_draft *d, const char *path, const char *json);
/* "key=value" sets a string, "key:=json" a JSON value (dotted keys nest). */
int annal_draft_set_field(annal_draft *d, const char *spec);
/*
 * Merge src's fields into d; a field present in both is an error.
 */
int annal_draft_merge(annal_draft *d, const annal_draft *src);
/*
 * Fill in the fields of defaults that d lacks (objects key by key); a
 * field d has keeps its value.
 */
int annal_draft_merge_defaults(annal_draft *d, const annal_draft *defaults);
void annal_draft_free(annal_draft *d);

typedef struct {
	const char *log;		/* default "main" */
	/*
	 * Paths (annal-format(5), "Paths"), NULL-terminated, whose values
	 * are replaced by "[REDACTED]".  Each must match: in the record,
	 * or in at least one record of a batch (in every record with
	 * redact_each); otherwise ANNAL_EINVALID and nothing is appended.
	 */
	const char *const *redact;
	const char *corrects;		/* full id or prefix; NULL for none */
	const annal_key *signer;	/* sign the records; NULL: unsigned */
	/* The same for values that may be absent: matching nothing is fine. */
	const char *const *redact_if_present;
	/*
	 * Each of redact must match in every record, which is refused
	 * otherwise (its index in *bad_index): for writers that give each
	 * record on its own, as "append --stdin --stream" does.
	 */
	int redact_each;
	/*
	 * The key is a default ($ANNAL_SIGNING_KEY, annal.signingKey), not
	 * the caller's choice: it signs a new log and a signed one, and a
	 * log that exists unsigned is appended to unsigned.  When the
	 * default key could not be loaded, signer is NULL and key_error
	 * (an ANNAL_E* code) and key_message say why; that is reported only
	 * if a key is needed (a new log, a signed one).
	 */
	int signer_is_default;
	int key_error;
	const char *key_message;
	/*
	 * For writers whose records stand alone (append --stdin --stream):
	 * a draft that is no valid record (ANNAL_EINVALID for that draft)
	 * is handed to refused() with its index, its error in
	 * annal_error_last(), and left out; the others are appended in one
	 * go.  annal_log_append() then leaves ids_out[index] empty ("").
	 * A negative return from refused() abandons the batch.
	 */
	int (*refused)(size_t index, void *payload);
	void *refused_payload;
} annal_append_options;
#define ANNAL_APPEND_OPTIONS_INIT { NULL, NULL, NULL, NULL, NULL, 0, 0, 0, NULL, NULL, NULL }

/*
 * 0 when path can be redacted: a valid path, not a field the record needs
 * (actor, action, corrects) or that must keep its type (labels,
 * event_time); else ANNAL_EINVALID saying why.
 */
int annal_redaction_check(const char *path);

/*
 * Append n drafts to a log as one atomic batch: either all records land
 * (the ref moves once, by exactly n records) or none.  On success
 * ids_out[i] receives the 40-hex id of record i (41 bytes each).  A draft
 * that fails validation is reported as ANNAL_EINVALID with its index in
 * *bad_index (when not NULL).
 */
int annal_log_append(annal_repo *repo, const annal_append_options *opts,
		     annal_draft *const *drafts, size_t n, char (*ids_out)[41],
		     size_t *bad_index);

/*
 * The same for a batch of any length, taken a draft at a time: next()
 * gives 0 and a draft (which the library takes over), ANNAL_ITEROVER
 * after the last, or an error that abandons the batch.  Drafts are
 * checked and turned into commits as they come, so memory does not grow
 * with the batch (32 bytes a record); nothing is visible until the whole
 * batch has landed.  Then emit() (when not NULL) receives each record's
 * id, in order.  A draft that fails validation is ANNAL_EINVALID with its
 * index (counting from 0 in the order next() gave them) in *bad_index.
 */
/*
 * The acknowledgement of an appended record as one line of JSON,
 * {"id":"<40 hex>","seq":<n>,"hash":"sha256:<hex>"}, read back from the
 * repository; and that of a refused input line, {"error":"<message>"}.
 */
int annal_append_write_json(annal_buf *out, annal_repo *repo, const char *id);
int annal_append_write_json_error(annal_buf *out, const char *message);

typedef int (*annal_draft_next_fn)(annal_draft **out, void *payload);
typedef int (*annal_id_fn)(const char *id, void *payload);
int annal_log_append_from(annal_repo *repo, const annal_append_options *opts,
			  annal_draft_next_fn next, void *next_payload,
			  annal_id_fn emit, void *emit_payload, size_t *bad_index);

typedef struct {
	const char *log;		/* default "main" */
	const annal_key *signer;	/* a key the log trusts now */
	const annal_key *new_key;	/* the key to introduce, or NULL */
	int retire;			/* drop the signer's key from the set */
	const char *actor;		/* default annal.actor, else user@host */
	const char *reason;
	const annal_key *const *retire_keys;	/* more keys to drop */
	size_t nretire_keys;
} annal_rotate_options;
#define ANNAL_ROTATE_OPTIONS_INIT { NULL, NULL, NULL, 0, NULL, NULL, NULL, 0 }

/*
 * Append a key rotation record: signed by opts->signer (on an unsigned
 * log, by the new key itself, which starts signing), it sets the keys the
 * log trusts from the next record on: the keys trusted now, without the
 * retired ones (the signer's with retire, and retire_keys, each of which
 * must be trusted now), plus new_key.  At least one change; the set must
 * not become empty.  ANNAL_EINVALID (nothing written) otherwise.
 */
int annal_log_rotate_key(annal_repo *repo, const annal_rotate_options *opts, char id_out[41]);

/*
 * The keys a log trusts now, as OpenSSH allowed_signers lines
 * ('annal namespaces="git" ssh-ed25519 ...'); nothing for an unsigned log.
 */
int annal_log_signers(annal_buf *out, annal_repo *repo, const char *log);
/*
 * A pin for the log: "# annal-pin <log> <id>", naming the log's first
 * signed record, then the lines of annal_log_signers().  Verifying with
 * it, a log whose first signed record is another fails (pinMismatch).
 * ANNAL_EINVALID for an unsigned log.
 */
int annal_log_pin(annal_buf *out, annal_repo *repo, const char *log);
/*
 * The same as one JSON object: {"log", "first_signed" (null for an
 * unsigned log), "keys": [{"key", "fingerprint", "valid_after",
 * "valid_before"}]}, times as allowed_signers gives them, null when open.
 */
int annal_log_signers_json(annal_buf *out, annal_repo *repo, const char *log);
/* Its object when nothing could be listed: null members and "error". */
int annal_log_signers_write_json_failure(annal_buf *out, const char *message);

/* ---- reading --------------------------------------------------------- */

typedef struct annal_filter annal_filter;

int annal_filter_new(annal_filter **out);
/* Field options: "actor", "action", "decision", "tenant" take glob
 * patterns (repeat = OR); "trace" exact; "entity" id or type:id. */
int annal_filter_add(annal_filter *f, const char *what, const char *value);
/* "path=value" */
int annal_filter_add_where(annal_filter *f, const char *expr);
int annal_filter_set_grep(annal_filter *f, const char *text);
/* Date expressions: RFC 3339, YYYY-MM-DD, @epoch, "2 hours ago", ... */
int annal_filter_set_since(annal_filter *f, const char *date);
int annal_filter_set_until(annal_filter *f, const char *date);
/* Records with seq at least from / at most to; 0 is a bound like any
 * other (to 0 selects nothing: the first record is seq 1). */
void annal_filter_set_from_seq(annal_filter *f, uint64_t from);
void annal_filter_set_to_seq(annal_filter *f, uint64_t to);
int annal_filter_match(const annal_filter *f, const annal_record *rec);
/*
 * Only the records related to one of log (NULL: "main"): record is its
 * id, an id prefix or its seq, read as annal-log(1) "Naming a record"
 * says; related records have its target, else its entity_type and
 * entity_id, else its trace_id, else its actor, and a ts within window
 * ("90s", "10m", "2h", "1d"; NULL: 10m) of its ts.  ANNAL_EINVALID for
 * a bad window or a record refused, ANNAL_ENOTFOUND when the log or
 * record is not found.
 */
int annal_filter_set_related(annal_filter *f, annal_repo *repo, const char *log,
			     const char *record, const char *window);
void annal_filter_free(annal_filter *f);

typedef struct annal_walk annal_walk;

typedef struct {
	const char *log;		/* default "main" */
	const annal_filter *filter;	/* NULL: every record */
	int reverse;			/* oldest first */
	uint64_t max_count;		/* the newest max_count matches at most */
} annal_walk_options;
#define ANNAL_WALK_UNLIMITED UINT64_MAX
#define ANNAL_WALK_OPTIONS_INIT { NULL, NULL, 0, ANNAL_WALK_UNLIMITED }

/*
 * Walk a log, newest first unless reverse.  With a filter, only matching
 * records are returned, and the walk stops as soon as no older record
 * can match (since, from-seq: ts and seq never go backwards).
 * ANNAL_ENOTFOUND when the log does not exist.
 */
int annal_walk_new(annal_walk **out, annal_repo *repo, const annal_walk_options *opts);
/* 0 and a record (owned by the caller), ANNAL_ITEROVER, or an error. */
int annal_walk_next(annal_record **out, annal_walk *walk);
void annal_walk_free(annal_walk *walk);

/*
 * Several logs as one walk (a central repository's hosts): the records of
 * every log selected, newest first by ts, or oldest first with reverse
 * (exactly the reverse order).  Records with the same ts come by log name,
 * then newest first (by seq).  One record per log is held at a time: the
 * walks stop early as a single log's does, and max_count counts the
 * records of all logs together.
 */
typedef struct annal_merge annal_merge;

typedef struct {
	/*
	 * Log names or globs, NULL-terminated; NULL or empty: "main".  A
	 * glob ('*', '?', '[...]', as fnmatch(3) with FNM_PATHNAME: '*' does
	 * not match '/') selects each log whose name it matches.
	 */
	const char *const *logs;
	int all;			/* every log of the repository */
	const annal_filter *filter;	/* NULL: every record */
	int reverse;			/* oldest first */
	uint64_t max_count;		/* the newest max_count matches at most */
} annal_merge_options;
#define ANNAL_MERGE_OPTIONS_INIT { NULL, 0, NULL, 0, ANNAL_WALK_UNLIMITED }

/*
 * Following a log as it grows (annal log --follow): the newest backlog
 * matching records first, then each record appended after, oldest first.
 * Every record returned has been checked against the one before it (its
 * commit hashes to its id, its parent, seq and prev_hash continue the
 * log); a head that does not continue the records returned is
 * ANNAL_ECORRUPT ("log 'main' was rewritten: ..."), and nothing of it is
 * returned.
 */
typedef struct annal_follow annal_follow;

typedef struct {
	const char *log;		/* default "main" */
	const annal_filter *filter;	/* NULL: every record */
	uint64_t backlog;		/* the newest matches first (0: none) */
} annal_follow_options;
#define ANNAL_FOLLOW_OPTIONS_INIT { NULL, NULL, 0 }

/* ANNAL_ENOTFOUND when the log does not exist. */
int annal_follow_new(annal_follow **out, annal_repo *repo, const annal_follow_options *opts);
/* 0 and the next record (the caller's), ANNAL_ITEROVER: none yet; never blocks. */
int annal_follow_next(annal_record **out, annal_follow *f);
/*
 * Wait until the log's ref may have moved (inotify), timeout_ms at most,
 * or until a signal interrupts it.
 */
int annal_follow_wait(annal_follow *f, int timeout_ms);
void annal_follow_free(annal_follow *f);

/*
 * ANNAL_ENOTFOUND for a log that does not exist, a glob that matches no
 * log, or all in a repository without logs; ANNAL_EINVALID for an
 * invalid name or glob.
 */
int annal_merge_new(annal_merge **out, annal_repo *repo, const annal_merge_options *opts);
/*
 * 0, a record (the caller's) and the name of its log (the merge's, valid
 * until annal_merge_free()); ANNAL_ITEROVER; or an error.
 */
int annal_merge_next(annal_record **out, const char **log, annal_merge *m);
/*
 * 1 when records must say their log: all, a glob or several names were
 * asked for (whatever they matched), 0 for one log by name.
 */
int annal_merge_labelled(const annal_merge *m);
/* The logs selected, sorted; n is set to their number. */
const char *const *annal_merge_logs(const annal_merge *m, size_t *n);
void annal_merge_free(annal_merge *m);

/* Names of the logs in the repository, sorted; free with annal_strv_free. */
int annal_log_list(char ***out, size_t *n, annal_repo *repo);
/*
 * Every log, sorted by name: its number of records (the head's seq), its
 * head and first record (id, ts), whether it is signed and the keys it
 * trusts now; format "pretty" or "json" (ANNAL_EINVALID otherwise).
 */
int annal_logs_write(annal_buf *out, annal_repo *repo, const char *format);
void annal_strv_free(char **v, size_t n);

/* ---- verify ---------------------------------------------------------- */

/*
 * What verify keeps of each log it verified, to verify only what is new
 * the next time: the head, and what the checks need there (annal-verify(1)
 * --state).  read: a missing file holds none; ANNAL_EINVALID naming the
 * file and line when malformed.  write: all or nothing, durable.
 */
typedef struct annal_verify_states annal_verify_states;
int annal_verify_states_read(annal_verify_states **out, const char *path);
int annal_verify_states_write(const annal_verify_states *states, const char *path);
void annal_verify_states_free(annal_verify_states *states);

typedef struct {
	const char *log;	/* default "main" */
	/*
	 * a record that must be in the chain: its full id (40 hex digits)
	 * or its hash ("sha256:" and 64 hex digits); anything else, an
	 * abbreviation too, is ANNAL_EINVALID
	 */
	const char *anchor;
	const char *allowed_signers;	/* pin the first signer: OpenSSH file */
	const char *key;		/* ... or one public key file */
	/*
	 * log is a name annal_log_list() gave: a ref under refs/audit/ that
	 * is no valid log name, or that vanished, fails with badRef instead
	 * of returning ANNAL_EINVALID or ANNAL_ENOTFOUND.
	 */
	int listed;
	/*
	 * Verify only the records after the head states holds for the log
	 * (all of them when it holds none, or one verified with other pins),
	 * failing with nonFastForward when that head is no longer in the
	 * chain; on success states holds the new head.
	 */
	annal_verify_states *states;
	/*
	 * The roots of the log's Merkle tree at these sizes, computed from
	 * the records verify read (never from the tree cache), into
	 * roots[i] (the caller's array of nroot_sizes), once every record
	 * verified; a size past the log's records leaves its root alone.
	 * Not with states.
	 */
	const uint64_t *root_sizes;
	size_t nroot_sizes;
	unsigned char (*roots)[32];
} annal_verify_options;
#define ANNAL_VERIFY_OPTIONS_INIT { NULL, NULL, NULL, NULL, 0, NULL, NULL, 0, NULL }

typedef struct {
	/* the log's name, escaped by annal_text_escape(), at most 255
	   bytes; message (below) is escaped too */
	char log[256];
	int ok;
	uint64_t records;	/* records checked */
	char head[41];
	int is_signed;		/* 1 signed, 0 not, -1 not known (stopped before a signed record) */
	/* on failure: */
	const char *check;	/* stable id, e.g. "seqGap" */
	uint64_t position;	/* 1-based position from the first record; 0 if none */
	char commit[41];	/* the failing record's id, "" if none */
	char message[512];
	/* checkpoints found consistent with the log (the caller's count;
	   annal_verify_write_json writes "checkpoints" when not 0) */
	uint64_t checkpoints;
} annal_verify_result;

/*
 * Verify one log.  Returns 0 when the check ran (see result->ok), or an
 * error (ANNAL_ENOTFOUND for an unknown log, ANNAL_ERROR for I/O).
 */
int annal_log_verify(annal_verify_result *result, annal_repo *repo,
		     const annal_verify_options *opts);

/* {"ok":..,"logs":[{"log":..,"ok":..,"records":..,"head":..,"signed":..,["checkpoints":..,]"error":{..}}]} */
int annal_verify_write_json(annal_buf *out, const char *const *logs,
			    const annal_verify_result *results, size_t n);
/*
 * The JSON object of a verify that could not check at all (an I/O
 * error, an invalid pin file, no logs to list): no logs, and why; check
 * is a check id (noLogs) or NULL.
 */
int annal_verify_write_json_failure(annal_buf *out, const char *check, const char *message);

/*
 * For a verify of every log that found none: ANNAL_ECORRUPT, with a
 * message naming the repository and the refspec a clone must fetch.  A
 * CI job that verifies a fresh "git clone --bare" must fail, not pass.
 */
int annal_verify_no_logs(annal_repo *repo);

/*
 * An anchor file: the head of each log seen at the last verification,
 * a line "<log> <id>" per log.  A missing file holds no anchors.
 * read: ANNAL_EINVALID naming the file and line when malformed.
 * write: all or nothing (a temporary file renamed over it).
 */
typedef struct {
	char **logs;
	char (*ids)[41];
	size_t n;
} annal_anchors;
int annal_anchors_read(annal_anchors *out, const char *path);
const char *annal_anchors_get(const annal_anchors *a, const char *log);
int annal_anchors_set(annal_anchors *a, const char *log, const char *id);
int annal_anchors_write(const annal_anchors *a, const char *path);
void annal_anchors_dispose(annal_anchors *a);

/*
 * Add to the n logs in names (sorted, as annal_log_list() gives them) each
 * log that anchors or states remember and names lacks, keeping it sorted:
 * for a verify of every log, so that a log deleted since is checked, and
 * fails (deletedRef), rather than being left out.
 */
int annal_verify_add_remembered(char ***names, size_t *n, const annal_anchors *anchors,
				const annal_verify_states *states);

/*
 * The central side's check of a push, as git's pre-receive hook gets it:
 * a line "<old> <new> <ref>" per ref (githooks(5)) in the file path
 * ("-": standard input).  Each ref under
 * refs/audit/ is verified from old (verified when it was accepted) to
 * new, with the policy of annal/allowed_signers and
 * annal.receive.requireSigned; other refs pass.  The pushed objects are
 * read from git's quarantine.  Returns 0 when the check ran (see each
 * result); only when every ref passed does it keep, for each log, what
 * the next push's check needs (annal/verified/<log>).  ANNAL_EINVALID for
 * a line that is not git's.
 */
typedef struct {
	char ref[256];		/* escaped by annal_text_escape() */
	int audit;		/* under refs/audit/: verified */
	annal_verify_result result;
} annal_receive_result;
int annal_receive_check(annal_receive_result **out, size_t *n, annal_repo *repo,
			const char *path);
/*
 * Make repo a central repository (annal-init(1) --central): the
 * pre-receive hook, receive.fsckObjects, and, when signers is given, a
 * copy of that allowed_signers file as the policy (annal/allowed_signers,
 * annal.receive.requireSigned true); program, when given, is the annal the
 * hook runs (annal.receive.program).  ANNAL_EINVALID for a malformed
 * signers file, or a hooks/pre-receive that is not annal's.
 */
int annal_repo_init_central(annal_repo *repo, const char *signers, const char *program);

/* The verify check ids, NULL-terminated, for documentation tests. */
const char *const *annal_verify_checks(void);

/*
 * verify --format junit: JUnit XML (annal-verify(1), "JUnit XML"), a
 * <testsuite> per log, a <testcase> per class of checks.  What verify
 * knew of each log besides its result: the anchor it held the log to
 * (NULL: none), whether it was pinned (--allowed-signers, --key), held
 * to a --state, asked for witnesses, and how long it took.  The signer
 * fingerprints of each log that verified are read from repo.
 */
typedef struct {
	const annal_verify_result *result;
	const char *anchor;
	int pinned;
	int state;
	int witnesses;
	double seconds;
} annal_verify_junit_log;
int annal_verify_write_junit(annal_buf *out, annal_repo *repo,
			     const annal_verify_junit_log *logs, size_t n);
/*
 * The report of a command that could not check at all (no logs, bad
 * input, an I/O error): one test, failed (check given: a verification
 * failure, as noLogs) or in error (check NULL).  what names the command,
 * as "verify" or "audit-verify".
 */
int annal_junit_write_failure(annal_buf *out, const char *what, const char *check,
			      const char *message);

/* ---- export ---------------------------------------------------------- */

/* Where exported text goes: 0, or a negative error. */
typedef int (*annal_write_fn)(void *ctx, const char *data, size_t len);

typedef struct {
	const char *log;		/* default "main" */
	/*
	 * Or several logs, as annal_merge_options selects them: names or
	 * globs (NULL-terminated), or all; log must then be NULL.  Records
	 * of several logs are merged oldest first and labelled, as
	 * annal-log(1) does with --reverse; a bundle holds each log apart
	 * (bundle version 2, annal-bundle(5)).
	 */
	const char *const *logs;
	int all;
	const annal_filter *filter;	/* NULL: the whole log */
	const char *const *formats;	/* NULL-terminated; NULL: {"jsonl"} */
	const char *bundle;		/* write an evidence bundle here */
	const annal_key *signer;	/* signs the bundle, and the export record of a signed log */
	const char *actor;		/* who exports; default annal.actor, else user@host */
	/*
	 * NULL, or called with the ctx of write after the last write and
	 * before the export is recorded, to make the output durable (an
	 * fsync); a negative return fails the export, and nothing is recorded.
	 */
	int (*sync)(void *ctx);
	/*
	 * A bundle of one log proves its records in a checkpoint (version 3,
	 * annal-bundle(5)): this file's (a checkpoint of the log, say
	 * cosigned by witnesses), else the one kept last in
	 * refs/annal/checkpoints/<log> if it covers the records.
	 */
	const char *checkpoint;
	const char *paper;		/* --format pdf: "a4" (NULL) or "letter" */
	/*
	 * Every log with records proved in its kept checkpoint, or no
	 * bundle (ANNAL_EINVALID naming the log): version 3 for one log,
	 * version 4 for several (annal-bundle(5)).
	 */
	int proofs;
} annal_export_options;
#define ANNAL_EXPORT_OPTIONS_INIT { NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 }

typedef struct {
	uint64_t records;		/* records exported */
	char sha256[65];		/* of the output (or the bundle file) */
	char recorded[41];		/* the annal.export record's id, "" if none */
	char not_recorded[512];		/* why it was not recorded */
} annal_export_result;

/*
 * Export records oldest first: in one format through write, or as an
 * evidence bundle (opts->bundle, which must not exist) of a log that
 * verifies (annal_log_verify() against its own keys, anchored at the
 * head exported; ANNAL_ECORRUPT naming the check otherwise, nothing
 * written).  Then the export
 * itself is recorded in the log as an "annal.export" record (in "main"
 * for an export of several logs or of a log under "hosts/", which the
 * hosts write: see annal-export(1)); when the repository cannot be
 * written (a read-only auditor) that is skipped and result->not_recorded
 * says why.
 */
int annal_log_export(annal_export_result *result, annal_repo *repo,
		     const annal_export_options *opts, annal_write_fn write, void *ctx);
/*
 * Make an export written to fd, a file just created at path, durable:
 * its data and its name (an fsync of its directory).  0, or ANNAL_ERROR
 * naming the file or directory.
 */
int annal_export_file_sync(int fd, const char *path);
/*
 * Make an export written to fd under the temporary name tmp durable and
 * link it to path, which must not exist (ANNAL_EINVALID if it does):
 * its data, then the name path (tmp removed, the directory synced), so
 * that path is never seen half-written.  0, or an error naming the file.
 */
int annal_export_file_publish(int fd, const char *tmp, const char *path);
/* 1 when name is an export format (json, jsonl, csv, otlp-json, ...). */
int annal_export_format_valid(const char *name);
/* The export formats, NULL-terminated, jsonl (the default) first. */
const char *const *annal_export_format_names(void);

/* ---- audit-verify ---------------------------------------------------- */

struct annal_witness_policy;

typedef struct {
	const char *key;		/* pin the bundle signer: a public key file */
	const char *allowed_signers;	/* ... or an allowed_signers file ("annal") */
	/*
	 * Pin the keys that sign the records, as annal_log_verify() pins a
	 * log: public key files, or an allowed_signers file ("git").
	 */
	const char *const *log_keys;
	size_t nlog_keys;
	const char *log_allowed_signers;
	/* when the bundle is intact, its records.jsonl is appended here */
	annal_buf *list;
	/*
	 * A bundle's checkpoint (version 3) must be cosigned as this asks
	 * (annal_witness_policy_check()); NULL: no witness is asked for.
	 */
	const struct annal_witness_policy *witnesses;
} annal_audit_options;
#define ANNAL_AUDIT_OPTIONS_INIT { NULL, NULL, NULL, 0, NULL, NULL, NULL }

typedef struct annal_audit_result {
	int ok;
	int pinned;
	int log_pinned;			/* the records' keys are pinned */
	char signer[64];		/* "SHA256:..." */
	char log[256];
	uint64_t records, chain, first_seq, last_seq, head_seq;
	char first_id[41], last_id[41], head_id[41];
	char created[32];
	int log_signed;			/* the manifest's; -1 when not read */
	int counted;			/* records and chain were counted */
	char problem[1024];		/* the first problem, when !ok, escaped */
	/*
	 * A bundle of several logs (version 2): the result of each log, in
	 * the manifest's order, log, records, first, ... filled in each; in
	 * the bundle's own, log is "" and records and chain are the totals,
	 * and problem is the first failing log's, "log <name>: ...".  Free
	 * with annal_audit_result_dispose().
	 */
	struct annal_audit_result *logs;
	size_t nlogs;
	/* version 3: the checkpoint the records were proved in */
	int proved;
	uint64_t checkpoint_size;
	/* escaped: an origin of up to 1024 bytes, each escaped to at most 6 */
	char origin[6 * 1024 + 1];
	unsigned char origin_sha256[32];	/* of the origin's bytes, to compare */
} annal_audit_result;

/*
 * Check an evidence bundle (annal-bundle(5)) with no repository, writing
 * nothing.  0 when the check ran (see result->ok); ANNAL_EINVALID when
 * the file cannot be used at all or a pin file is bad.
 */
int annal_bundle_verify(annal_audit_result *result, const char *path,
			const annal_audit_options *opts);
void annal_audit_result_dispose(annal_audit_result *result);
int annal_audit_write_json(annal_buf *out, const char *path, const annal_audit_result *r);
/*
 * The object of annal_audit_write_json() when nothing could be checked
 * (bad usage, an unusable bundle or pin file): "ok":false, the message as
 * "error", and null for everything not known; path may be NULL.
 */
int annal_audit_write_json_failure(annal_buf *out, const char *path, const char *message);
/*
 * audit-verify --format junit: a <testsuite> for the bundle (its
 * signature, checksums and manifest), then one per log it holds.
 */
int annal_audit_write_junit(annal_buf *out, const char *path, const annal_audit_result *r,
			    double seconds);

/* ---- output formats ------------------------------------------------- */

int annal_buf_new(annal_buf **out);
const char *annal_buf_ptr(const annal_buf *b);
size_t annal_buf_len(const annal_buf *b);
void annal_buf_clear(annal_buf *b);
void annal_buf_free(annal_buf *b);

/*
 * Text for people (a terminal, an error line): each character unsafe to
 * show raw, a control character (C0, DEL, C1), line or paragraph
 * separator, bidirectional control or invisible character, becomes
 * \uXXXX (\UXXXXXXXX past U+FFFF), each byte that is not UTF-8 \xXX, in
 * lowercase hex; everything else is copied.  Writes at most size bytes,
 * the NUL included, into out (which must not overlap s), never cutting an
 * escape or a character; returns the length of the whole escaped text, as
 * snprintf() does.
 */
size_t annal_text_escape(char *out, size_t size, const char *s, size_t len);

typedef struct annal_formatter annal_formatter;

/*
 * "pretty", "oneline", "json", "jsonl", "csv", "otlp-json", "splunk-hec",
 * "datadog"; ANNAL_EINVALID otherwise.
 */
int annal_formatter_new(annal_formatter **out, const char *name);
/* The formats annal_formatter_new() knows, NULL-terminated, pretty first. */
const char *const *annal_formatter_names(void);
/* "utc" (default: ts as stored) or "local" (ts in $TZ with its offset), for
 * pretty and oneline; the formats for machines keep ts as stored. */
int annal_formatter_set_date(annal_formatter *f, const char *mode);
/*
 * The log's name, for formats that carry it (otlp-json, splunk-hec,
 * datadog), and with labels for each record that follows.
 */
int annal_formatter_set_log(annal_formatter *f, const char *log);
/*
 * Label each record with its log (set before it by
 * annal_formatter_set_log()), for a merge of several logs: call before
 * annal_formatter_begin().  See annal-log(1), "Several logs".
 */
void annal_formatter_set_labels(annal_formatter *f, int on);
/* Each call appends text to out. */
int annal_formatter_begin(annal_formatter *f, annal_buf *out);
int annal_formatter_record(annal_formatter *f, annal_buf *out,
			   const annal_record *rec);
int annal_formatter_end(annal_formatter *f, annal_buf *out);
void annal_formatter_free(annal_formatter *f);

/* Counts by decision, or by another field. */
typedef struct annal_summary annal_summary;
int annal_summary_new(annal_summary **out);
/* field: one of annal_summary_fields(); ANNAL_EINVALID otherwise. */
int annal_summary_new_by(annal_summary **out, const char *field);
/* "actor", "action", "tenant", "decision", NULL-terminated. */
const char *const *annal_summary_fields(void);
int annal_summary_add(annal_summary *s, const annal_record *rec);
/* format: "pretty" or "json" */
int annal_summary_write(annal_buf *out, const annal_summary *s, const char *format);
void annal_summary_free(annal_summary *s);

/* ---- proofs (annal-prove(1)) ----------------------------------------- */

typedef struct {
	const char *log;		/* default "main" */
	/*
	 * The tree proved in: a checkpoint file ("-": standard input), whose
	 * size and root must be the log's; else size (0: the head's seq).
	 */
	const char *checkpoint;
	uint64_t size;
} annal_prove_options;
#define ANNAL_PROVE_OPTIONS_INIT { NULL, NULL, 0 }

/*
 * The inclusion proof of record (a seq, or a record's full id) in the
 * tree, as a C2SP tlog-proof (annal-prove(1) says every byte).
 * ANNAL_EINVALID for a record or size past the log or a checkpoint that
 * cannot be read; ANNAL_ECORRUPT for a checkpoint whose root is not the
 * log's at its size.
 */
int annal_prove_inclusion_write(annal_buf *out, annal_repo *repo, const char *record,
				const annal_prove_options *opts);
/*
 * The consistency proof of the tree of the old checkpoint (a file, or a
 * decimal size) in the tree opts names, as the body of a C2SP
 * tlog-witness add-checkpoint request.  Errors as above.
 */
int annal_prove_consistency_write(annal_buf *out, annal_repo *repo, const char *old,
				  const annal_prove_options *opts);

/* ---- checkpoints (annal-checkpoint(1)) ------------------------------- */

typedef struct {
	const char *log;		/* default "main" */
	/*
	 * The log's origin: given on the first checkpoint (NULL: <annal.host
	 * or the short hostname>/annal/<log>), recorded then in an
	 * annal.origin record; later it must be the recorded one or NULL.
	 */
	const char *origin;
	const annal_key *signer;	/* a key the log trusts at its head */
	const char *actor;		/* of the origin record; NULL: the acting user */
} annal_checkpoint_options;
#define ANNAL_CHECKPOINT_OPTIONS_INIT { NULL, NULL, NULL, NULL }

/*
 * Sign the C2SP checkpoint of the log at its head (recording its origin
 * first if it has none), keep it in refs/annal/checkpoints/<log> unless
 * the newest kept one is of the same size and root, and append the note
 * to note and the signer's verifier key (no newline) to vkey (either may
 * be NULL).  ANNAL_ENOTFOUND for no such log; ANNAL_EINVALID for an
 * unsigned log, no signer, a signer the log does not trust, an origin
 * other than the recorded one or one C2SP refuses.
 */
int annal_checkpoint_create(annal_buf *note, annal_buf *vkey, annal_repo *repo,
			    const annal_checkpoint_options *opts);

typedef struct {
	const char *log;		/* default "main" */
	const char *const *files;	/* checkpoints to check */
	size_t nfiles;
	const char *const *log_keys;	/* verifier keys trusted besides the log's */
	size_t nlog_keys;
	int skip_stored;		/* leave refs/annal/checkpoints/<log> alone */
	/* the tree cache is known wrong (treeMismatch): rebuild it from
	   the records before taking roots from it */
	int rebuild_tree;
	/* verify --state: O(new records), so the log is not walked: the
	   origin and the keys at each checkpoint's size come from the
	   state of the log at its head in states (annal_log_verify() just
	   verified it); without one, the log is walked */
	int incremental;
	const annal_verify_states *states;
} annal_checkpoint_verify_options;
#define ANNAL_CHECKPOINT_VERIFY_OPTIONS_INIT { NULL, NULL, 0, NULL, 0, 0, 0, 0, NULL }

/*
 * Check the log's origin records (at most one, valid: originChanged,
 * badField), then checkpoints (the files, and the stored ones unless
 * skip_stored) against the log: each signed by a key the log trusted at
 * record <size> (the signing set in force there) or a log_keys key, of
 * the log's origin, no two of one size with different
 * roots (splitView), none past the log's size (checkpointTruncated), the
 * log's root at each one's size equal to its root (checkpointMismatch).
 * 0 and *count the checkpoints checked, or ANNAL_ECORRUPT with *check
 * the failed check's id; ANNAL_EINVALID for a malformed checkpoint or
 * key, ANNAL_ERROR for a file that cannot be read.
 */
int annal_checkpoint_verify(size_t *count, const char **check, annal_repo *repo,
			    const annal_checkpoint_verify_options *opts);

/* ---- witnesses (annal-witness(1)) ------------------------------------ */

typedef struct {
	const char *name;		/* the witness's name (its cosignatures' key name) */
	const annal_key *key;		/* its Ed25519 key */
	int full_note;			/* out: the whole cosigned note, not only the lines */
} annal_witness_options;
#define ANNAL_WITNESS_OPTIONS_INIT { NULL, NULL, 0 }

/*
 * Witness the log whose verifier key (<name>+<hex id>+<base64>) is vkey:
 * its origin is the key's name.  A second key for one origin is added
 * beside the first (a rotation); a key given twice changes nothing.
 */
int annal_witness_add_log(annal_repo *repo, const char *name, const char *vkey);

/*
 * Handle the add-checkpoint request (C2SP tlog-witness) in file ("-" or
 * NULL: standard input, at most 1 MiB): check the
 * checkpoint's signature by a key of its origin, that old is the size
 * last cosigned, the consistency proof from that checkpoint to the new
 * one; record the new one and put its cosignature line(s) in out (with
 * opts->full_note, the whole note with them).  Errors: ANNAL_ENOTFOUND
 * (unknown origin), ANNAL_ECORRUPT (bad signature, bad proof, older
 * size, split view, old size not the witness's: each named),
 * ANNAL_EINVALID (malformed request).
 */
int annal_witness_add_checkpoint(annal_buf *out, annal_repo *repo,
				 const annal_witness_options *opts, const char *file);

/* One line per log: "<origin> <size cosigned or 0> <verifier key>...". */
int annal_witness_list(annal_buf *out, annal_repo *repo, const char *name);

/* A verifier's policy: at least k of the witnesses keys[] (0: all). */
typedef struct annal_witness_policy {
	const char *const *keys;	/* verifier keys, "<name>+<hex id>+<base64>" */
	size_t nkeys;
	size_t k;
} annal_witness_policy;
#define ANNAL_WITNESS_POLICY_INIT { NULL, 0, 0 }

/*
 * Check that the checkpoint note in file ("-": standard input) carries
 * valid cosignatures by at least k of the policy's witnesses (their
 * signature lines by other keys are ignored; the log's own signature is
 * annal_checkpoint_verify()'s to check).  0, and a line appended to out
 * saying which signed;
 * ANNAL_ECORRUPT naming those that signed and those missing;
 * ANNAL_EINVALID for a bad key, a note that does not parse or k > n.
 */
int annal_witness_policy_check(annal_buf *out, const annal_witness_policy *policy,
			       const char *file);

/* The witness's verifier key and a newline: <name>+<hex id>+<base64(0x04 || key)>. */
int annal_witness_verifier_key(annal_buf *out, const char *name, const annal_key *key);

#ifdef __cplusplus
}
#endif
#endif
