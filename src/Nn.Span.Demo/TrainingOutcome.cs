namespace Nn.Span.Demo;

/// <summary>What a training run produced and measured.</summary>
/// <param name="Epochs">One summary per epoch, in order.</param>
/// <param name="StepSeconds">Time spent in the mini-batch steps (forward, backward, SGD update), evaluation excluded.</param>
/// <param name="ExamplesProcessed">Training examples passed through the steps: epochs x training set size.</param>
/// <param name="AllocatedBytes">Bytes allocated by the training thread from the first epoch to the end of the last
/// (steps, evaluation and progress lines), after a warm-up step.</param>
internal sealed record TrainingOutcome(EpochSummary[] Epochs, double StepSeconds, long ExamplesProcessed, long AllocatedBytes)
{
    /// <summary>Training throughput: examples through the steps per second.</summary>
    public double ExamplesPerSecond => StepSeconds > 0 ? ExamplesProcessed / StepSeconds : 0;
}
