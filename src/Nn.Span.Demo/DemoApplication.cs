namespace Nn.Span.Demo;

/// <summary>
/// The demo: by default the seed's sanity checks, then training and evaluation on the digits; with <c>predict</c>,
/// classification of CSV rows by a saved model.
/// </summary>
internal static class DemoApplication
{
    /// <summary>Forward+backward calls timed for the latency median.</summary>
    private const int ForwardBackwardTimings = 1000;

    /// <summary>Single-example predictions timed for the latency median.</summary>
    private const int PredictTimings = 5000;

    /// <summary>Runs the demo with the given standard streams; returns the process exit code.</summary>
    /// <returns>0 on success; 1 when a seed check failed or a predicted row was rejected; 2 for a bad command line,
    /// a model or input that cannot be read, or parameters that cannot be saved.</returns>
    public static int Run(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        DemoCommand command;
        try
        {
            command = CommandLine.Parse(args);
        }
        catch (FormatException problem)
        {
            error.WriteLine(problem.Message);
            error.WriteLine("Run with --help for the options.");
            return 2;
        }

        switch (command.Mode)
        {
            case DemoMode.Help:
                output.WriteLine(CommandLine.Usage);
                return 0;
            case DemoMode.Predict:
                return PredictCommand.Run(command.ModelPath!, command.InputPath, input, output, error);
            default:
                return command.Training.Precision == Precision.Float
                    ? Train<float>(command, output, error)
                    : Train<double>(command, output, error);
        }
    }

    /// <summary>The checks, then training with per-epoch progress, evaluation, measurements, and the report.</summary>
    private static int Train<T>(DemoCommand command, TextWriter output, TextWriter error)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        IReadOnlyList<CheckResult> checks = SeedChecks.RunAll();
        TextWriter progress = command.Json ? error : output;
        if (!command.Json)
        {
            TextReport.WriteChecks(output, checks);
        }

        DigitsTrainer<T> trainer;
        try
        {
            trainer = new DigitsTrainer<T>(DigitsDataSet.LoadEmbedded(), command.Training);
        }
        catch (ArgumentOutOfRangeException problem)
        {
            error.WriteLine($"Invalid training options: {problem.Message}");
            return 2;
        }

        TextReport.WriteTrainingHeader(progress, command.Training, trainer.Network.Dimensions, trainer.TrainCount, trainer.TestCount);
        var printer = new ProgressPrinter(progress);
        printer.WarmUp();
        TrainingOutcome outcome = trainer.Train(printer.Print);
        ConfusionMatrix confusion = trainer.TestConfusion();
        double forwardBackward = trainer.MedianForwardBackwardMicroseconds(ForwardBackwardTimings);
        double predict = trainer.MedianPredictMicroseconds(PredictTimings);

        string? savedTo = null;
        string? saveProblem = null;
        if (command.SavePath is not null)
        {
            try
            {
                ParameterFile.Save<T>(command.SavePath, trainer.Network.Dimensions, trainer.Parameters);
                savedTo = command.SavePath;
            }
            catch (Exception problem) when (problem is IOException or UnauthorizedAccessException)
            {
                saveProblem = $"Cannot save the parameters to '{command.SavePath}': {problem.Message}";
            }
        }

        var report = new TrainingReport(
            checks,
            command.Training,
            trainer.Network.Dimensions,
            trainer.TrainCount,
            trainer.TestCount,
            outcome,
            confusion,
            forwardBackward,
            predict,
            savedTo);

        if (command.Json)
        {
            output.WriteLine(JsonReport.Format(report));
        }
        else
        {
            TextReport.WriteResults(output, report);
        }

        if (saveProblem is not null)
        {
            error.WriteLine(saveProblem);
            return 2;
        }

        return report.ChecksPassed ? 0 : 1;
    }
}
