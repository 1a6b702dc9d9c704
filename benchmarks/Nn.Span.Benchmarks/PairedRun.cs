using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using System.Text;

namespace Nn.Span.Benchmarks;

/// <summary>
/// The targets' ratios measured in interleaved rounds (<c>--paired</c>). BenchmarkDotNet measures one benchmark after
/// another, seconds to minutes apart; on a shared host whose speed drifts (this 2-core machine has run the same FMA loop
/// at 106 to 175 GFLOP/s within an hour), a ratio of two such medians carries the drift. Here the two sides of a ratio
/// alternate in rounds of about 10 ms a side (A then B, then B then A), the ratio is taken within each round, and the
/// figure is its median over the rounds, with the 10th and 90th percentiles. The sides are the suite's own benchmark
/// methods, set up by their own <c>GlobalSetup</c> (which checks that they compute the same thing).
/// </summary>
internal static class PairedRun
{
    /// <summary>The file the report step reads, in the results directory.</summary>
    public const string FileName = "paired.csv";

    /// <summary>
    /// The products against OpenBLAS again, in a second process whose OpenBLAS runs another kernel family
    /// (<c>--paired-products</c>; run.sh sets OPENBLAS_CORETYPE=Haswell for it).
    /// </summary>
    public const string ProductsFileName = "paired-products.csv";

    /// <summary>Rounds per comparison.</summary>
    private const int Rounds = 31;

    /// <summary>The time of one side's batch of calls in a round.</summary>
    private static readonly TimeSpan BatchTime = TimeSpan.FromMilliseconds(10);

    /// <summary>The two sides' calls before timing, in turn: tiered compilation has then compiled them fully.</summary>
    private static readonly TimeSpan WarmUpTime = TimeSpan.FromSeconds(1);

    /// <summary>Where the FMA loop's result goes, so that the compiler cannot drop the loop as unused.</summary>
    private static float PeakResult { get; set; }

    /// <summary>How a comparison is read against its goal.</summary>
    private enum Kind
    {
        /// <summary>The baseline's time over the subject's: how many times faster the subject is.</summary>
        Speedup,

        /// <summary>The subject's GFLOP/s over the FMA loop's: the fraction of the peak it reaches.</summary>
        PeakFraction,
    }

    /// <summary>One ratio: its two sides, and the target it is read against (NaN: none).</summary>
    private sealed record Comparison(
        string Name, string Target, double Goal, Kind Kind, string SubjectName, Action Subject, double SubjectFlops, string BaselineName, Action Baseline, double BaselineFlops);

    /// <summary>
    /// Measures every comparison and writes <see cref="FileName"/> into <paramref name="resultsDirectory"/>, or, with
    /// <paramref name="productsOnly"/>, only the products against OpenBLAS into <see cref="ProductsFileName"/>;
    /// <paramref name="smoke"/>: one round of one call a side, to prove that they run.
    /// </summary>
    public static void Run(string resultsDirectory, bool smoke, bool productsOnly = false)
    {
        if (productsOnly && !OpenBlas.IsAvailable)
        {
            Console.WriteLine("libopenblas.so.0 is not available: no products against OpenBLAS to measure.");
            return;
        }

        if (OpenBlas.IsAvailable && Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is null)
        {
            Console.WriteLine("OPENBLAS_CORETYPE is not set: OpenBLAS may run a generic kernel (run.sh sets it).");
        }

        var lines = new List<string> { "Comparison,Target,Goal,Kind,Subject,Baseline,Rounds,SubjectMedianNs,BaselineMedianNs,Median,P10,P90" };
        foreach (Func<Comparison> create in Comparisons(productsOnly))
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Comparison comparison = create();
            if (comparison.Name.Contains(',', StringComparison.Ordinal) || comparison.Target.Contains(',', StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"\"{comparison.Name}\": the CSV holds no commas in names.");
            }

            (double subjectNs, double baselineNs, double[] ratios) = Measure(comparison, smoke);
            double Percentile(double p) => ratios[(int)Math.Round(p * (ratios.Length - 1))];
            lines.Add(string.Join(',',
                comparison.Name, comparison.Target, comparison.Goal.ToString("R", CultureInfo.InvariantCulture), comparison.Kind, comparison.SubjectName,
                comparison.BaselineName, ratios.Length.ToString(CultureInfo.InvariantCulture), F(subjectNs), F(baselineNs), F(Percentile(0.5)),
                F(Percentile(0.1)), F(Percentile(0.9))));
            Console.WriteLine(
                $"{comparison.Name,-34} {comparison.SubjectName} {Report(subjectNs)} vs {comparison.BaselineName} {Report(baselineNs)}: " +
                $"median {Percentile(0.5):F3} (p10 {Percentile(0.1):F3}, p90 {Percentile(0.9):F3}), goal {comparison.Target}");
        }

        Directory.CreateDirectory(resultsDirectory);
        File.WriteAllLines(Path.Combine(resultsDirectory, productsOnly ? ProductsFileName : FileName), lines, new UTF8Encoding(false));

        static string F(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
        static string Report(double nanoseconds) => nanoseconds < 1e4 ? $"{nanoseconds:F0} ns" : $"{nanoseconds / 1e3:F1} us";
    }

