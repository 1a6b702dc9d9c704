#!/usr/bin/env bash
# Runs the benchmark suite and regenerates docs/benchmarks.md, its charts and the README's headline
# table from the run's CSV reports. With arguments, they go to BenchmarkDotNet (for example
# --filter '*GemmBenchmarks*' for one group) and only the benchmarks run: a partial run never
# overwrites the published report.
# The OpenBLAS rows need libopenblas.so.0 (Debian: apt-get install libopenblas0-pthread); without it
# they are left out and everything else runs.
set -euo pipefail
cd "$(dirname "$0")/.."

artifacts=BenchmarkDotNet.Artifacts
rm -rf "$artifacts/results"
dotnet run -c Release --project benchmarks/Nn.Span.Benchmarks -- --artifacts "$artifacts" "$@"
if [ "$#" -eq 0 ]; then
  # The targets' ratios again, their two sides alternating in rounds (see PairedRun.cs). OpenBLAS reads its
  # settings from the process environment when it loads.
  OPENBLAS_CORETYPE=Cooperlake OPENBLAS_NUM_THREADS=1 \
    dotnet run -c Release --project benchmarks/Nn.Span.Benchmarks -- --paired --artifacts "$artifacts"
  # The products once more against OpenBLAS's AVX2 kernels, which some cores (AMD Zen 4) run faster than its
  # AVX-512 ones.
  OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=1 \
    dotnet run -c Release --project benchmarks/Nn.Span.Benchmarks -- --paired-products --artifacts "$artifacts"
  dotnet run -c Release --project benchmarks/Nn.Span.BenchmarkReport -- "$artifacts/results" .
else
  echo "Partial run: results in $artifacts/results; docs/benchmarks.md left as it was."
fi
