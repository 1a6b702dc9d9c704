namespace Nn.Span.Tests;

/// <summary>
/// One batch for a network: dimensions, data (N x Dx, row-major), class labels and flat parameters, all held in
/// double. Every value is representable in float, so a float network and a double network see exactly the same
/// numbers and their results differ only by their own rounding.
/// </summary>
internal sealed record NetworkProblem(NetworkDimensions Dimensions, int Batch, double[] Data, int[] Labels, double[] Parameters)
{
    /// <summary>
    /// Standard normal data; weights scaled by 1 / sqrt(fan-in) so that the hidden units do not all saturate; biases
    /// with standard deviation 1/2; uniform labels. Every value rounded to float.
    /// </summary>
    public static NetworkProblem Random(int seed, int batch, int inputs, int hidden, int outputs)
    {
        var random = new Random(seed);
        var dimensions = new NetworkDimensions(inputs, hidden, outputs);
        double[] parameters = new double[dimensions.ParameterCount];
        NetworkData.Gaussian(random, inputs * hidden, 1 / Math.Sqrt(inputs)).CopyTo(parameters, NetworkDimensions.HiddenWeightsOffset);
        NetworkData.Gaussian(random, hidden, 0.5).CopyTo(parameters, dimensions.HiddenBiasOffset);
        NetworkData.Gaussian(random, hidden * outputs, 1 / Math.Sqrt(hidden)).CopyTo(parameters, dimensions.OutputWeightsOffset);
        NetworkData.Gaussian(random, outputs, 0.5).CopyTo(parameters, dimensions.OutputBiasOffset);
        double[] data = NetworkData.Gaussian(random, batch * inputs, 1);
        int[] labels = NetworkData.Labels(random, batch, outputs);
        return new NetworkProblem(dimensions, batch, NetworkData.RoundedToFloat(data), labels, NetworkData.RoundedToFloat(parameters));
    }

    public TwoLayerNetwork<T> Network<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        new(Dimensions);

    /// <summary>One-hot rows Y, N x Dy, for the labels.</summary>
    public T[] OneHot<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        NetworkData.OneHot<T>(Labels, Dimensions.Outputs);

    public override string ToString() => $"N = {Batch}, dims {Dimensions}";
}

/// <summary>Random values for the network tests: the seed's np.random.randn, class labels and one-hot rows.</summary>
internal static class NetworkData
{
    /// <summary>Standard normal samples times <paramref name="scale"/> (Box-Muller transform), like np.random.randn.</summary>
    public static double[] Gaussian(Random random, int length, double scale)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())); // 1 - [0, 1) is in (0, 1]: a finite logarithm
            values[i] = scale * radius * Math.Cos(2 * Math.PI * random.NextDouble());
        }

        return values;
    }

    public static int[] Labels(Random random, int batch, int classes) =>
        Enumerable.Range(0, batch).Select(_ => random.Next(classes)).ToArray();

    public static T[] OneHot<T>(int[] labels, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = new T[labels.Length * classes];
        for (int row = 0; row < labels.Length; row++)
        {
            y[(row * classes) + labels[row]] = T.One;
        }

        return y;
    }

    public static double[] RoundedToFloat(double[] values) => values.Select(v => (double)(float)v).ToArray();

    public static T[] As<T>(double[] values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        values.Select(T.CreateTruncating).ToArray();

    public static double[] AsDouble<T>(T[] values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        values.Select(double.CreateTruncating).ToArray();
}
