#!/usr/bin/env bash
# run_draws_hash_fisher.sh - run_draws_hash.sh on the default warmup (--adapt fisher): the same
# models, seed and settings, hashes in tests/e2e/draws_hashes_fisher.txt.
DRAWS_HASH_ADAPT=fisher exec bash "$(dirname "$0")/run_draws_hash.sh" "$@"
