/* colname.h - column names: glassbox's names and the names the draws CSV gives them, and the
 * patterns `run --keep` matches against names.
 *
 * A glassbox column is a node name followed by its 1-based indices: `beta.1`, `Sigma.2.3`, and
 * inside components `fit.beta.1`, `net.layer[1].W.1.1`, `grid[1,2].b.3`.  Stan's readers take
 * everything before the first '.' as the variable and every later dot-separated part as an
 * integer index, so the node part of a component column is written to the CSV with '.', '[' and
 * ',' turned into '_' and ']' dropped: `fit_beta.1`, `net_layer_1_W.1.1`, `grid_1_2_b.3`.
 * Top-level names are unchanged.  What the readers do, from their source:
 *   - rstan 2.21 read_stan_csv: unique_par() takes gsub("\\..*", "", name) as the variable and
 *     get_dims_from_fnames() reads every run of digits after it as an index; read.csv's
 *     check.names also turns '[' and ']' into '.', so `net.layer[1].W.1.1` failed with
 *     "subscript out of bounds".
 *   - stanio (what cmdstanpy reshapes draws with) reshape.py _from_header: the base name is
 *     name.split(".")[0].split(":")[0] and the dimensions int() of the other dot-separated
 *     parts (':' marks tuples, ".real"/".imag" complex numbers).
 *   - ArviZ io_cmdstan.py _unpack_ndarrays: `key, *loc = col.split(".")`, then int(i) - 1 of
 *     each part of loc.
 * All three read `net_layer_1_W.1.1` as the variable net_layer_1_W with indices (1, 1).  Two
 * nodes whose CSV names would be equal (`fit.beta` and a top-level `fit_beta`) are refused by
 * the caller (see gb_colname_clash).
 *
 * The files say how their names map in comments before the header row, one per renamed node,
 *     # glassbox name of fit_beta: fit.beta
 * (no '=', so the config parsers of rstan, cmdstanpy and ArviZ pass over them), which
 * `glassbox summary` reads back to show and group the glassbox names.
 */
#ifndef GB_RUNTIME_IO_COLNAME_H
#define GB_RUNTIME_IO_COLNAME_H

#include <stddef.h>
#include <stdio.h>

/* Length of the node part of a column name: the name without its trailing ".i.j" indices. */
size_t gb_colname_node_len(const char *name);

/* The CSV name of a column or node name into buf (always terminated when len > 0).  Returns the
 * length of the full CSV name; it did not fit when that is >= len. */
size_t gb_colname_to_csv(const char *name, char *buf, size_t len);

/* Do two of the n names (one per node: node names, or one column of each node) have the same CSV
 * node name?  Returns 1 with the two in *a < *b, 0 when all are distinct, -1 when out of memory.
 * Sorts, so n log n. */
int gb_colname_clash(const char *const *names, size_t n, size_t *a, size_t *b);

/* Writes the "# glassbox name of CSV: NAME" comments for the nodes among the n column names
 * whose CSV name differs (one per node; a node's columns are adjacent).  Returns 0, or -1 when
 * a write failed. */
int gb_colname_write_map(FILE *f, const char *const *names, size_t n);
/* Writes one column's CSV name.  Returns 0, or -1 when a write failed. */
int gb_colname_write_csv(FILE *f, const char *name);

/* For a comment line (without its '#') that is a map entry, points *csv and *gb into it at the
 * CSV node name and the glassbox node name and returns 1 (lengths in *csv_len, *gb_len); 0 for
 * any other comment. */
int gb_colname_parse_map(const char *comment, const char **csv, size_t *csv_len, const char **gb,
                         size_t *gb_len);

/* Does a --keep pattern match name?  '*' matches any run of characters (also none), '?' any one
 * character; everything else, '[' and ']' included, matches itself, so a component index needs
 * no escaping: 'net.layer[1].h' and 'net.layer[*].h.3.*' mean what they say. */
int gb_colname_match(const char *pattern, const char *name);

/* Edit distance (insertions, deletions, substitutions, adjacent transpositions) between a and
 * b, for suggesting close names; names longer than 127 bytes count as far from everything. */
size_t gb_colname_distance(const char *a, const char *b);

#endif
