#!/bin/bash -eu
# ClusterFuzzLite build: the OSS-Fuzz build (fuzz/oss-fuzz/build.sh), for the `fixed`
# variant only. Every other variant models code with known bugs that an engine finds in
# minutes, so fuzzing them would fail every pull request; a crash in `fixed` is a regression
# (or a false positive, which is a bug of ours too). Campaigns on the buggy variants are
# scripts/fuzz.sh's job.
export RACEFUZZ_OSS_FUZZ_VARIANTS=${RACEFUZZ_OSS_FUZZ_VARIANTS:-fixed}
exec bash -eu "$SRC/racefuzz/fuzz/oss-fuzz/build.sh"
