#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <git2/sys/odb_backend.h>

#include "store.h"
#include "record.h"
#include "sha1.h"
#include "ssh.h"
#include "banned.h"

int annal_log_name_check(const char *name)
{
	const char *p = name, *comp = name;
	size_t n = strlen(name);

	if (!n || n > 200)
		goto bad;
	for (;; p++) {
		if (*p == '/' || !*p) {
			size_t len = (size_t)(p - comp);
			if (!len || comp[0] == '.' || comp[0] == '-')
				goto bad;
			/* git refuses a name ending in '.': no component does here */
			if ((len >= 5 && !memcmp(p - 5, ".lock", 5)) || p[-1] == '.')
				goto bad;
			if (!*p)
				break;
			comp = p + 1;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			goto bad;
		if (*p == '.' && p[1] == '.')
			goto bad;
	}
	return 0;
bad:
	return annal_error_set(ANNAL_EINVALID, "invalid log name '%s'", name);
}

int store_ref_name(annal_buf *out, const char *log)
{
	int error;

	if ((error = annal_log_name_check(log)) < 0)
		return error;
	annal_buf_clear(out);
	annal_buf_puts(out, ANNAL_REF_PREFIX);
	annal_buf_puts(out, log);
	return annal_buf_error(out);
}

/*
 * libgit2 1.5 opens what it reads without O_NONBLOCK and reads until the
 * end: a FIFO in place of a pack, a pack index, HEAD or config blocks
 * every command for good.  Whatever is there and is no regular file (a
 * link to one is) is refused before libgit2 opens it.
 */
static int not_regular(const char *dir, const char *name)
{
	char path[4200];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) ||
	    stat(path, &st) < 0 || S_ISREG(st.st_mode))
		return 0;
	return annal_error_set(ANNAL_ECORRUPT, "'%s' is not a regular file", path);
}

static int packs_regular_in(const char *objects)
{
	char dir[4200];
	DIR *d;
	struct dirent *e;
	size_t n;
	int error = 0;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/pack", objects) >= sizeof(dir) ||
	    !(d = opendir(dir)))
		return 0;	/* libgit2 says what is wrong, if anything */
	while (!error && (e = readdir(d))) {
		n = strlen(e->d_name);
		if ((n > 5 && !strcmp(e->d_name + n - 5, ".pack")) ||
		    (n > 4 && !strcmp(e->d_name + n - 4, ".idx")) ||
		    !strcmp(e->d_name, "multi-pack-index"))
			error = not_regular(dir, e->d_name);
	}
	closedir(d);
	return error;
}

static int packs_regular(const char *gitdir)
{
	char objects[4200];

	if ((size_t)snprintf(objects, sizeof(objects), "%sobjects", gitdir) >= sizeof(objects))
		return 0;
	return packs_regular_in(objects);
}

static int pack_dir_exists(annal_repo *repo)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%sobjects/pack", git_repository_commondir(repo->git));
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Whether annal init prepared it: its config has annal.formatVersion. */
static int is_prepared(git_repository *git)
{
	git_config *cfg = NULL;
	int32_t v;
	int prepared;

	prepared = git_repository_config_snapshot(&cfg, git) == 0 &&
		   git_config_get_int32(&v, cfg, "annal.formatVersion") == 0;
	git_config_free(cfg);
	git_error_clear();
	return prepared;
}

/*
 * A core.sharedRepository value as git reads it: 0 for umask (also
 * false, no, off), 0660 for group (true, yes, on, 1), 0664 for all
 * (world, everybody, 2), or minus an octal mode (which must let the
 * owner read and write).  -1 for anything else.
 */
static int shared_parse(int *out, const char *v)
{
	char *end;
	long n;

	if (!strcasecmp(v, "umask") || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "off"))
		return *out = 0;
	if (!*v || !strcasecmp(v, "group") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on")) {
		*out = 0660;
		return 0;
	}
	if (!strcasecmp(v, "all") || !strcasecmp(v, "world") || !strcasecmp(v, "everybody")) {
		*out = 0664;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 8);
	if (*end || errno || n < 0 || n > 0777)
		return -1;
	if (n == 0 || n == 1 || n == 2) {
		*out = n == 0 ? 0 : n == 1 ? 0660 : 0664;
		return 0;
	}
	if ((n & 0600) != 0600)
		return -1;
	*out = -(int)(n & 0666);
	return 0;
}

static int shared_of(git_repository *git)
{
	git_config *cfg = NULL;
	git_buf v = { NULL, 0, 0 };
	int shared = 0;

	if (git_repository_config_snapshot(&cfg, git) == 0 &&
	    git_config_get_string_buf(&v, cfg, "core.sharedRepository") == 0 &&
	    shared_parse(&shared, v.ptr) < 0)
		shared = 0;
	git_buf_dispose(&v);
	git_config_free(cfg);
	git_error_clear();
	return shared;
}

/* The mode git gives a shared file or directory of mode mode. */
static mode_t shared_mode(int shared, mode_t mode)
{
	mode_t tweak = (mode_t)(shared < 0 ? -shared : shared);

	if (!(mode & S_IWUSR))
		tweak &= ~(mode_t)0222;
	if (mode & S_IXUSR)
		tweak |= (tweak & 0444) >> 2;
	mode = shared < 0 ? (mode & ~(mode_t)0777) | tweak : mode | tweak;
	if (S_ISDIR(mode))
		mode |= S_ISGID;
	return mode;
}

mode_t store_file_mode(const annal_repo *repo, mode_t mode)
{
	return repo->shared ? shared_mode(repo->shared, S_IFREG | mode) & 07777 : mode;
}

/*
 * libgit2 ignores core.sharedRepository: it creates refs, locks and
 * directories with the process umask.  Widening the umask for a shared
 * repository makes all of it, and annal's own files, what git would
 * make them; directories inherit the group through their setgid bit.
 */
static void shared_umask(int shared)
{
	mode_t old = umask(0), want;

	if (!shared) {
		umask(old);
		return;
	}
	want = (mode_t)(shared < 0 ? -shared : shared);
	want |= (want & 0444) >> 2;
	umask(shared < 0 ? 0777 & ~want : old & ~want);
}

static int shared_fix_mode, shared_fix_failed;

static int shared_fix(const char *path, const struct stat *st, int type, struct FTW *f)
{
	mode_t mode;

	(void)f;
	if (type != FTW_F && type != FTW_D)
		return 0;
	mode = shared_mode(shared_fix_mode, st->st_mode);
	if ((mode & 07777) != (st->st_mode & 07777) && chmod(path, mode & 07777) < 0) {
		shared_fix_failed = 1;
		return annal_error_set(ANNAL_ERROR, "cannot change the mode of '%s': %s", path,
				       strerror(errno));
	}
	return 0;
}

