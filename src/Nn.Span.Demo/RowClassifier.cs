using System.Globalization;

namespace Nn.Span.Demo;

/// <summary>
/// Classifies CSV rows with a trained network: each row holds Dx pixel counts (0..16, scaled by 1/16 as in
/// training), optionally followed by the true label.
/// </summary>
internal sealed class RowClassifier<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly TwoLayerNetwork<T> _network;
    private readonly T[] _parameters;
    private readonly WorkspacePool<T> _pool;
    private readonly T[] _example;
    private readonly T[] _probabilities;

    /// <summary>A classifier for <paramref name="network"/> with its <paramref name="parameters"/>.</summary>
    public RowClassifier(TwoLayerNetwork<T> network, T[] parameters)
    {
        _network = network;
        _parameters = parameters;
        _pool = network.CreateWorkspacePool(maxBatchSize: 1);
        _example = new T[network.Dimensions.Inputs];
        _probabilities = new T[network.Dimensions.Outputs];
    }

    /// <summary>
    /// Reads every line of <paramref name="rows"/>; writes "line N: class C (probability P)" for each row to
    /// <paramref name="output"/> and "line N: what was wrong" for each bad row to <paramref name="error"/>. Blank
    /// lines are skipped.
    /// </summary>
    /// <returns>0 when every row was classified, 1 when at least one was rejected.</returns>
    public int ClassifyAll(TextReader rows, TextWriter output, TextWriter error)
    {
        int lineNumber = 0;
        int rejected = 0;
        int classified = 0;
        while (rows.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (!TryParse(line, out int? label, out string? problem))
            {
                error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}: {problem}"));
                rejected++;
                continue;
            }

            int predicted = _network.Predict(_example, _parameters, _probabilities, _pool);
            double probability = double.CreateChecked(_probabilities[predicted]);
            string verdict = label is null ? string.Empty : label == predicted ? $", label {label}" : $", label {label} (wrong)";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}: class {predicted} (probability {probability:F4}){verdict}"));
            classified++;
        }

        if (rejected > 0)
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rejected} row(s) rejected, {classified} classified."));
            return 1;
        }

        return 0;
    }

    /// <summary>Parses one row into the example buffer; on failure says why.</summary>
    private bool TryParse(string line, out int? label, out string? problem)
    {
        label = null;
        int inputs = _network.Dimensions.Inputs;
        int classes = _network.Dimensions.Outputs;
        string[] fields = line.Split(',');
        if (fields.Length != inputs && fields.Length != inputs + 1)
        {
            problem = $"expected {inputs} values (or {inputs} and a label), found {fields.Length}";
            return false;
        }

        for (int i = 0; i < inputs; i++)
        {
            if (!double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double pixel))
            {
                problem = $"value {i + 1} ('{fields[i].Trim()}') is not a number";
                return false;
            }

            if (!double.IsFinite(pixel))
            {
                problem = $"value {i + 1} ('{fields[i].Trim()}') is not a finite number";
                return false;
            }

            _example[i] = DigitsDataSet.ScalePixel<T>(pixel);
        }

        if (fields.Length == inputs + 1)
        {
            string text = fields[inputs].Trim();
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < 0 || value >= classes)
            {
                problem = $"the label '{text}' (value {inputs + 1}) is not a class 0..{classes - 1}";
                return false;
            }

            label = value;
        }

        problem = null;
        return true;
    }
}
