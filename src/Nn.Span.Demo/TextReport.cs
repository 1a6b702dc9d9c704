using System.Globalization;

namespace Nn.Span.Demo;

/// <summary>The default run's human-readable report.</summary>
internal static class TextReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The checks, each with PASS or FAIL and its worst relative difference, and a closing line.</summary>
    public static void WriteChecks(TextWriter output, IReadOnlyList<CheckResult> checks)
    {
        output.WriteLine("Seed checks");
        foreach (CheckResult check in checks)
        {
            output.WriteLine(check.Format());
        }

        int failed = checks.Count(check => !check.Passed);
        output.WriteLine(failed == 0 ? $"All {checks.Count} checks passed." : $"{failed} of {checks.Count} checks FAILED.");
        output.WriteLine();
    }

    /// <summary>What is about to be trained, printed before the per-epoch progress lines.</summary>
    public static void WriteTrainingHeader(TextWriter output, TrainingOptions options, NetworkDimensions dimensions, int trainCount, int testCount)
    {
        output.WriteLine(string.Create(
            Invariant,
            $"Training on the 8x8 digits: {trainCount + testCount} examples, {trainCount} train / {testCount} test (stratified, seed {options.Seed}), inputs scaled to [0, 1]"));
        output.WriteLine(string.Create(
            Invariant,
            $"Network {dimensions} in {PrecisionName(options.Precision)}; mini-batch SGD: batch {options.BatchSize}, lr {options.LearningRate} / (1 + {options.Decay} epoch), momentum {options.Momentum}, {options.Epochs} epochs"));
    }

    /// <summary>Accuracy, confusion matrix, throughput, latencies, allocations and the saved file.</summary>
    public static void WriteResults(TextWriter output, TrainingReport report)
    {
        ConfusionMatrix confusion = report.Confusion;
        output.WriteLine();
        output.WriteLine(string.Create(Invariant, $"Test accuracy: {100 * report.TestAccuracy:F2}% ({confusion.Correct} of {confusion.Total})"));
        output.WriteLine();
        output.WriteLine("Confusion matrix (rows: true digit, columns: predicted digit)");
        output.Write("     ");
        for (int predicted = 0; predicted < confusion.Classes; predicted++)
        {
            output.Write(string.Create(Invariant, $"{predicted,4}"));
        }

        output.WriteLine();
        for (int actual = 0; actual < confusion.Classes; actual++)
        {
            output.Write(string.Create(Invariant, $"  {actual,2} "));
            for (int predicted = 0; predicted < confusion.Classes; predicted++)
            {
                output.Write(string.Create(Invariant, $"{confusion[actual, predicted],4}"));
            }

            output.WriteLine();
        }

        output.WriteLine();
        TrainingOutcome outcome = report.Outcome;
        output.WriteLine(string.Create(
            Invariant,
            $"Training throughput: {outcome.ExamplesPerSecond:N0} examples/s ({outcome.ExamplesProcessed} examples in {outcome.StepSeconds:F3} s of forward, backward and SGD steps)"));
        output.WriteLine(string.Create(
            Invariant,
            $"Median latency: forward+backward of a batch of {report.ForwardBackwardBatchSize}: {report.ForwardBackwardMedianMicroseconds:F2} us; one-example prediction: {report.PredictMedianMicroseconds:F2} us"));
        output.WriteLine(string.Create(
            Invariant,
            $"Allocated during the training loop (after warm-up): {outcome.AllocatedBytes} bytes"));
        if (report.SavedTo is not null)
        {
            output.WriteLine($"Parameters saved to {report.SavedTo}");
        }
    }

    /// <summary>"float" or "double".</summary>
    public static string PrecisionName(Precision precision) => precision == Precision.Float ? "float" : "double";
}
