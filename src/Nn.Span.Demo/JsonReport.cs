using System.Text;
using System.Text.Json;

namespace Nn.Span.Demo;

/// <summary>
/// The default run's machine-readable summary. Everything outside "timing" depends only on the options, so two runs
/// with the same options give the same text there; "timing" holds the measured durations.
/// </summary>
internal static class JsonReport
{
    /// <summary>The summary as indented JSON.</summary>
    public static string Format(TrainingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();

            json.WriteStartArray("checks");
            foreach (CheckResult check in report.Checks)
            {
                json.WriteStartObject();
                json.WriteString("name", check.Name);
                json.WriteBoolean("passed", check.Passed);
                json.WriteNumber("worstRelativeDifference", check.WorstRelativeDifference);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteBoolean("checksPassed", report.ChecksPassed);

            TrainingOptions options = report.Options;
            json.WriteStartObject("options");
            json.WriteNumber("epochs", options.Epochs);
            json.WriteNumber("hidden", options.Hidden);
            json.WriteNumber("learningRate", options.LearningRate);
            json.WriteNumber("decay", options.Decay);
            json.WriteNumber("momentum", options.Momentum);
            json.WriteNumber("batchSize", options.BatchSize);
            json.WriteNumber("seed", options.Seed);
            json.WriteString("precision", TextReport.PrecisionName(options.Precision));
            json.WriteEndObject();

            json.WriteStartObject("network");
            json.WriteNumber("inputs", report.Dimensions.Inputs);
            json.WriteNumber("hidden", report.Dimensions.Hidden);
            json.WriteNumber("outputs", report.Dimensions.Outputs);
            json.WriteNumber("parameters", report.Dimensions.ParameterCount);
            json.WriteEndObject();

            json.WriteStartObject("data");
            json.WriteNumber("examples", report.TrainCount + report.TestCount);
            json.WriteNumber("train", report.TrainCount);
            json.WriteNumber("test", report.TestCount);
            json.WriteEndObject();

            json.WriteStartArray("epochs");
            foreach (EpochSummary epoch in report.Outcome.Epochs)
            {
                json.WriteStartObject();
                json.WriteNumber("epoch", epoch.Epoch);
                json.WriteNumber("learningRate", epoch.LearningRate);
                json.WriteNumber("loss", epoch.Loss);
                json.WriteNumber("trainAccuracy", epoch.TrainAccuracy);
                json.WriteNumber("testAccuracy", epoch.TestAccuracy);
                json.WriteEndObject();
            }

            json.WriteEndArray();

            json.WriteNumber("testAccuracy", report.TestAccuracy);
            json.WriteNumber("testCorrect", report.Confusion.Correct);
            json.WriteStartArray("confusionMatrix");
            for (int actual = 0; actual < report.Confusion.Classes; actual++)
            {
                json.WriteStartArray();
                for (int predicted = 0; predicted < report.Confusion.Classes; predicted++)
                {
                    json.WriteNumberValue(report.Confusion[actual, predicted]);
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteNumber("allocatedBytesDuringTraining", report.Outcome.AllocatedBytes);
            if (report.SavedTo is null)
            {
                json.WriteNull("savedTo");
            }
            else
            {
                json.WriteString("savedTo", report.SavedTo);
            }

            json.WriteStartObject("timing");
            json.WriteNumber("trainingStepSeconds", report.Outcome.StepSeconds);
            json.WriteNumber("examplesPerSecond", report.Outcome.ExamplesPerSecond);
            json.WriteNumber("forwardBackwardBatchSize", report.ForwardBackwardBatchSize);
            json.WriteNumber("forwardBackwardMedianMicroseconds", report.ForwardBackwardMedianMicroseconds);
            json.WriteNumber("predictMedianMicroseconds", report.PredictMedianMicroseconds);
            json.WriteEndObject();

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
