namespace Nn.Span.Demo;

/// <summary>
/// The predict mode: loads a parameter file and classifies CSV rows of pixel counts, one output line per row.
/// A bad row is reported on the error stream with its line number, and the rows after it are still classified.
/// </summary>
internal static class PredictCommand
{
    /// <summary>Classifies every row of <paramref name="inputPath"/> (or of <paramref name="standardInput"/> when null).</summary>
    /// <returns>0 when every row was classified, 1 when a row was rejected, 2 when the model or the input could not be read.</returns>
    public static int Run(string modelPath, string? inputPath, TextReader standardInput, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        ArgumentNullException.ThrowIfNull(standardInput);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ParameterFileHeader header;
        try
        {
            header = ParameterFile.ReadHeader(modelPath);
        }
        catch (Exception problem) when (problem is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"Cannot load the model '{modelPath}': {problem.Message}");
            return 2;
        }

        return header.ElementType == ParameterElementType.Binary32
            ? Run<float>(modelPath, header.Dimensions, inputPath, standardInput, output, error)
            : Run<double>(modelPath, header.Dimensions, inputPath, standardInput, output, error);
    }

    private static int Run<T>(string modelPath, NetworkDimensions dimensions, string? inputPath, TextReader standardInput, TextWriter output, TextWriter error)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = new TwoLayerNetwork<T>(dimensions);
        T[] parameters = new T[network.ParameterCount];
        try
        {
            ParameterFile.Load<T>(modelPath, dimensions, parameters);
        }
        catch (Exception problem) when (problem is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"Cannot load the model '{modelPath}': {problem.Message}");
            return 2;
        }

        TextReader? file = null;
        if (inputPath is not null)
        {
            try
            {
                file = File.OpenText(inputPath);
            }
            catch (Exception problem) when (problem is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"Cannot read the input '{inputPath}': {problem.Message}");
                return 2;
            }
        }

        using (file)
        {
            var classifier = new RowClassifier<T>(network, parameters);
            return classifier.ClassifyAll(file ?? standardInput, output, error);
        }
    }
}
