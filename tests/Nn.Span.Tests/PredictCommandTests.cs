using Nn.Span.Demo;

namespace Nn.Span.Tests;

/// <summary>
/// The demo's predict mode: one output line per good row with its class and probability, a message with the line
/// number on the error stream for each kind of bad row, and the rows after a bad one still classified.
/// </summary>
public sealed class PredictCommandTests : IDisposable
{
    private static readonly NetworkDimensions Dimensions = new(64, 12, 10);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("nn-span-predict-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string ModelPath => Path.Combine(_directory.FullName, "model.nnsp");

    /// <summary>A small random float model, and its predictions for <paramref name="rows"/> by the library directly.</summary>
    private float[] SaveModel()
    {
        float[] parameters = Reference.Uniform<float>(new Random(601), Dimensions.ParameterCount, -1, 1);
        ParameterFile.Save<float>(ModelPath, Dimensions, parameters);
        return parameters;
    }

    private static string Row(int seed, int length = 64) =>
        string.Join(',', Enumerable.Range(0, length).Select(i => (i * seed) % 17));

    private static int Expected(float[] parameters, string row)
    {
        float[] example = row.Split(',').Take(64).Select(value => float.Parse(value, System.Globalization.CultureInfo.InvariantCulture) / 16).ToArray();
        var network = new TwoLayerNetwork<float>(Dimensions);
        return network.Predict(example, parameters, new float[10], network.CreateWorkspace(1));
    }

    private (int ExitCode, string[] Output, string[] Errors) Predict(string input, string? inputPath = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = PredictCommand.Run(ModelPath, inputPath, new StringReader(input), output, error);
        return (exitCode, Lines(output), Lines(error));
    }

    private static string[] Lines(StringWriter writer) =>
        writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Every_good_row_gets_one_line_with_its_class_and_probability()
    {
        float[] parameters = SaveModel();
        string[] rows = [Row(3), Row(5), Row(7)];

        (int exitCode, string[] output, string[] errors) = Predict(string.Join('\n', rows) + "\n");

        Assert.Equal(0, exitCode);
        Assert.Empty(errors);
        Assert.Equal(3, output.Length);
        for (int i = 0; i < 3; i++)
        {
            Assert.StartsWith($"line {i + 1}: class {Expected(parameters, rows[i])} (probability 0.", output[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_row_with_a_label_reports_whether_the_class_matches()
    {
        float[] parameters = SaveModel();
        int expected = Expected(parameters, Row(3));
        int wrong = (expected + 1) % 10;

        (int exitCode, string[] output, _) = Predict($"{Row(3)},{expected}\n{Row(3)},{wrong}\n");

        Assert.Equal(0, exitCode);
        Assert.EndsWith($", label {expected}", output[0], StringComparison.Ordinal);
        Assert.EndsWith($", label {wrong} (wrong)", output[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Each_kind_of_bad_row_gets_its_message_with_the_line_number_and_the_following_rows_are_still_classified()
    {
        float[] parameters = SaveModel();
        string good = Row(3);
        string[] lines =
        [
            Row(2, 63),                       // 1: too few values
            good,                             // 2
            Row(2, 66),                       // 3: too many values
            "abc," + Row(2, 63),              // 4: not a number
            Row(2, 10) + ",," + Row(2, 53),   // 5: an empty value
            "NaN," + Row(2, 63),              // 6: not finite
            string.Empty,                     // 7: blank, skipped silently
            good + ",12",                     // 8: label out of range
            good + ",x",                      // 9: label not a number
            good,                             // 10
        ];

        (int exitCode, string[] output, string[] errors) = Predict(string.Join('\n', lines));

        Assert.Equal(1, exitCode);
        int expected = Expected(parameters, good);
        Assert.Equal([$"line 2: class {expected}", $"line 10: class {expected}"], output.Select(line => line[..line.IndexOf(" (", StringComparison.Ordinal)]));
        Assert.Equal(
            [
                "line 1: expected 64 values (or 64 and a label), found 63",
                "line 3: expected 64 values (or 64 and a label), found 66",
                "line 4: value 1 ('abc') is not a number",
                "line 5: value 11 ('') is not a number",
                "line 6: value 1 ('NaN') is not a finite number",
                "line 8: the label '12' (value 65) is not a class 0..9",
                "line 9: the label 'x' (value 65) is not a class 0..9",
                "7 row(s) rejected, 2 classified.",
            ],
            errors);
    }

    [Fact]
    public void Rows_are_read_from_a_file_when_one_is_given()
    {
        SaveModel();
        string path = Path.Combine(_directory.FullName, "rows.csv");
        File.WriteAllText(path, Row(3) + "\n" + Row(4) + "\n");

        (int exitCode, string[] output, string[] errors) = Predict("this standard input is not read", path);

        Assert.Equal(0, exitCode);
        Assert.Empty(errors);
        Assert.Equal(2, output.Length);
    }

    [Fact]
    public void A_double_model_is_loaded_as_double()
    {
        double[] parameters = Reference.Uniform<double>(new Random(602), Dimensions.ParameterCount, -1, 1);
        ParameterFile.Save<double>(ModelPath, Dimensions, parameters);

        (int exitCode, string[] output, _) = Predict(Row(3));

        double[] example = Row(3).Split(',').Select(value => double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) / 16).ToArray();
        var network = new TwoLayerNetwork<double>(Dimensions);
        int expected = network.Predict(example, parameters, new double[10], network.CreateWorkspace(1));
        Assert.Equal(0, exitCode);
        Assert.StartsWith($"line 1: class {expected} ", output[0], StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_corrupt_model_or_a_missing_input_is_reported_with_exit_code_2()
    {
        (int exitCode, _, string[] errors) = Predict(Row(3));
        Assert.Equal(2, exitCode);
        Assert.StartsWith($"Cannot load the model '{ModelPath}'", errors[0], StringComparison.Ordinal);

        SaveModel();
        byte[] bytes = File.ReadAllBytes(ModelPath);
        bytes[100] ^= 1;
        File.WriteAllBytes(ModelPath, bytes);
        (exitCode, _, errors) = Predict(Row(3));
        Assert.Equal(2, exitCode);
        Assert.Contains("checksum", errors[0], StringComparison.Ordinal);

        SaveModel();
        (exitCode, _, errors) = Predict(Row(3), Path.Combine(_directory.FullName, "missing.csv"));
        Assert.Equal(2, exitCode);
        Assert.StartsWith("Cannot read the input", errors[0], StringComparison.Ordinal);
    }
}