static int not_prepared(const char *path)
{
	return annal_error_set(ANNAL_ENOREPO,
		"not an annal repository: '%s' (a git repository that annal init did not "
		"prepare); use -C <repo> or ANNAL_REPO, or run 'annal init %s'", path, path);
}

int store_check_prepared(annal_repo *repo)
{
	return repo->prepared ? 0 : not_prepared(repo->path);
}

static int repo_finish(annal_repo **out, git_repository *git)
{
	annal_repo *repo = calloc(1, sizeof(*repo));
	const char *path = git_repository_path(git);
	int error;

	if (!repo || !(repo->path = strdup(path))) {
		free(repo);
		git_repository_free(git);
		return annal_error_oom();
	}
	repo->git = git;
	if ((error = packs_regular(repo->path)) < 0) {
		annal_repo_free(repo);
		return error;
	}
	if (git_repository_odb(&repo->odb, git) < 0) {
		error = annal_error_set_git(ANNAL_ENOREPO, "cannot open the object database");
		annal_repo_free(repo);
		return error;
	}
	repo->packs_seen = pack_dir_exists(repo);
	repo->prepared = is_prepared(git);
	repo->shared = shared_of(git);
	shared_umask(repo->shared);
	*out = repo;
	return 0;
}

int store_watch_packs(annal_repo *repo)
{
	git_odb_backend *backend = NULL;
	annal_buf objects = ANNAL_BUF_INIT;
	int error = 0;

	if (repo->packs_seen)
		return 0;
	annal_buf_printf(&objects, "%sobjects", git_repository_commondir(repo->git));
	if ((error = annal_buf_error(&objects)) < 0)
		goto out;
	if (git_odb_backend_pack(&backend, objects.ptr) < 0 ||
	    git_odb_add_backend(repo->odb, backend, 1) < 0) {
		if (backend)
			backend->free(backend);
		error = annal_error_set_git(ANNAL_ERROR, "cannot read objects/pack");
		goto out;
	}
	repo->packs_seen = 1;
out:
	annal_buf_dispose(&objects);
	return error;
}

/*
 * During git's pre-receive, the pushed objects are in a quarantine
 * directory, objects/tmp_objdir-incoming-* (objects/incoming-* in older
 * gits), named by GIT_QUARANTINE_PATH.  Read it only when it is a
 * directory of this repository's objects/ that redirects nothing itself; the environment's GIT_OBJECT_DIRECTORY and
 * GIT_ALTERNATE_OBJECT_DIRECTORIES are never read.
 */
static int path_is_dir(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISDIR(st.st_mode);
}

int store_use_quarantine(annal_repo *repo)
{
	const char *env = getenv("GIT_QUARANTINE_PATH");
	char objects[4200], *real = NULL, *base = NULL;
	size_t n;
	int error = 0;

	if (!env || !*env)
		return 0;
	if ((size_t)snprintf(objects, sizeof(objects), "%sobjects",
			     git_repository_commondir(repo->git)) >= sizeof(objects) ||
	    !(base = realpath(objects, NULL)) || !(real = realpath(env, NULL))) {
		error = annal_error_set(ANNAL_ERROR, "cannot resolve GIT_QUARANTINE_PATH '%s': %s",
					env, strerror(errno));
		goto out;
	}
	n = strlen(base);
	if (strncmp(real, base, n) || real[n] != '/' || strchr(real + n + 1, '/') ||
	    (strncmp(real + n + 1, "incoming-", 9) &&
	     strncmp(real + n + 1, "tmp_objdir-incoming-", 20)) || !path_is_dir(real)) {
		error = annal_error_set(ANNAL_ERROR,
			"GIT_QUARANTINE_PATH '%s' is not a quarantine directory "
			"(objects/tmp_objdir-incoming-*) of this repository", env);
		goto out;
	}
	if ((size_t)snprintf(objects, sizeof(objects), "%s/info/alternates", real) >= sizeof(objects) ||
	    !access(objects, F_OK)) {
		error = annal_error_set(ANNAL_ERROR,
			"the quarantine directory '%s' has info/alternates, which redirects object lookups",
			real);
		goto out;
	}
	if ((error = packs_regular_in(real)) < 0)
		goto out;
	if (git_odb_add_disk_alternate(repo->odb, real) < 0) {
		error = annal_error_set_git(ANNAL_ERROR, "cannot read the quarantine directory");
		goto out;
	}
	repo->quarantine = real;
	real = NULL;
out:
	free(real);
	free(base);
	return error;
}

