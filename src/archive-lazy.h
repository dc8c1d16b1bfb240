#ifndef ANNAL_ARCHIVE_LAZY_H
#define ANNAL_ARCHIVE_LAZY_H
/*
 * libarchive, loaded on first use.  It pulls in libxml2, ICU and a dozen
 * more libraries, which cost every annal process milliseconds at start;
 * only export and audit-verify need it.  bundle.c calls libarchive
 * through this table (la.<name>), filled by archive_load().
 */
#include <archive.h>
#include <archive_entry.h>

#define ANNAL_ARCHIVE_FUNCTIONS(X) \
	X(archive_entry_filetype) X(archive_entry_free) X(archive_entry_hardlink) \
	X(archive_entry_is_encrypted) X(archive_entry_new) X(archive_entry_pathname) \
	X(archive_entry_set_filetype) X(archive_entry_set_mtime) X(archive_entry_set_pathname) \
	X(archive_entry_set_perm) X(archive_entry_set_size) X(archive_entry_size) \
	X(archive_entry_size_is_set) X(archive_entry_symlink) X(archive_errno) X(archive_error_string) \
	X(archive_read_data) X(archive_read_free) X(archive_read_new) \
	X(archive_read_next_header) X(archive_read_open_memory) \
	X(archive_read_support_format_zip_seekable) X(archive_write_close) \
	X(archive_write_data) X(archive_write_free) X(archive_write_header) \
	X(archive_write_new) X(archive_write_open) X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_format_zip) X(archive_write_zip_set_compression_deflate) \
	X(archive_version_string)

struct archive_lazy {
#define FIELD(name) __typeof__(&name) name;
	ANNAL_ARCHIVE_FUNCTIONS(FIELD)
#undef FIELD
};
extern struct archive_lazy la;

/* 0, or ANNAL_ERROR naming what could not be loaded. */
int archive_load(void);
#endif
