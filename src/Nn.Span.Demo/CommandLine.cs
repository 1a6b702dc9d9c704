using System.Globalization;

namespace Nn.Span.Demo;

/// <summary>Parses the demo's command line: <c>[options]</c> for training, <c>predict --model PATH [FILE]</c> for prediction.</summary>
internal static class CommandLine
{
    /// <summary>The text printed by <c>--help</c>; the defaults are those of <see cref="TrainingOptions"/>.</summary>
    public static string Usage { get; } = FormatUsage(new TrainingOptions());

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="FormatException">An option is unknown, lacks its value, or has a value out of range; the message says which.</exception>
    public static DemoCommand Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool predict = args.Count > 0 && args[0] == "predict";
        var training = new TrainingOptions();
        string? savePath = null;
        string? modelPath = null;
        string? inputPath = null;
        bool json = false;

        for (int i = predict ? 1 : 0; i < args.Count; i++)
        {
            string argument = args[i];
            if (argument is "-h" or "--help")
            {
                return new DemoCommand(DemoMode.Help, training);
            }

            if (!argument.StartsWith('-') || argument == "-")
            {
                if (!predict || inputPath is not null)
                {
                    throw new FormatException($"Unexpected argument '{argument}'.");
                }

                inputPath = argument;
                continue;
            }

            (string name, string? inlineValue) = SplitInlineValue(argument);
            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }

                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"The option {name} needs a value.");
                }

                return args[++i];
            }

            switch (predict ? "predict " + name : name)
            {
                case "--epochs": training = training with { Epochs = PositiveInt(name, Value()) }; break;
                case "--hidden": training = training with { Hidden = PositiveInt(name, Value()) }; break;
                case "--batch-size": training = training with { BatchSize = PositiveInt(name, Value()) }; break;
                case "--learning-rate": training = training with { LearningRate = Number(name, Value(), 0, double.MaxValue) }; break;
                case "--decay": training = training with { Decay = Number(name, Value(), 0, double.MaxValue) }; break;
                case "--momentum": training = training with { Momentum = Number(name, Value(), 0, Math.BitDecrement(1.0)) }; break;
                case "--seed": training = training with { Seed = Seed(name, Value()) }; break;
                case "--precision": training = training with { Precision = ParsePrecision(name, Value()) }; break;
                case "--save": savePath = Path(name, Value()); break;
                case "--json" when inlineValue is null: json = true; break;
                case "predict --model": modelPath = Path(name, Value()); break;
                default: throw new FormatException($"Unknown option '{argument}'{(predict ? " for predict" : string.Empty)}.");
            }
        }

        if (predict)
        {
            return modelPath is null
                ? throw new FormatException("predict needs --model PATH, the parameter file to load.")
                : new DemoCommand(DemoMode.Predict, training, ModelPath: modelPath, InputPath: inputPath);
        }

        return new DemoCommand(DemoMode.Train, training, savePath, json);
    }

    private static string FormatUsage(TrainingOptions defaults) => string.Join(
        Environment.NewLine,
        "Nn.Span demo: the seed's sanity checks, then a two-layer sigmoid network trained on the 8x8 digits.",
        string.Empty,
        "Usage:",
        "  dotnet run -c Release --project src/Nn.Span.Demo [-- options]",
        "  dotnet run -c Release --project src/Nn.Span.Demo -- predict --model PATH [FILE]",
        string.Empty,
        "Training options:",
        Invariant($"  --epochs N           passes over the training set (default {defaults.Epochs})"),
        Invariant($"  --hidden N           hidden sigmoid units (default {defaults.Hidden})"),
        Invariant($"  --learning-rate X    learning rate of the first epoch, lr0 (default {defaults.LearningRate})"),
        Invariant($"  --decay X            schedule lr = lr0 / (1 + X * epoch), epoch = 0, 1, ... (default {defaults.Decay})"),
        Invariant($"  --momentum X         SGD momentum in [0, 1), 0 for plain SGD (default {defaults.Momentum})"),
        Invariant($"  --batch-size N       examples per mini-batch (default {defaults.BatchSize})"),
        Invariant($"  --seed N             seeds the split, the initial parameters and the example order (default {defaults.Seed})"),
        Invariant($"  --precision P        float or double (default {TextReport.PrecisionName(defaults.Precision)})"),
        "  --save PATH          save the trained parameters to PATH (binary parameter file)",
        "  --json               print a JSON summary instead of the text report; progress goes to standard error",
        "  -h, --help           show this help",
        string.Empty,
        "Predict mode:",
        "  --model PATH         a parameter file written by --save (required)",
        "  FILE                 CSV rows of 64 pixel counts 0..16, optionally followed by the label;",
        "                       standard input when absent. One output line per row: the class and its",
        "                       probability. Bad rows are reported on standard error with their line number.",
        string.Empty,
        "Exit codes: 0 success; 1 a seed check failed (training) or a row was rejected (predict);",
        "2 a bad command line, a model or input file that cannot be read, or a --save that failed.");

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private static (string Name, string? Value) SplitInlineValue(string argument)
    {
        int equals = argument.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (argument, null) : (argument[..equals], argument[(equals + 1)..]);
    }

    private static int PositiveInt(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) && parsed >= 1
            ? parsed
            : throw new FormatException($"{name} expects a whole number of at least 1, not '{value}'.");

    private static double Number(string name, string value, double minimum, double maximum) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) && parsed >= minimum && parsed <= maximum && double.IsFinite(parsed)
            ? parsed
            : throw new FormatException(maximum < 1
                ? $"{name} expects a number in [{minimum.ToString(CultureInfo.InvariantCulture)}, 1), not '{value}'."
                : $"{name} expects a finite number of at least {minimum.ToString(CultureInfo.InvariantCulture)}, not '{value}'.");

    private static ulong Seed(string name, string value) =>
        ulong.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong parsed)
            ? parsed
            : throw new FormatException($"{name} expects a whole number from 0 to {ulong.MaxValue}, not '{value}'.");

    private static Precision ParsePrecision(string name, string value) => value switch
    {
        "float" => Precision.Float,
        "double" => Precision.Double,
        _ => throw new FormatException($"{name} expects float or double, not '{value}'."),
    };

    private static string Path(string name, string value) =>
        value.Length > 0 ? value : throw new FormatException($"{name} expects a file path.");
}
