using Nn.Span.Demo;

namespace Nn.Span.Tests;

/// <summary>The demo's command line: defaults, every option in both spellings, the predict mode, and clear errors.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void No_arguments_mean_training_with_the_default_options()
    {
        DemoCommand command = CommandLine.Parse([]);
        Assert.Equal(DemoMode.Train, command.Mode);
        Assert.Equal(new TrainingOptions(), command.Training);
        Assert.False(command.Json);
        Assert.Null(command.SavePath);
    }

    [Fact]
    public void Every_training_option_is_read_with_a_space_or_an_equals_sign()
    {
        DemoCommand command = CommandLine.Parse(
            ["--epochs", "7", "--hidden=16", "--learning-rate", "0.25", "--decay=0.5", "--momentum", "0", "--batch-size", "8",
             "--seed=123", "--precision", "double", "--save", "model.nnsp", "--json"]);

        Assert.Equal(DemoMode.Train, command.Mode);
        Assert.Equal(
            new TrainingOptions { Epochs = 7, Hidden = 16, LearningRate = 0.25, Decay = 0.5, Momentum = 0, BatchSize = 8, Seed = 123, Precision = Precision.Double },
            command.Training);
        Assert.Equal("model.nnsp", command.SavePath);
        Assert.True(command.Json);
    }

    [Fact]
    public void Predict_reads_the_model_and_an_optional_input_file()
    {
        DemoCommand fromStandardInput = CommandLine.Parse(["predict", "--model", "m.nnsp"]);
        Assert.Equal(DemoMode.Predict, fromStandardInput.Mode);
        Assert.Equal("m.nnsp", fromStandardInput.ModelPath);
        Assert.Null(fromStandardInput.InputPath);

        DemoCommand fromFile = CommandLine.Parse(["predict", "rows.csv", "--model=m.nnsp"]);
        Assert.Equal("rows.csv", fromFile.InputPath);
        Assert.Equal("m.nnsp", fromFile.ModelPath);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("predict --help")]
    [InlineData("--epochs 3 --help")]
    public void Help_is_recognised_anywhere(string commandLine) =>
        Assert.Equal(DemoMode.Help, CommandLine.Parse(commandLine.Split(' ')).Mode);

    [Theory]
    [InlineData("--epochs 0", "--epochs expects a whole number of at least 1, not '0'")]
    [InlineData("--epochs", "--epochs needs a value")]
    [InlineData("--learning-rate -1", "--learning-rate expects a finite number of at least 0")]
    [InlineData("--momentum 1", "--momentum expects a number in [0, 1)")]
    [InlineData("--precision half", "--precision expects float or double, not 'half'")]
    [InlineData("--seed -3", "--seed expects a whole number")]
    [InlineData("--frobnicate", "Unknown option '--frobnicate'")]
    [InlineData("extra", "Unexpected argument 'extra'")]
    [InlineData("predict", "predict needs --model PATH")]
    [InlineData("predict --model m --epochs 3", "Unknown option '--epochs' for predict")]
    [InlineData("predict --model m a.csv b.csv", "Unexpected argument 'b.csv'")]
    public void Bad_command_lines_say_what_is_wrong(string commandLine, string expected)
    {
        var error = Assert.Throws<FormatException>(() => CommandLine.Parse(commandLine.Split(' ')));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_usage_names_every_option_with_its_default()
    {
        foreach (string option in new[] { "--epochs", "--hidden", "--learning-rate", "--decay", "--momentum", "--batch-size", "--seed", "--precision", "--save", "--json", "--help", "predict", "--model" })
        {
            Assert.Contains(option, CommandLine.Usage, StringComparison.Ordinal);
        }

        Assert.Contains("(default 30)", CommandLine.Usage, StringComparison.Ordinal);
        Assert.Contains("(default float)", CommandLine.Usage, StringComparison.Ordinal);
    }
}
