namespace Nn.Span.Benchmarks;

/// <summary>Deterministic inputs, the same in every run.</summary>
internal static class BenchmarkData
{
    /// <summary>Uniform values in [-scale, scale) from a fixed seed.</summary>
    public static T[] Uniform<T>(int length, double scale, int seed)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        var values = new T[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = T.CreateChecked(((random.NextDouble() * 2) - 1) * scale);
        }

        return values;
    }

    /// <summary>Class labels in [0, classes) from a fixed seed.</summary>
    public static int[] Labels(int count, int classes, int seed)
    {
        var random = new Random(seed);
        var labels = new int[count];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = random.Next(classes);
        }

        return labels;
    }

    /// <summary>One-hot rows (count x classes) for the given labels.</summary>
    public static T[] OneHot<T>(int[] labels, int classes)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        var oneHot = new T[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++)
        {
            oneHot[(i * classes) + labels[i]] = T.One;
        }

        return oneHot;
    }

    /// <summary>Copies a row-major flat array into a rectangular array.</summary>
    public static T[,] ToRectangular<T>(T[] flat, int height, int width)
    {
        var result = new T[height, width];
        for (int i = 0; i < height; i++)
        {
            for (int j = 0; j < width; j++)
            {
                result[i, j] = flat[(i * width) + j];
            }
        }

        return result;
    }
}
