#!/usr/bin/env bash
# Train one language's NER pipeline: convert the corpus, then a bounded `spacy train` on one core.
#
#   training/ner/train.sh LANG [extra spacy-train overrides, e.g. --training.max_steps 1000]
#
# Environment: DATA (default ../shared/corpus/ner-train), PYTHON (default python),
# OUT (default training/ner/output/LANG), CORPUS (default training/ner/corpus/LANG),
# CONVERT_ARGS (extra convert.py options; per-language defaults below), CONFIG (default
# config.cfg; config-rows.cfg gives each embedded feature its own number of rows).
# The seed is fixed (0) and the run is bounded by [training] max_steps, so a rerun on the
# same data gives the same model (spaCy on CPU is deterministic for a given seed).
set -euo pipefail
lang=${1:?usage: train.sh LANG [overrides]}
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-python}
DATA=${DATA:-$root/../shared/corpus/ner-train}
OUT=${OUT:-$here/output/$lang}
CORPUS=${CORPUS:-$here/corpus/$lang}
# Per-language choices, measured on German first (see README.md and the model cards).
CONVERT_ARGS=${CONVERT_ARGS:---misc drop --wikiann-cap 0}
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

# shellcheck disable=SC2086  # CONVERT_ARGS is a list of options on purpose
"$PYTHON" "$here/convert.py" --lang "$lang" --data "$DATA" --out "$CORPUS" --seed 0 $CONVERT_ARGS
start=$(date +%s)
"$PYTHON" -m spacy train "${CONFIG:-$here/config.cfg}" --output "$OUT" \
    --nlp.lang "$lang" --paths.train "$CORPUS/train.spacy" --paths.dev "$CORPUS/dev.spacy" \
    --system.seed 0 "$@"
end=$(date +%s)
cp "$CORPUS/stats.json" "$OUT/corpus_stats.json"
printf '{"lang": "%s", "train_seconds": %d, "overrides": "%s", "convert_args": "%s"}\n' \
    "$lang" "$((end - start))" "$*" "$CONVERT_ARGS" > "$OUT/train_info.json"
cat "$OUT/train_info.json"
