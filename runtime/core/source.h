/* source.h - the texts of the files a run has read (scripts and data), kept so that an error
 * can show the offending line with a caret under it.  The registry owns every text and file
 * name; gb_loc.file points into it, so it must outlive any error list that refers to it.
 */
#ifndef GB_RUNTIME_CORE_SOURCE_H
#define GB_RUNTIME_CORE_SOURCE_H

#include <stddef.h>
#include <stdio.h>

#include "status.h"

typedef struct gb_sources gb_sources;

typedef struct gb_source {
    const char *name; /* as given by the user, owned by the registry */
    const char *text; /* NUL-terminated copy, owned by the registry */
    size_t len;       /* bytes, not counting the terminator */
} gb_source;

gb_sources *gb_sources_new(void);
void gb_sources_free(gb_sources *s);

/* Reads a whole file into the registry.  Refuses directories, unreadable files, files with a NUL
 * byte (when text_only) and files larger than max_bytes, with a message in errs.  On success
 * *out borrows the registry's copy. */
gb_status gb_sources_read(gb_sources *s, const char *path, size_t max_bytes, int text_only,
                          const gb_source **out, gb_errlist *errs);
/* Adds a text from memory (tests, fuzzers); the registry copies name and text. */
gb_status gb_sources_add(gb_sources *s, const char *name, const char *text, size_t len,
                         const gb_source **out);
const gb_source *gb_sources_find(const gb_sources *s, const char *name);

/* Renders every error as
 *     file:line:col: error: message
 *         7 |   theta[j] ~ normall(mu, tau)
 *           |              ^~~~~~~
 *     hint: did you mean 'normal'?
 * showing the source line when the file is in the registry.  Returns 0, or -1 if writing failed. */
int gb_errlist_print(const gb_errlist *errs, const gb_sources *srcs, FILE *out);

#endif