int store_held_before_push(int *held, annal_repo *repo, const git_oid *id)
{
	git_odb *odb = NULL;
	char objects[4200];
	int error = 0;

	*held = 1;
	if (!repo->quarantine)
		return 0;
	if ((size_t)snprintf(objects, sizeof(objects), "%sobjects",
			     git_repository_commondir(repo->git)) >= sizeof(objects) ||
	    git_odb_open(&odb, objects) < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot read the repository's objects");
	*held = git_odb_exists(odb, id);
	git_odb_free(odb);
	return error;
}

/*
 * Do we own the repository and its config, as git's safe.directory rule
 * asks before it takes a command or file from the repository's config?
 */
static int owned_by_us(git_repository *git)
{
	const char *dirs[2];
	char path[4096];
	struct stat st;
	size_t i;

	dirs[0] = git_repository_path(git);
	dirs[1] = git_repository_commondir(git);
	for (i = 0; i < 2; i++) {
		if (!dirs[i] || stat(dirs[i], &st) < 0 || st.st_uid != geteuid())
			return 0;
		if ((size_t)snprintf(path, sizeof(path), "%sconfig", dirs[i]) >= sizeof(path))
			return 0;
		if (stat(path, &st) < 0 ? errno != ENOENT : st.st_uid != geteuid())
			return 0;
	}
	return 1;
}

int store_trusted_config(git_config **out, annal_repo *repo)
{
	return store_trusted_git_config(out, repo->git);
}

int store_trusted_git_config(git_config **out, git_repository *git)
{
	git_config *all = NULL;
	int error;

	*out = NULL;
	if (owned_by_us(git))
		error = git_repository_config_snapshot(out, git);
	else if (!(error = git_config_open_default(&all)))
		error = git_config_snapshot(out, all);
	git_config_free(all);
	if (error < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot read the configuration");
	return 0;
}

int annal_repo_open(annal_repo **out, const char *path)
{
	git_repository *git = NULL;
	unsigned flags = path ? GIT_REPOSITORY_OPEN_NO_SEARCH : 0;
	int error;

	/*
	 * A repository found by searching up from the current directory must
	 * belong to us (git's safe.directory rule: someone else's repository
	 * in a parent directory must not receive our records).  One named
	 * explicitly may belong to anyone: an auditor reads the log of
	 * another user, and annal never runs hooks or commands from the
	 * configuration of a repository it does not own (pager.c).
	 *
	 * Nor may a found repository be any git repository: run from an
	 * application's checkout, annal would add its logs to the
	 * application's .git.  Discovery finds only a repository that annal
	 * init prepared; one named explicitly may be read (a mirror, a
	 * clone), and every writer checks store_check_prepared().
	 */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, path ? 0 : 1);
	if (path && ((error = not_regular(path, "HEAD")) < 0 ||
		     (error = not_regular(path, "config")) < 0 ||
		     (error = not_regular(path, ".git/HEAD")) < 0 ||
		     (error = not_regular(path, ".git/config")) < 0))
		return error;
	/* discovery stops at $GIT_CEILING_DIRECTORIES, as git's does */
	error = git_repository_open_ext(&git, path ? path : ".", flags,
					path ? NULL : getenv("GIT_CEILING_DIRECTORIES"));
	if (error == GIT_ENOTFOUND || (error < 0 && !git_error_last()))
		return annal_error_set(ANNAL_ENOREPO, "not a git repository: '%s'",
				       path ? path : ".");
	/* a repository we cannot use: an unknown extension, not ours... */
	if (error < 0)
		return annal_error_set(ANNAL_ENOREPO, "cannot open the repository '%s': %s",
				       path ? path : ".", git_error_last()->message);
	if ((error = repo_finish(out, git)) < 0)
		return error;
	if (!path && !(*out)->prepared) {
		error = not_prepared((*out)->path);
		annal_repo_free(*out);
		*out = NULL;
	}
	return error;
}

static int configure(git_repository *git)
{
	git_config *cfg = NULL;
	int error = 0;

	if (git_repository_config(&cfg, git) < 0 ||
	    git_config_set_int32(cfg, "annal.formatVersion", 1) < 0 ||
	    git_config_set_bool(cfg, "receive.denyNonFastForwards", 1) < 0 ||
	    git_config_set_bool(cfg, "receive.denyDeletes", 1) < 0)
		error = annal_error_set_git(ANNAL_ERROR, "cannot write the repository configuration");
	git_config_free(cfg);
	return error;
}

/* 1 when path is a directory with entries, 0 when empty or absent */
static int dir_has_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int found = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while (!found && (e = readdir(d)))
		found = strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return found;
}

int annal_repo_init(annal_repo **out, const char *path, int *how)
{
	return annal_repo_init_shared(out, path, NULL, how);
}

