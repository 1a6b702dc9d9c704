using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nn.Span.Demo;

namespace Nn.Span.Tests;

/// <summary>
/// The demo end to end: the text report, --help and usage errors, the train-save-predict sequence of the README,
/// and the --json summary of the real process (parses, trains without allocating, identical across two runs).
/// </summary>
public sealed class DemoRunTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("nn-span-demo-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static (int ExitCode, string Output, string Error) RunInProcess(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = DemoApplication.Run(args, new StringReader(string.Empty), output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public void The_text_report_shows_the_checks_the_epochs_and_every_result()
    {
        (int exitCode, string output, string error) = RunInProcess("--epochs", "2");

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        Assert.Equal(14, output.Split('\n').Count(line => line.StartsWith("  PASS  ", StringComparison.Ordinal)));
        Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);
        foreach (string expected in new[]
        {
            "All 14 checks passed.", "epoch 1/2  lr 0.5000  loss ", "epoch 2/2  lr 0.4762  loss ", "Test accuracy: ",
            "Confusion matrix (rows: true digit, columns: predicted digit)", "Training throughput: ", "Median latency: forward+backward of a batch of 32: ",
            "one-example prediction: ", "Allocated during the training loop (after warm-up): ",
        })
        {
            Assert.Contains(expected, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Help_prints_the_usage_and_a_bad_option_exits_with_2()
    {
        (int exitCode, string output, _) = RunInProcess("--help");
        Assert.Equal(0, exitCode);
        Assert.Equal(CommandLine.Usage + Environment.NewLine, output);

        (exitCode, output, string error) = RunInProcess("--precision", "half");
        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Contains("--precision expects float or double, not 'half'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_with_save_then_predict_on_the_sample_rows_classifies_each_digit()
    {
        string model = Path.Combine(_directory.FullName, "digits.nnsp");
        string samples = Path.Combine(RepositoryRoot(), "src", "Nn.Span.Demo", "Data", "sample-digits.csv");

        (int exitCode, string output, _) = RunInProcess("--save", model);
        Assert.Equal(0, exitCode);
        Assert.Contains($"Parameters saved to {model}", output, StringComparison.Ordinal);
        Assert.Equal(["digits.nnsp"], _directory.GetFiles().Select(file => file.Name));

        (exitCode, output, string error) = RunInProcess("predict", "--model", model, samples);
        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        string[] lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 10).Select(digit => $"line {digit + 1}: class {digit} "), lines.Select(line => line[..(line.IndexOf('(', StringComparison.Ordinal))]));
    }

    [Fact]
    public void A_save_that_fails_is_reported_after_the_results_with_exit_code_2()
    {
        string model = Path.Combine(_directory.FullName, "missing", "digits.nnsp");

        (int exitCode, string output, string error) = RunInProcess("--epochs", "1", "--save", model);

        Assert.Equal(2, exitCode);
        Assert.Contains("Test accuracy: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameters saved", output, StringComparison.Ordinal);
        Assert.StartsWith($"Cannot save the parameters to '{model}': ", error, StringComparison.Ordinal);
        Assert.Empty(_directory.GetFileSystemInfos());
    }

    [Fact]
    public void A_learning_rate_too_large_for_float_is_a_usage_error()
    {
        (int exitCode, _, string error) = RunInProcess("--learning-rate", "1e300", "--epochs", "1");
        Assert.Equal(2, exitCode);
        Assert.Contains("Invalid training options: The learning rate is too large for float.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_json_summary_of_the_demo_process_parses_shows_no_training_allocation_and_is_identical_across_two_runs()
    {
        (int firstExit, string first, string progress) = RunProcess("--json", "--epochs", "3", "--seed", "5");
        (int secondExit, string second, _) = RunProcess("--json", "--epochs", "3", "--seed", "5");

        Assert.Equal(0, firstExit);
        Assert.Equal(0, secondExit);
        Assert.Contains("epoch 3/3", progress, StringComparison.Ordinal);

        JsonNode summary = JsonNode.Parse(first)!;
        Assert.True(summary["checksPassed"]!.GetValue<bool>());
        Assert.Equal(14, summary["checks"]!.AsArray().Count);
        Assert.Equal(3, summary["epochs"]!.AsArray().Count);
        Assert.Equal(5UL, summary["options"]!["seed"]!.GetValue<ulong>());
        int test = summary["data"]!["test"]!.GetValue<int>();
        JsonArray confusion = summary["confusionMatrix"]!.AsArray();
        Assert.Equal(10, confusion.Count);
        Assert.Equal(test, confusion.Sum(row => row!.AsArray().Sum(count => count!.GetValue<int>())));
        Assert.Equal(0, summary["allocatedBytesDuringTraining"]!.GetValue<long>());
        JsonObject timing = summary["timing"]!.AsObject();
        Assert.Equal(32, timing["forwardBackwardBatchSize"]!.GetValue<int>());
        foreach (string measured in new[] { "trainingStepSeconds", "examplesPerSecond", "forwardBackwardMedianMicroseconds", "predictMedianMicroseconds" })
        {
            Assert.True(timing[measured]!.GetValue<double>() > 0, measured);
        }

        // Everything but the measured durations is the same text in both runs.
        Assert.Equal(WithoutTiming(first), WithoutTiming(second));
    }

    private static string WithoutTiming(string json)
    {
        JsonObject summary = JsonNode.Parse(json)!.AsObject();
        Assert.True(summary.Remove("timing"));
        return summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Runs the built demo as its own process (its runtime settings, not the test host's).</summary>
    private static (int ExitCode, string Output, string Error) RunProcess(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Nn.Span.Demo.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            Assert.Fail("The demo did not finish within 60 s.");
        }

        return (process.ExitCode, output.Result, error.Result);
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "")
    {
        string directory = Path.GetDirectoryName(path)!;
        while (!File.Exists(Path.Combine(directory, "Nn.Span.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("Nn.Span.sln not found above " + path);
        }

        return directory;
    }
}
