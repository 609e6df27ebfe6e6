#!/usr/bin/env bash
# A short simulation-based calibration run for make test (make sbc runs the full one).
cd "$(dirname "$0")/../.."
exec "${BUILD:-build}/tests/stat/sbc" "${SBC_SIMS:-30}"
