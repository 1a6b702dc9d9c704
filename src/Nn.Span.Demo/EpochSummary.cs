namespace Nn.Span.Demo;

/// <summary>What one epoch of training reached.</summary>
/// <param name="Epoch">The epoch, counted from 1.</param>
/// <param name="Epochs">The number of epochs of the run.</param>
/// <param name="LearningRate">The learning rate used during this epoch.</param>
/// <param name="Loss">The mean cross-entropy over the epoch's mini-batches, weighted by their sizes.</param>
/// <param name="TrainAccuracy">The share of training examples classified correctly after the epoch.</param>
/// <param name="TestAccuracy">The share of test examples classified correctly after the epoch.</param>
internal readonly record struct EpochSummary(int Epoch, int Epochs, double LearningRate, double Loss, double TrainAccuracy, double TestAccuracy);
