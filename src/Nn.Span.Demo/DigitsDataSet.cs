using System.Globalization;
using System.IO.Compression;

namespace Nn.Span.Demo;

/// <summary>
/// The 8x8 digits data set (Data/digits.csv.gz, embedded in this assembly): 1,797 images of 64 pixel counts 0..16
/// and their class labels 0..9.
/// </summary>
internal sealed class DigitsDataSet
{
    /// <summary>Pixels per image: 8 x 8.</summary>
    public const int Features = 64;

    /// <summary>Digit classes 0..9.</summary>
    public const int Classes = 10;

    /// <summary>The largest pixel count; inputs are scaled by 1 / 16 into [0, 1].</summary>
    public const double MaximumPixelValue = 16;

    private const string ResourceName = "digits.csv.gz";

    private DigitsDataSet(double[] pixels, int[] labels)
    {
        Pixels = pixels;
        Labels = labels;
    }

    /// <summary>Pixel counts, one image of <see cref="Features"/> values per row, row after row.</summary>
    public double[] Pixels { get; }

    /// <summary>The class of every image.</summary>
    public int[] Labels { get; }

    /// <summary>The number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Reads the copy embedded in this assembly.</summary>
    public static DigitsDataSet LoadEmbedded()
    {
        using Stream compressed = typeof(DigitsDataSet).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing.");
        using var csv = new StreamReader(new GZipStream(compressed, CompressionMode.Decompress));
        return Parse(csv);
    }

    /// <summary>Parses rows of 64 pixel counts followed by the label.</summary>
    /// <exception cref="InvalidDataException">A row does not hold 65 numbers, or a label is outside 0..9.</exception>
    public static DigitsDataSet Parse(TextReader csv)
    {
        var pixels = new List<double>();
        var labels = new List<int>();
        int lineNumber = 0;
        while (csv.ReadLine() is { } line)
        {
            lineNumber++;
            string[] fields = line.Split(',');
            if (fields.Length != Features + 1)
            {
                throw new InvalidDataException($"Line {lineNumber} holds {fields.Length} values; expected {Features} pixels and a label.");
            }

            for (int i = 0; i < Features; i++)
            {
                pixels.Add(double.Parse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture));
            }

            int label = int.Parse(fields[Features], NumberStyles.Integer, CultureInfo.InvariantCulture);
            if (label is < 0 or >= Classes)
            {
                throw new InvalidDataException($"Line {lineNumber} has the label {label}; expected 0..9.");
            }

            labels.Add(label);
        }

        return new DigitsDataSet([.. pixels], [.. labels]);
    }

    /// <summary>
    /// Splits the images into a training and a test set with the same class proportions: each class's images are
    /// shuffled and the first round(<paramref name="testFraction"/> x count) go to the test set. Both index lists
    /// are in data set order.
    /// </summary>
    public (int[] Train, int[] Test) StratifiedSplit(double testFraction, DeterministicRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var train = new List<int>();
        var test = new List<int>();
        for (int digit = 0; digit < Classes; digit++)
        {
            int[] members = Enumerable.Range(0, Count).Where(i => Labels[i] == digit).ToArray();
            random.Shuffle<int>(members);
            int testCount = (int)Math.Round(testFraction * members.Length, MidpointRounding.AwayFromZero);
            test.AddRange(members.Take(testCount));
            train.AddRange(members.Skip(testCount));
        }

        train.Sort();
        test.Sort();
        return ([.. train], [.. test]);
    }

    /// <summary>The images at <paramref name="indices"/>, scaled into [0, 1] (pixel / 16), row after row, and their labels.</summary>
    public (T[] Inputs, int[] Labels) Select<T>(int[] indices)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(indices);
        T[] inputs = new T[indices.Length * Features];
        int[] labels = new int[indices.Length];
        for (int row = 0; row < indices.Length; row++)
        {
            int source = indices[row];
            for (int i = 0; i < Features; i++)
            {
                inputs[(row * Features) + i] = ScalePixel<T>(Pixels[(source * Features) + i]);
            }

            labels[row] = Labels[source];
        }

        return (inputs, labels);
    }

    /// <summary>x = pixel / 16, the input scaling the network is trained with.</summary>
    public static T ScalePixel<T>(double pixel)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateChecked(pixel / MaximumPixelValue);
}