    /// <summary>
    /// Warms both sides up, sizes a batch of each to about <see cref="BatchTime"/>, then times <see cref="Rounds"/>
    /// rounds: returns each side's median time per call and the sorted per-round ratios.
    /// </summary>
    private static (double SubjectNs, double BaselineNs, double[] Ratios) Measure(Comparison comparison, bool smoke)
    {
        int subjectCalls = 1, baselineCalls = 1, rounds = 1;
        if (!smoke)
        {
            var warmUp = Stopwatch.StartNew();
            int calls = 0;
            while (warmUp.Elapsed < WarmUpTime || calls < 2)
            {
                comparison.Subject();
                comparison.Baseline();
                calls++;
            }

            subjectCalls = CallsPerBatch(comparison.Subject);
            baselineCalls = CallsPerBatch(comparison.Baseline);
            rounds = Rounds;
        }

        var subject = new double[rounds];
        var baseline = new double[rounds];
        var ratios = new double[rounds];
        for (int round = 0; round < rounds; round++)
        {
            if (round % 2 == 0)
            {
                subject[round] = TimePerCall(comparison.Subject, subjectCalls);
                baseline[round] = TimePerCall(comparison.Baseline, baselineCalls);
            }
            else
            {
                baseline[round] = TimePerCall(comparison.Baseline, baselineCalls);
                subject[round] = TimePerCall(comparison.Subject, subjectCalls);
            }

            ratios[round] = comparison.Kind == Kind.Speedup
                ? baseline[round] / subject[round]
                : comparison.SubjectFlops / subject[round] / (comparison.BaselineFlops / baseline[round]);
        }

        Array.Sort(subject);
        Array.Sort(baseline);
        Array.Sort(ratios);
        return (subject[rounds / 2], baseline[rounds / 2], ratios);
    }

    /// <summary>Calls that take about <see cref="BatchTime"/>, at least one.</summary>
    private static int CallsPerBatch(Action action)
    {
        double once = TimePerCall(action, 1);
        return (int)Math.Clamp(BatchTime.TotalNanoseconds / Math.Max(once, 1), 1, 1_000_000);
    }

    /// <summary>Nanoseconds per call over <paramref name="calls"/> calls.</summary>
    private static double TimePerCall(Action action, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            action();
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
    }

    /// <summary>
    /// The targets of the design that are ratios, each created (and set up) when its turn comes; with
    /// <paramref name="productsOnly"/>, only the products against OpenBLAS.
    /// </summary>
    private static IEnumerable<Func<Comparison>> Comparisons(bool productsOnly)
    {
        var peak = new FmaPeakBenchmarks();
        Action peakLoop = () => PeakResult = peak.FmaPeak();
        double peakFlops = peak.Loop.Flops;

        // The products against OpenBLAS, and the large ones against the FMA peak.
        foreach (GemmShape shape in GemmShape.All)
        {
            // Large: at least as fast as OpenBLAS. Thin and tiny (20x10x5, 256x512x10, 256x10x512 BT): 1.5x. The
            // mnist dW2 product (512x256x10 AT) has no target of its own.
            bool large = shape.Flops > 1e8;
            if (OpenBlas.IsAvailable)
            {
                (string target, double goal) = large ? ("at least as fast as OpenBLAS", 1.0)
                    : shape.TransposeA == Transpose.None ? ("1.5x OpenBLAS", 1.5)
                    : ("-", double.NaN);
                yield return () =>
                {
                    GemmBenchmarks gemm = Gemm(shape);
                    return new Comparison(
                        $"product {shape}", target, goal, Kind.Speedup, "Nn.Span", gemm.NnSpan, shape.Flops, $"OpenBLAS {OpenBlas.CoreName}", gemm.OpenBlasSgemm, shape.Flops);
                };
            }

            if (large && !productsOnly)
            {
                yield return () =>
                {
                    GemmBenchmarks gemm = Gemm(shape);
                    return new Comparison($"product {shape} of FMA peak", "85% of FMA peak", 0.85, Kind.PeakFraction, "Nn.Span", gemm.NnSpan, shape.Flops, "FMA peak", peakLoop, peakFlops);
                };
            }
        }

        if (productsOnly)
        {
            yield break;
        }

        // The network steps against the FMA peak, counted over their five products.
        foreach ((Workload workload, double goal) in new[] { (Workload.Digits, 0.60), (Workload.Mnist, 0.80), (Workload.Wide, 0.85) })
        {
            yield return () =>
            {
                var step = new ForwardBackwardBenchmarks { Workload = workload };
                step.Setup();
                return new Comparison(
                    $"forward+backward {workload} of FMA peak", $"{goal * 100:F0}% of FMA peak", goal, Kind.PeakFraction, "Nn.Span", () => step.NnSpan(), workload.Flops,
                    "FMA peak", peakLoop, peakFlops);
            };
        }

        yield return () =>
        {
            var sigmoid = new SigmoidBenchmarks { Length = 1 << 20 };
            sigmoid.Setup();
            return new Comparison("sigmoid 1048576 floats", "2x TensorPrimitives", 2.0, Kind.Speedup, "Nn.Span", sigmoid.NnSpan, 0, "TensorPrimitives", sigmoid.TensorPrimitivesSigmoid, 0);
        };

        foreach (RowsShape shape in SoftmaxBenchmarks.Shapes)
        {
            yield return () =>
            {
                var softmax = new SoftmaxBenchmarks { Shape = shape };
                softmax.Setup();
                return shape.Columns <= 16
                    ? new Comparison($"softmax {shape}", "10x TensorPrimitives.SoftMax", 10.0, Kind.Speedup, "Nn.Span", softmax.NnSpan, 0, "TensorPrimitives.SoftMax", softmax.UnshiftedSoftMax, 0)
                    : new Comparison($"softmax {shape}", "-", double.NaN, Kind.Speedup, "Nn.Span", softmax.NnSpan, 0, "TensorPrimitives composed", softmax.Composed, 0);
            };
        }

        static GemmBenchmarks Gemm(GemmShape shape)
        {
            var gemm = new GemmBenchmarks { Shape = shape };
            gemm.Setup();
            return gemm;
        }
    }
}
