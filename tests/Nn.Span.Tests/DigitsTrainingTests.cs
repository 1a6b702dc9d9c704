using Nn.Span.Demo;

namespace Nn.Span.Tests;

/// <summary>
/// Training on the digits data set that ships inside the demo assembly: the default options reach 96% test accuracy,
/// runs are reproducible bit for bit, and the split keeps the class proportions.
/// </summary>
public sealed class DigitsTrainingTests
{
    private static readonly DigitsDataSet Digits = DigitsDataSet.LoadEmbedded();

    [Fact]
    public void The_embedded_data_set_holds_1797_images_of_64_pixel_counts_and_labels_0_to_9()
    {
        Assert.Equal(1797, Digits.Count);
        Assert.Equal(1797 * 64, Digits.Pixels.Length);
        Assert.All(Digits.Pixels, pixel => Assert.InRange(pixel, 0, 16));
        Assert.Equal(Enumerable.Range(0, 10), Digits.Labels.Distinct().Order());
    }

    [Fact]
    public void The_stratified_split_holds_out_a_fifth_of_every_class_and_uses_every_image_once()
    {
        (int[] train, int[] test) = Digits.StratifiedSplit(0.2, new DeterministicRandom(7));

        Assert.Equal(Enumerable.Range(0, Digits.Count), train.Concat(test).Order());
        for (int digit = 0; digit < 10; digit++)
        {
            int total = Digits.Labels.Count(label => label == digit);
            int held = test.Count(index => Digits.Labels[index] == digit);
            Assert.Equal((int)Math.Round(0.2 * total, MidpointRounding.AwayFromZero), held);
        }
    }

    [Fact]
    public void Default_options_reach_at_least_96_percent_test_accuracy_in_float()
    {
        var trainer = new DigitsTrainer<float>(Digits, new TrainingOptions());
        TrainingOutcome outcome = trainer.Train();

        double accuracy = trainer.TestAccuracy();
        Assert.True(accuracy >= 0.96, $"test accuracy {accuracy:P2}");
        Assert.Equal(accuracy, outcome.Epochs[^1].TestAccuracy);
        Assert.True(outcome.Epochs[^1].Loss < outcome.Epochs[0].Loss / 10, "the loss fell by at least ten times");
        ConfusionMatrix confusion = trainer.TestConfusion();
        Assert.Equal(trainer.TestCount, confusion.Total);
        Assert.Equal(accuracy, (double)confusion.Correct / confusion.Total);
    }

    [Fact]
    public void Default_options_reach_at_least_96_percent_test_accuracy_in_double()
    {
        var trainer = new DigitsTrainer<double>(Digits, new TrainingOptions { Precision = Precision.Double });
        trainer.Train();
        Assert.True(trainer.TestAccuracy() >= 0.96, $"test accuracy {trainer.TestAccuracy():P2}");
    }

    [Fact]
    public void The_same_seed_and_options_give_the_same_parameters_and_epochs_bit_for_bit()
    {
        var options = new TrainingOptions { Epochs = 3, Seed = 11 };
        var first = new DigitsTrainer<float>(Digits, options);
        var second = new DigitsTrainer<float>(Digits, options);

        TrainingOutcome firstOutcome = first.Train();
        TrainingOutcome secondOutcome = second.Train();

        Assert.Equal(first.Parameters, second.Parameters);
        Assert.Equal(firstOutcome.Epochs, secondOutcome.Epochs);
    }

    [Fact]
    public void Another_seed_gives_other_parameters()
    {
        var first = new DigitsTrainer<float>(Digits, new TrainingOptions { Epochs = 1, Seed = 1 });
        var second = new DigitsTrainer<float>(Digits, new TrainingOptions { Epochs = 1, Seed = 2 });
        first.Train();
        second.Train();
        Assert.NotEqual(first.Parameters, second.Parameters);
    }

    [Fact]
    public void Each_epoch_reports_the_decayed_learning_rate_and_the_progress_callback_sees_every_epoch()
    {
        var options = new TrainingOptions { Epochs = 4, LearningRate = 0.4, Decay = 0.5 };
        var seen = new List<EpochSummary>();
        TrainingOutcome outcome = new DigitsTrainer<float>(Digits, options).Train(seen.Add);

        Assert.Equal(outcome.Epochs, seen);
        Assert.Equal([1, 2, 3, 4], seen.Select(epoch => epoch.Epoch));
        Assert.Equal([0.4, 0.4 / 1.5, 0.4 / 2, 0.4 / 2.5], seen.Select(epoch => epoch.LearningRate));
        Assert.Equal(4L * new DigitsTrainer<float>(Digits, options).TrainCount, outcome.ExamplesProcessed);
    }

    [Fact]
    public void Progress_lines_are_formatted_with_the_epoch_learning_rate_loss_and_accuracies()
    {
        char[] line = new char[160];
        int length = ProgressPrinter.Format(new EpochSummary(3, 30, 0.45454545, 0.21342, 0.964532, 0.958333), line);
        Assert.Equal("epoch  3/30  lr 0.4545  loss 0.2134  train 96.45%  test 95.83%", new string(line, 0, length));
    }

    [Fact]
    public void Printing_writes_the_line_and_the_writers_new_line_and_warming_up_writes_nothing()
    {
        var writer = new StringWriter { NewLine = "\r\n" };
        var printer = new ProgressPrinter(writer);
        printer.WarmUp();
        Assert.Equal(string.Empty, writer.ToString());

        printer.Print(new EpochSummary(3, 30, 0.45454545, 0.21342, 0.964532, 0.958333));
        printer.Print(new EpochSummary(4, 30, 0.4, 0.2, 0.97, 0.96));
        Assert.Equal(
            "epoch  3/30  lr 0.4545  loss 0.2134  train 96.45%  test 95.83%\r\n" +
            "epoch  4/30  lr 0.4000  loss 0.2000  train 97.00%  test 96.00%\r\n",
            writer.ToString());
    }
}