int annal_repo_init_shared(annal_repo **out, const char *path, const char *shared, int *how)
{
	git_repository *git = NULL;
	annal_repo *repo = NULL;
	git_config *cfg = NULL;
	struct stat st;
	int error, perm = 0;

	*how = ANNAL_INIT_REINITIALIZED;
	/* a path named explicitly, as annal_repo_open() treats one */
	git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
	if (shared && shared_parse(&perm, shared) < 0)
		return annal_error_set(ANNAL_EINVALID,
			"invalid --shared value '%s'; use group, all, umask or an octal mode "
			"such as 0660", shared);
	error = git_repository_open_ext(&git, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	if (error < 0 && error != GIT_ENOTFOUND && git_error_last())
		return annal_error_set(ANNAL_ENOREPO, "cannot open the repository '%s': %s",
				       path, git_error_last()->message);
	if (error < 0) {
		git_repository_init_options o;

		if (!stat(path, &st) && !S_ISDIR(st.st_mode))
			return annal_error_set(ANNAL_ENOREPO,
				"'%s' is not a directory; name a new or empty directory, or a git "
				"repository", path);
		if ((error = dir_has_entries(path)) != 0)
			return annal_error_set(ANNAL_ENOREPO,
				error < 0 ? "cannot read the directory '%s': %s" :
				"'%s' is a directory that is neither empty nor a git repository; "
				"name a new or empty directory%s", path,
				error < 0 ? strerror(errno) : "");
		git_repository_init_options_init(&o, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
		o.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
			  GIT_REPOSITORY_INIT_NO_REINIT;
		o.mode = GIT_REPOSITORY_INIT_SHARED_UMASK;
		if (git_repository_init_ext(&git, path, &o) < 0)
			return annal_error_set_git(ANNAL_ERROR, "cannot create the repository");
		*how = ANNAL_INIT_CREATED;
	}
	if ((error = repo_finish(&repo, git)) < 0)
		return error;
	if (*how != ANNAL_INIT_CREATED && !repo->prepared)
		*how = ANNAL_INIT_PREPARED;
	if ((error = configure(repo->git)) < 0)
		goto out;
	if (shared) {
		char value[16];

		if (perm < 0)
			snprintf(value, sizeof(value), "0%o", (unsigned)-perm);
		if (git_repository_config(&cfg, repo->git) < 0 ||
		    git_config_set_string(cfg, "core.sharedRepository",
					  perm == 0 ? "umask" : perm == 0660 ? "group" :
					  perm == 0664 ? "all" : value) < 0) {
			error = annal_error_set_git(ANNAL_ERROR,
						    "cannot write the repository configuration");
			goto out;
		}
		repo->shared = perm;
		shared_umask(perm);
		shared_fix_mode = perm;
		shared_fix_failed = 0;
		if (perm && nftw(repo->path, shared_fix, 16, FTW_PHYS) != 0) {
			error = shared_fix_failed ? ANNAL_ERROR : annal_error_set(ANNAL_ERROR,
				"cannot change the modes in '%s': %s", repo->path, strerror(errno));
			goto out;
		}
	}
	repo->prepared = 1;
	*out = repo;
	repo = NULL;
out:
	git_config_free(cfg);
	annal_repo_free(repo);
	return error;
}

const char *annal_repo_path(const annal_repo *repo)
{
	return repo->path;
}

void annal_repo_free(annal_repo *repo)
{
	if (!repo)
		return;
	git_odb_free(repo->odb);
	git_repository_free(repo->git);
	free(repo->quarantine);
	free(repo->path);
	free(repo);
}

static int is_hex40(const char *p, const char *end)
{
	int i;

	if (end - p < 40)
		return 0;
	for (i = 0; i < 40; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * Whether packed-refs reads as git writes it: an optional "# pack-refs
 * with:" header, then "<id> <refname>" lines, each optionally followed
 * by a "^<id>" peeled line, every line ended by a newline.  libgit2 1.5
 * answers a lookup in a damaged file with "not found" for some lines, so
 * a log whose ref lies there would look missing: this says damage.
 */
static int packed_refs_check(annal_repo *repo)
{
	annal_buf path = ANNAL_BUF_INIT;
	char *data = NULL;
	const char *p, *end, *nl;
	struct stat st;
	size_t line = 0, got = 0;
	ssize_t n;
	int fd = -1, error = 0, after_ref = 0;

	annal_buf_printf(&path, "%spacked-refs", repo->path);
	if ((error = annal_buf_error(&path)) < 0)
		return error;
	if ((fd = open(path.ptr, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0) {
		if (errno != ENOENT)
			error = annal_error_set(ANNAL_ERROR, "cannot read '%s': %s", path.ptr,
						strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		error = annal_error_set(ANNAL_ECORRUPT, "'packed-refs' is not a regular file");
		goto out;
	}
	if (fstat(fd, &st) < 0 || !(data = malloc((size_t)st.st_size + 1))) {
		error = errno == ENOMEM ? annal_error_oom()
			: annal_error_set(ANNAL_ERROR, "cannot read '%s': %s", path.ptr, strerror(errno));
		goto out;
	}
	while (got < (size_t)st.st_size &&
	       ((n = read(fd, data + got, (size_t)st.st_size - got)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	for (p = data, end = data + got; p < end; p = nl + 1) {
		line++;
		if (!(nl = memchr(p, '\n', (size_t)(end - p)))) {
			error = annal_error_set(ANNAL_ECORRUPT,
				"packed-refs line %zu is not terminated", line);
			goto out;
		}
		if (line == 1 && *p == '#')
			continue;
		if (*p == '^' && after_ref && is_hex40(p + 1, nl) && nl == p + 41) {
			after_ref = 0;
			continue;
		}
		if (is_hex40(p, nl) && nl - p > 41 && p[40] == ' ' &&
		    !memchr(p + 41, ' ', (size_t)(nl - p - 41))) {
			after_ref = 1;
			continue;
		}
		error = annal_error_set(ANNAL_ECORRUPT, "packed-refs line %zu is damaged", line);
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	free(data);
	annal_buf_dispose(&path);
	return error;
}

/*
 * An error of libgit2's refs code: damage if packed-refs is, else what
 * failed, with libgit2's message.  That message is taken first: a check
 * that cannot read packed-refs either must not replace it with its own.
 */
static int ref_error(annal_repo *repo, const char *what)
{
	const git_error *e = git_error_last();
	char first[512];

	snprintf(first, sizeof(first), "%s", e && e->message ? e->message : "unknown libgit2 error");
	if (packed_refs_check(repo) == ANNAL_ECORRUPT)
		return ANNAL_ECORRUPT;
	return annal_error_set(ANNAL_ERROR, "%s: %s", what, first);
}

/*
 * libgit2 reads a ref file and packed-refs with a blocking open(): a
 * FIFO in their place would hang every command.  Anything there but a
 * regular file (or a directory of refs) is damage.
 */
static int ref_files_check(annal_repo *repo, const char *refname)
{
	const char *const names[] = { refname, "packed-refs", NULL };
	annal_buf path = ANNAL_BUF_INIT;
	struct stat st;
	size_t i;
	int error = 0;

	for (i = 0; names[i] && !error; i++) {
		annal_buf_clear(&path);
		annal_buf_printf(&path, "%s%s", git_repository_commondir(repo->git), names[i]);
		if ((error = annal_buf_error(&path)) < 0)
			break;
		if (!stat(path.ptr, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			error = annal_error_set(ANNAL_ECORRUPT, "'%s' is not a regular file",
						names[i]);
	}
	annal_buf_dispose(&path);
	return error;
}

/* 1 if refname exists, 0 if not, or the error of ref_files_check() */
static int ref_exists(annal_repo *repo, const char *refname)
{
	git_reference *ref = NULL;
	int found;

	if ((found = ref_files_check(repo, refname)) < 0)
		return found;
	found = git_reference_lookup(&ref, repo->git, refname) == 0;
	git_reference_free(ref);
	git_error_clear();
	return found;
}

int store_ref_conflict(annal_repo *repo, const char *refname)
{
	const size_t skip = strlen(ANNAL_REF_PREFIX);
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	annal_buf name = ANNAL_BUF_INIT;
	const char *p;
	int error = 0;

	if ((error = ref_exists(repo, refname)) != 0)
		return error < 0 ? error : 0;
	for (p = refname + skip; (p = strchr(p, '/')); p++) {
		annal_buf_clear(&name);
		annal_buf_put(&name, refname, (size_t)(p - refname));
		if ((error = annal_buf_error(&name)) < 0)
			goto out;
		if ((error = ref_exists(repo, name.ptr)) < 0)
			goto out;
		if (error) {
			error = annal_error_set(ANNAL_EINVALID,
				"log '%s' cannot be created: log '%s' exists, and git cannot "
				"hold both '%s' and '%s'; choose another log name",
				refname + skip, name.ptr + skip, name.ptr, refname);
			goto out;
		}
	}
	annal_buf_clear(&name);
	annal_buf_printf(&name, "%s/*", refname);
	if ((error = annal_buf_error(&name)) < 0)
		goto out;
	if (git_reference_iterator_glob_new(&it, repo->git, name.ptr) == 0 &&
	    git_reference_next(&ref, it) == 0)
		error = annal_error_set(ANNAL_EINVALID,
			"log '%s' cannot be created: log '%s' exists, and git cannot "
			"hold both '%s' and '%s'; choose another log name",
			refname + skip, git_reference_name(ref) + skip, refname,
			git_reference_name(ref));
	git_error_clear();
out:
	git_reference_free(ref);
	git_reference_iterator_free(it);
	annal_buf_dispose(&name);
	return error;
}

int store_head(git_oid *out, int *exists, annal_repo *repo, const char *refname)
{
	git_reference *ref = NULL;
	int error;

	*exists = 0;
	if ((error = ref_files_check(repo, refname)) < 0)
		return error;
	error = git_reference_lookup(&ref, repo->git, refname);
	if (error == GIT_ENOTFOUND)
		return packed_refs_check(repo);
	/* a ref file that does not parse is damage, like a symbolic ref */
	if (error < 0 && git_error_last() && git_error_last()->klass == GIT_ERROR_REFERENCE)
		return annal_error_set(ANNAL_ECORRUPT, "'%s' is not a valid ref: %s", refname,
				       git_error_last()->message);
	if (error < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot read the log's ref");
	if (git_reference_type(ref) != GIT_REFERENCE_DIRECT) {
		git_reference_free(ref);
		return annal_error_set(ANNAL_ECORRUPT,
				       "'%s' is a symbolic reference", refname);
	}
	git_oid_cpy(out, git_reference_target(ref));
	git_reference_free(ref);
	*exists = 1;
	return 0;
}

/*
 * Whether the loose object id, if there is one, is a zlib stream that
 * ends: 1 if so or if there is none, 0 if it is cut short, -1 if it is
 * not a regular file.  libgit2 1.5 spins in inflate() on one cut short
 * (a loose object truncated by a crash or a bad copy): git_odb_read()
 * never returns; and it would wait for ever on a FIFO in its place.
 * Inflating to the end once more costs microseconds for a record; only
 * single appends leave loose objects, and a pack takes them in.  A
 * fan-out directory found absent is not looked for again, so that a
 * packed log costs one stat() per directory, not an open() per record.
 */
#define LOOSE_MAX (64u << 20)
static int loose_whole(annal_repo *repo, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1], path[4096];
	unsigned char in[4096], out[16384];
	z_stream zs;
	size_t total = 0;
	ssize_t n;
	int fd, ret = Z_OK;

	struct stat st;
	unsigned char dir = atomic_load(&repo->fanout[id->id[0]]);

	git_oid_tostr(hex, sizeof(hex), id);
	if (repo->quarantine && (size_t)snprintf(path, sizeof(path), "%s/%.2s/%s",
						 repo->quarantine, hex, hex + 2) < sizeof(path) &&
	    !lstat(path, &st))
		goto found;	/* pushed, not yet accepted */
	if (dir == 1)
		return 1;
	if ((size_t)snprintf(path, sizeof(path), "%sobjects/%.2s/%s", repo->path, hex,
			     hex + 2) >= sizeof(path))
		return 1;
	if (!dir) {
		path[strlen(path) - (GIT_OID_HEXSZ - 2) - 1] = '\0';
		dir = stat(path, &st) < 0 && errno == ENOENT ? 1 : 2;
		atomic_store(&repo->fanout[id->id[0]], dir);
		path[strlen(path)] = '/';
		if (dir == 1)
			return 1;
	}
found:
	/* non-blocking: opening a FIFO must not wait for a writer */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0)
		return 1;	/* not loose, or libgit2 says why not */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK) {
		close(fd);
		return 1;
	}
	while (ret == Z_OK) {
		n = read(fd, in, sizeof(in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		zs.next_in = in;
		zs.avail_in = (uInt)n;
		do {
			zs.next_out = out;
			zs.avail_out = sizeof(out);
			ret = inflate(&zs, Z_NO_FLUSH);
			total += sizeof(out) - zs.avail_out;
		} while (ret == Z_OK && zs.avail_in && total < LOOSE_MAX);
		if (total >= LOOSE_MAX)
			break;	/* not a record; let libgit2 judge it */
	}
	inflateEnd(&zs);
	close(fd);
	/* a stream that is not zlib at all libgit2 reports itself */
	return (ret != Z_OK && ret != Z_BUF_ERROR) || total >= LOOSE_MAX;
}

/*
 * git repack -d and annal pack delete the packs they merged, at any
 * moment: a reader that listed the packs before the new one was named
 * finds its object in an index whose pack is gone, and libgit2, which
 * looks again only once, calls the object missing.  The new pack is
 * named before an old one is deleted, so a fresh listing finds it; as
 * git does (reprepare_packed_git()), list again before giving up.
 */
#define READ_AGAIN 3
static int read_again(git_odb_object **out, annal_repo *repo, const git_oid *id, int error)
{
	int i;

	for (i = 0; error == GIT_ENOTFOUND && i < READ_AGAIN; i++) {
		if (git_odb_refresh(repo->odb) < 0)
			break;
		error = git_odb_read(out, repo->odb, id);
	}
	return error;
}

static atomic_size_t objects_read;

size_t store_objects_read(void)
{
	return atomic_load(&objects_read);
}

void store_trace_reads(void)
{
	const char *path = getenv("ANNAL_TEST_TRACE_READS");
	FILE *fp;

	if (!path || !*path || !(fp = fopen(path, "a")))
		return;
	fprintf(fp, "%zu\n", store_objects_read());
	fclose(fp);
}

int store_odb_read_raw(git_odb_object **out, annal_repo *repo, const git_oid *id)
{
	int whole = loose_whole(repo, id);

	atomic_fetch_add(&objects_read, 1);

	*out = NULL;
	if (whole < 1) {
		git_error_set_str(GIT_ERROR_ODB, whole ? "loose object is not a regular file"
					       : "loose object is truncated");
		return GIT_ERROR;
	}
	return read_again(out, repo, id, git_odb_read(out, repo->odb, id));
}

void store_object_id(git_oid *out, git_object_t type, const void *data, size_t len)
{
	char hdr[64];
	sha1_ctx c;
	int n = snprintf(hdr, sizeof(hdr), "%s %zu", git_object_type2string(type), len);

	sha1_init(&c);
	sha1_update(&c, hdr, (size_t)n + 1);
	sha1_update(&c, data, len);
	sha1_final(out->id, &c);
}

/*
 * With the SHA-1 of src/sha1.c, which uses the CPU's instructions: 0.4
 * us for a 700-byte record on the machine of performance.md, against 1.2
 * us for libgit2's collision-detecting one (about 5% of a 'log' of every
 * record).  A colliding pair would need annal to have written one of
 * them; verify also regenerates every commit from its record, whose
 * SHA-256 the record above it names (see check_job() in verify.c).
 */
int store_odb_read(git_odb_object **out, annal_repo *repo, const git_oid *id)
{
	git_oid actual;
	char hex[GIT_OID_HEXSZ + 1];
	int error = store_odb_read_raw(out, repo, id);

	if (error < 0)
		return error;
	store_object_id(&actual, git_odb_object_type(*out), git_odb_object_data(*out),
			git_odb_object_size(*out));
	if (git_oid_equal(&actual, id))
		return 0;
	git_odb_object_free(*out);
	*out = NULL;
	git_error_set(GIT_ERROR_ODB, "object %s does not hash to its id",
		      git_oid_tostr(hex, sizeof(hex), id));
	return GIT_EMISMATCH;
}

/* What store_read() says of a libgit2 error reading the object id. */
static int read_error(int error, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	if (error == GIT_ENOTFOUND)
		return annal_error_set(ANNAL_ECORRUPT, "object %s is missing",
				       git_oid_tostr(hex, sizeof(hex), id));
	if (error == GIT_EMISMATCH)
		return annal_error_set(ANNAL_ECORRUPT, "object %s does not hash to its id",
				       git_oid_tostr(hex, sizeof(hex), id));
	if (error < 0)
		return annal_error_set_git(ANNAL_ECORRUPT, "cannot read an object");
	return 0;
}

int store_read(git_odb_object **out, annal_repo *repo, const git_oid *id)
{
	return read_error(store_odb_read(out, repo, id), id);
}

int store_check_object_id(git_odb_object *obj, const git_oid *id)
{
	git_oid actual;

	store_object_id(&actual, git_odb_object_type(obj), git_odb_object_data(obj),
			git_odb_object_size(obj));
	return git_oid_equal(&actual, id) ? 0 : read_error(GIT_EMISMATCH, id);
}

int store_sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), error = 0;

	if (fd < 0 || fsync(fd) < 0)
		error = annal_error_set(ANNAL_ERROR, "cannot sync '%s': %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return error;
}

int store_sync_parent(const char *path)
{
	annal_buf dir = ANNAL_BUF_INIT;
	const char *slash = strrchr(path, '/');
	int error;

	if (slash)
		annal_buf_put(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	else
		annal_buf_puts(&dir, ".");
	if ((error = annal_buf_error(&dir)) == 0)
		error = store_sync_dir(dir.ptr);
	annal_buf_dispose(&dir);
	return error;
}

/*
 * The directories whose entries are known durable in their parents.  A
 * stream would otherwise fsync the parents of objects/pack, refs/ and
 * refs/audit/ again for every record, and every single append would pay
 * those three of its eight flushes.
 *
 * Within a process, a table of the directories it made durable.  Across
 * processes, a mark on the directory itself (the extended attribute
 * DURABLE_XATTR), set only once the fsync of its parent has returned,
 * naming the incarnation it speaks for: the directory's device, inode
 * number and birth time, its name, and the same identity of its parent.
 * A directory removed (git pack-refs prunes empty ones under refs/) and
 * made anew is a new inode without the mark, even where ext4 gives it
 * the old inode number back; a copy (cp -a, tar --xattrs) carries the
 * mark but has another inode or birth time; a directory moved or renamed
 * has another parent or name.  A mark lost in a crash costs one fsync.
 * Without birth times (statx's STATX_BTIME) nothing is marked or
 * trusted, and without extended attributes nothing can be: every process
 * syncs, as before.  A directory this call creates is always synced,
 * never looked up.
 */
#define DURABLE_DIRS 32
#define DURABLE_XATTR "user.annal.durable"

struct dir_id {
	unsigned long long dev, ino, btime_sec;
	unsigned btime_nsec;
};

static struct dir_id durable_dirs[DURABLE_DIRS];
static size_t durable_n;
static pthread_mutex_t durable_mu = PTHREAD_MUTEX_INITIALIZER;

/* 1 with its birth time, 0 without one, -1 when it cannot be read */
static int dir_id_get(struct dir_id *id, const char *path)
{
	struct statx stx;

	memset(id, 0, sizeof(*id));
	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS | STATX_BTIME, &stx) < 0)
		return -1;
	id->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	id->ino = stx.stx_ino;
	if (!(stx.stx_mask & STATX_BTIME))
		return 0;
	id->btime_sec = (unsigned long long)stx.stx_btime.tv_sec;
	id->btime_nsec = stx.stx_btime.tv_nsec;
	return 1;
}

static int durable_known(const struct dir_id *id)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&durable_mu);
	for (i = 0; i < durable_n && !found; i++)
		found = !memcmp(&durable_dirs[i], id, sizeof(*id));
	pthread_mutex_unlock(&durable_mu);
	return found;
}

static void durable_add(const struct dir_id *id)
{
	pthread_mutex_lock(&durable_mu);
	if (durable_n < DURABLE_DIRS)
		durable_dirs[durable_n++] = *id;
	pthread_mutex_unlock(&durable_mu);
}

/* the mark of the directory name in parent, both identified */
static int durable_mark(char *out, size_t size, const struct dir_id *id,
			const struct dir_id *parent, const char *name, size_t namelen)
{
	int n = snprintf(out, size, "1 %llx %llx %llx.%u %llx %llx %llx.%u %.*s",
			 id->dev, id->ino, id->btime_sec, id->btime_nsec,
			 parent->dev, parent->ino, parent->btime_sec, parent->btime_nsec,
			 (int)namelen, name);

	return n > 0 && (size_t)n < size ? n : -1;
}

int store_mkdir_parents(annal_buf *path, size_t from)
{
	char *p;
	int error = 0;

	for (p = path->ptr + from; !error && (p = strchr(p, '/')); p++) {
		*p = '\0';
		error = store_mkdir_durable(path->ptr);
		*p = '/';
	}
	return error;
}

int store_mkdir_durable(const char *path)
{
	char parent[4096], mark[512], found[512];
	size_t len = strlen(path);
	const char *slash;
	struct dir_id id, pid;
	int created, has_id, marklen = -1, error;
	ssize_t n;

	if (!(created = mkdir(path, 0777) == 0) && errno != EEXIST)
		return annal_error_set(ANNAL_ERROR, "cannot create '%s': %s", path, strerror(errno));
	has_id = dir_id_get(&id, path);
	if (!created && has_id >= 0 && durable_known(&id))
		return 0;
	while (len > 1 && path[len - 1] == '/')
		len--;
	for (slash = path + len; slash > path && slash[-1] != '/'; slash--)
		;
	if (slash == path || (size_t)(slash - path) >= sizeof(parent))
		return 0;
	memcpy(parent, path, (size_t)(slash - path));
	parent[slash - path] = '\0';
	if (has_id > 0 && dir_id_get(&pid, parent) > 0)
		marklen = durable_mark(mark, sizeof(mark), &id, &pid, slash,
				       (size_t)(path + len - slash));
	if (!created && marklen > 0 &&
	    (n = getxattr(path, DURABLE_XATTR, found, sizeof(found))) == marklen &&
	    !memcmp(found, mark, (size_t)marklen)) {
		durable_add(&id);
		return 0;
	}
	if ((error = store_sync_dir(parent)) < 0)
		return error;
	/* only now: the mark must never be there before the entry is durable */
	if (marklen > 0)
		setxattr(path, DURABLE_XATTR, mark, (size_t)marklen, 0);
	if (has_id >= 0)
		durable_add(&id);
	return 0;
}

/*
 * refs/audit/ and the directories of a log name with '/' in it: libgit2
 * creates what is missing without an fsync of the parent, and fsyncs
 * only the directory the ref file is renamed into.
 */
static int ref_dirs_durable(annal_repo *repo, const char *refname)
{
	annal_buf path = ANNAL_BUF_INIT;
	const char *p;
	int error = 0;

	for (p = strchr(refname, '/'); p && !error; p = strchr(p + 1, '/')) {
		annal_buf_clear(&path);
		annal_buf_printf(&path, "%s%.*s", git_repository_commondir(repo->git),
				 (int)(p - refname), refname);
		if ((error = annal_buf_error(&path)) < 0)
			break;
		error = store_mkdir_durable(path.ptr);
	}
	annal_buf_dispose(&path);
	return error;
}

int store_cas(annal_repo *repo, const char *refname, const git_oid *new_id,
	      const git_oid *old_id, const char *reflog)
{
	git_reference *ref = NULL;
	git_oid zero;
	int error;

	if ((error = ref_dirs_durable(repo, refname)) < 0)
		return error;
	memset(&zero, 0, sizeof(zero));
	error = git_reference_create_matching(&ref, repo->git, refname, new_id, 1,
					      old_id ? old_id : &zero, reflog);
	git_reference_free(ref);
	switch (error) {
	case 0:
		return 0;
	case GIT_ELOCKED:
		return STORE_LOCKED;
	case GIT_EMODIFIED:
	case GIT_EEXISTS:
		return STORE_CONFLICT;
	case GIT_ENOTFOUND:
		return STORE_CONFLICT;	/* deleted under us */
	default:
		return ref_error(repo, "cannot update the log's ref");
	}
}

int store_commit_parent(git_oid *out, int *has_parent, const char *data, size_t len)
{
	struct commit_parts parts;
	int error;

	*has_parent = 0;
	if ((error = record_commit_parse(&parts, data, len)) < 0)
		return error;
	if (parts.nparents) {
		if (git_oid_fromstrn(out, parts.parents[0], GIT_OID_HEXSZ) < 0)
			return annal_error_set(ANNAL_ECORRUPT, "bad parent line");
		*has_parent = 1;
	}
	return 0;
}

int store_read_commit(git_odb_object **obj, git_oid *parent, int *has_parent,
		      annal_repo *repo, const git_oid *id, int hashed)
{
	int error;

	*has_parent = 0;
	error = hashed ? store_odb_read(obj, repo, id) : store_odb_read_raw(obj, repo, id);
	if ((error = read_error(error, id)) < 0)
		return error;
	if (git_odb_object_type(*obj) != GIT_OBJECT_COMMIT)
		return annal_error_set(ANNAL_ECORRUPT, "not a commit");
	return store_commit_parent(parent, has_parent, git_odb_object_data(*obj),
				   git_odb_object_size(*obj));
}

int store_read_failed(const char *log, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	if (log)
		return annal_error_set(ANNAL_ECORRUPT, "log '%s': record %s: %s; run 'annal verify'",
				       log, hex, annal_error_last()->message);
	return annal_error_set(ANNAL_ECORRUPT, "record %s: %s; run 'annal verify'", hex,
			       annal_error_last()->message);
}

int store_read_record(annal_record **rec, git_odb_object **obj, git_oid *parent, int *has_parent,
		      annal_repo *repo, const char *log, const git_oid *id)
{
	git_odb_object *o = NULL;
	annal_error_saved parent_error;
	git_oid at;
	int error;

	*rec = NULL;
	git_oid_cpy(&at, id);
	error = store_read_commit(&o, parent, has_parent, repo, &at, 1);
	/* a record that does not parse is named before a bad parent line */
	if (error < 0 && o && git_odb_object_type(o) == GIT_OBJECT_COMMIT) {
		annal_error_save(&parent_error);
		if (record_from_commit(rec, &at, git_odb_object_data(o), git_odb_object_size(o)) == 0)
			annal_error_restore(&parent_error);
	} else if (error == 0) {
		error = record_from_commit(rec, &at, git_odb_object_data(o), git_odb_object_size(o));
	}
	if (error < 0)
		goto fail;
	if (obj)
		*obj = o;
	else
		git_odb_object_free(o);
	return 0;
fail:
	annal_record_free(*rec);
	*rec = NULL;
	git_odb_object_free(o);
	return store_read_failed(log, &at);
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct names {
	char **v;
	size_t n, alloc;
};

static int names_add(struct names *l, const char *name)
{
	char **nv;

	if (l->n == l->alloc) {
		size_t alloc = l->alloc ? l->alloc * 2 : 8;

		if (!(nv = realloc(l->v, alloc * sizeof(*nv))))
			return annal_error_oom();
		l->v = nv;
		l->alloc = alloc;
	}
	if (!(l->v[l->n] = strdup(name)))
		return annal_error_oom();
	l->n++;
	return 0;
}

/*
 * The files under dir (refs/audit/ and below; rel is the part below
 * refs/audit/), but for lock files.  libgit2's iterator leaves out a
 * loose ref it cannot parse (empty, garbage: a damaged log), which would
 * drop that log from the list silently; listed, it fails as damage.
 */
static int list_ref_files(struct names *l, annal_buf *dir, annal_buf *rel, int depth)
{
	DIR *dh = NULL;
	struct dirent *d;
	struct stat st;
	size_t dlen = dir->len, rlen = rel->len;
	int error = 0;

	if (depth > 32 || !(dh = opendir(dir->ptr)))
		goto out;	/* what cannot be read libgit2 did not list either */
	while ((d = readdir(dh))) {
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		dir->len = dlen;
		rel->len = rlen;
		annal_buf_puts(dir, d->d_name);
		annal_buf_puts(rel, d->d_name);
		if ((error = annal_buf_error(dir)) < 0 || (error = annal_buf_error(rel)) < 0)
			goto out;
		if (lstat(dir->ptr, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			annal_buf_putc(dir, '/');
			annal_buf_putc(rel, '/');
			if ((error = list_ref_files(l, dir, rel, depth + 1)) < 0)
				goto out;
			continue;
		}
		if (rel->len >= 5 && !strcmp(rel->ptr + rel->len - 5, ".lock"))
			continue;
		if ((error = names_add(l, rel->ptr)) < 0)
			goto out;
	}
out:
	dir->len = dlen;
	rel->len = rlen;
	if (dir->ptr)
		dir->ptr[dlen] = '\0';
	if (rel->ptr)
		rel->ptr[rlen] = '\0';
	if (dh)
		closedir(dh);
	return error;
}

int annal_log_list(char ***out, size_t *n, annal_repo *repo)
{
	git_reference_iterator *it = NULL;
	annal_buf dir = ANNAL_BUF_INIT, rel = ANNAL_BUF_INIT;
	struct names l = { NULL, 0, 0 };
	const char *name;
	size_t i, k;
	int error = 0, rc;

	/* a log in a damaged line would be left out silently */
	if ((error = packed_refs_check(repo)) < 0)
		return error;
	if (git_reference_iterator_glob_new(&it, repo->git, ANNAL_REF_PREFIX "*") < 0)
		return ref_error(repo, "cannot list logs");
	while ((rc = git_reference_next_name(&name, it)) == 0)
		if ((error = names_add(&l, name + strlen(ANNAL_REF_PREFIX))) < 0)
			goto out;
	if (rc != GIT_ITEROVER) {
		error = ref_error(repo, "cannot list logs");
		goto out;
	}
	annal_buf_printf(&dir, "%s" ANNAL_REF_PREFIX, git_repository_commondir(repo->git));
	annal_buf_puts(&rel, "");
	if ((error = annal_buf_error(&dir)) < 0 || (error = annal_buf_error(&rel)) < 0 ||
	    (error = list_ref_files(&l, &dir, &rel, 0)) < 0)
		goto out;
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), strcmp_p);
	/* a loose ref libgit2 listed is there twice */
	for (i = k = 0; i < l.n; i++) {
		if (k && !strcmp(l.v[k - 1], l.v[i])) {
			free(l.v[i]);
			continue;
		}
		l.v[k++] = l.v[i];
	}
	*out = l.v;
	*n = k;
	l.v = NULL;
	l.n = 0;
out:
	annal_strv_free(l.v, l.n);
	annal_buf_dispose(&dir);
	annal_buf_dispose(&rel);
	git_reference_iterator_free(it);
	return error;
}

void annal_strv_free(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int annal_signing_key(annal_key **out, annal_repo *repo, const char *path, int agent)
{
	git_config *cfg = NULL;
	git_buf value = GIT_BUF_INIT;
	const char *env = getenv("ANNAL_SIGNING_KEY");
	int error = 0, cfg_agent = 0;

	*out = NULL;
	if (repo && git_repository_config_snapshot(&cfg, repo->git) < 0)
		return annal_error_set_git(ANNAL_ERROR, "cannot read the repository configuration");
	if (!path && env && *env)
		path = env;
	if (!path && cfg && git_config_get_string_buf(&value, cfg, "annal.signingKey") == 0)
		path = value.ptr;
	if (path && path == value.ptr && !strcmp(path, "-")) {
		/* a setting outlives the command: no standard input to name */
		error = annal_error_set(ANNAL_EINVALID,
			"annal.signingKey is '-': a configured key must be a file; "
			"give '--sign-key -' to read one from standard input");
		path = NULL;
	}
	if (cfg && git_config_get_bool(&cfg_agent, cfg, "annal.signingAgent") < 0)
		cfg_agent = 0;
	if (path && (agent || cfg_agent)) {
		/* the agent holds the private half: read only a public key,
		   from path or from path.pub beside a private key file */
		annal_buf pub = ANNAL_BUF_INIT;
		struct stat st;

		annal_buf_printf(&pub, "%s.pub", path);
		if (strcmp(path, "-") && pub.ptr && !stat(pub.ptr, &st))
			error = annal_key_load_public(out, pub.ptr);
		else
			error = annal_key_load(out, path);
		annal_buf_dispose(&pub);
		if (!error && (*out)->sk) {
			sodium_free((*out)->sk);
			(*out)->sk = NULL;
		}
		if (!error)
			annal_key_set_agent(*out, 1);
	} else if (path) {
		error = annal_key_load(out, path);
	}
	if (!error && *out && !(*out)->sk && !(*out)->agent) {
		error = annal_error_set(ANNAL_EINVALID,
			"'%s' is a public key: sign with --agent, or give the private key", path);
		annal_key_free(*out);
		*out = NULL;
	}
	git_buf_dispose(&value);
	git_config_free(cfg);
	git_error_clear();
	return error;
}

static int replace_file(const char *path, const annal_buf *text, int sync_dir)
{
	annal_buf tmp = ANNAL_BUF_INIT, dir = ANNAL_BUF_INIT;
	const char *slash = strrchr(path, '/');
	size_t done = 0;
	int fd = -1, error = 0, created = 0, closed;
	struct stat st;

	/*
	 * Only a regular file is replaced: renamed over, /dev/null or a
	 * FIFO given as the file would become a regular file (as root, for
	 * every program on the machine).
	 */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return annal_error_set(ANNAL_EINVALID,
				       "'%s' is not a regular file; give the path of a file to write", path);
	annal_buf_printf(&tmp, "%s.XXXXXX", path);
	if (!slash)
		annal_buf_puts(&dir, ".");
	else
		annal_buf_printf(&dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
	if ((error = annal_buf_error(&tmp)) < 0 ||
	    (error = annal_buf_error(&dir)) < 0)
		goto out;
	if ((fd = mkstemp(tmp.ptr)) < 0) {
		error = annal_error_set(ANNAL_ERROR, "cannot create a file next to '%s': %s", path,
					strerror(errno));
		goto out;
	}
	created = 1;
	while (done < text->len) {
		ssize_t n = write(fd, text->ptr + done, text->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error = annal_error_set(ANNAL_ERROR, "cannot write '%s': %s", tmp.ptr,
						strerror(n < 0 ? errno : EIO));
			goto out;
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0) {
		error = annal_error_set(ANNAL_ERROR, "cannot write '%s': %s", tmp.ptr, strerror(errno));
		goto out;
	}
	closed = close(fd);
	fd = -1;
	if (closed < 0) {
		error = annal_error_set(ANNAL_ERROR, "cannot write '%s': %s", tmp.ptr, strerror(errno));
		goto out;
	}
	if (rename(tmp.ptr, path) < 0) {
		error = annal_error_set(ANNAL_ERROR, "cannot rename '%s' to '%s': %s", tmp.ptr, path,
					strerror(errno));
		goto out;
	}
	created = 0;
	if (sync_dir)
		error = store_sync_dir(dir.ptr);
out:
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(tmp.ptr);
	annal_buf_dispose(&tmp);
	annal_buf_dispose(&dir);
	return error;
}

int store_replace_file(const char *path, const annal_buf *text)
{
	return replace_file(path, text, 1);
}

int annal_file_replace(const char *path, const annal_buf *data)
{
	return replace_file(path, data, 1);
}

int store_replace_cache(const char *path, const annal_buf *text)
{
	return replace_file(path, text, 0);
}
