namespace Nn.Span.Demo;

/// <summary>Everything the default run reports: the checks, the options, the training outcome and the measurements.</summary>
/// <param name="Checks">The seed's sanity checks.</param>
/// <param name="Options">The training options.</param>
/// <param name="Dimensions">The network's dimensions.</param>
/// <param name="TrainCount">Training examples.</param>
/// <param name="TestCount">Test examples.</param>
/// <param name="Outcome">Per-epoch summaries, throughput and allocations of the training loop.</param>
/// <param name="Confusion">The test set's confusion matrix after training.</param>
/// <param name="ForwardBackwardMedianMicroseconds">Median time of one forward+backward call on a full mini-batch.</param>
/// <param name="PredictMedianMicroseconds">Median time of one single-example prediction.</param>
/// <param name="SavedTo">Where the parameters were saved, or null.</param>
internal sealed record TrainingReport(
    IReadOnlyList<CheckResult> Checks,
    TrainingOptions Options,
    NetworkDimensions Dimensions,
    int TrainCount,
    int TestCount,
    TrainingOutcome Outcome,
    ConfusionMatrix Confusion,
    double ForwardBackwardMedianMicroseconds,
    double PredictMedianMicroseconds,
    string? SavedTo)
{
    /// <summary>The rows of the mini-batch whose forward+backward call was timed.</summary>
    public int ForwardBackwardBatchSize => Math.Min(Options.BatchSize, TrainCount);

    /// <summary>Whether every sanity check passed.</summary>
    public bool ChecksPassed => Checks.All(check => check.Passed);

    /// <summary>The share of test examples classified correctly after the last epoch.</summary>
    public double TestAccuracy => (double)Confusion.Correct / Confusion.Total;
}
