/* version.h - glassbox's version, shown by --version and recorded in output files. */
#ifndef GB_RUNTIME_CORE_VERSION_H
#define GB_RUNTIME_CORE_VERSION_H

#define GB_VERSION "0.1.0"

#endif
