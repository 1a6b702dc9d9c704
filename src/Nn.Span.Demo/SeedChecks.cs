using CommunityToolkit.HighPerformance;

namespace Nn.Span.Demo;

/// <summary>
/// The seed notebook's sanity checks: softmax and sigmoid values (in float and in double, rtol 1e-5, atol 1e-6),
/// and gradient checks by central differences in double of sum(x^2) and of the network's forward/backward pass.
/// </summary>
internal static class SeedChecks
{
    private const double RelativeTolerance = 1e-5;
    private const double AbsoluteTolerance = 1e-6;

    /// <summary>The seed used for the random points of the gradient checks; fixed, so every run checks the same points.</summary>
    private const ulong CheckSeed = 31337;

    /// <summary>Runs every check, in the seed's order.</summary>
    public static IReadOnlyList<CheckResult> RunAll()
    {
        var results = new List<CheckResult>();
        AddValueChecks<float>(results, "float");
        AddValueChecks<double>(results, "double");

        var random = new DeterministicRandom(CheckSeed);
        results.Add(SumOfSquaresCheck("gradient check sum(x^2) at the scalar 123.456", [123.456]));
        results.Add(SumOfSquaresCheck("gradient check sum(x^2) at a random 3-vector", Gaussian(random, 3)));
        results.Add(SumOfSquaresCheck("gradient check sum(x^2) at a random 4x5 matrix", Gaussian(random, 4 * 5)));
        results.Add(NetworkCheck(random));
        return results;
    }

    private static void AddValueChecks<T>(List<CheckResult> results, string precision)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] low = [0.26894142, 0.73105858];
        double[] high = [0.73105858, 0.26894142];

        results.Add(ValueCheck<T>($"softmax([1, 2]) [{precision}]", [1, 2], 1, 2, low, Softmax.Rows));
        results.Add(ValueCheck<T>($"softmax([[1001, 1002], [3, 4]]) [{precision}]", [1001, 1002, 3, 4], 2, 2, [.. low, .. low], Softmax.Rows));
        results.Add(ValueCheck<T>($"softmax([[-1001, -1002]]) [{precision}]", [-1001, -1002], 1, 2, high, Softmax.Rows));

        double[] sigmoidInput = [1, 2, -1, -2];
        double[] sigmoidExpected = [0.73105858, 0.88079708, 0.26894142, 0.11920292];
        results.Add(ValueCheck<T>($"sigmoid([[1, 2], [-1, -2]]) [{precision}]", sigmoidInput, 2, 2, sigmoidExpected, Activations.Sigmoid));
        results.Add(ValueCheck<T>(
            $"sigmoid derivative s(1 - s) of [[1, 2], [-1, -2]] [{precision}]",
            sigmoidInput,
            2,
            2,
            [0.19661193, 0.10499359, 0.19661193, 0.10499359],
            (x, destination) =>
            {
                Activations.Sigmoid(x, destination);
                Activations.SigmoidDerivativeFromOutput(destination, destination);
            }));
    }

    /// <summary>Computes <paramref name="function"/> of a rows x columns matrix and compares it with the expected values.</summary>
    private static CheckResult ValueCheck<T>(string name, double[] input, int rows, int columns, double[] expected, MatrixFunction<T> function)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = input.Select(T.CreateChecked).ToArray();
        T[] result = new T[x.Length];
        function(new ReadOnlySpan2D<T>(x, rows, columns), new Span2D<T>(result, rows, columns));

        bool passed = true;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            // numpy's allclose: |actual - expected| <= atol + rtol |expected|
            double actual = double.CreateChecked(result[i]);
            double error = Math.Abs(actual - expected[i]);
            passed &= error <= AbsoluteTolerance + (RelativeTolerance * Math.Abs(expected[i]));
            worst = Math.Max(worst, error / Math.Abs(expected[i]));
        }

        return new CheckResult(name, passed, worst);
    }

    /// <summary>f(x) = sum x_i^2 with gradient 2x, checked by central differences.</summary>
    private static CheckResult SumOfSquaresCheck(string name, double[] point)
    {
        GradientCheckResult result = GradientCheck.Run(
            (x, gradient) =>
            {
                double sum = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    sum += x[i] * x[i];    // f = sum x_i^2
                    gradient[i] = 2 * x[i]; // df/dx_i = 2 x_i
                }

                return sum;
            },
            point);
        return new CheckResult(name, result.Passed, result.WorstRelativeDifference);
    }

    /// <summary>The network's cost and parameter gradient for N = 20, dims (10, 5, 10), random one-hot labels, in double.</summary>
    private static CheckResult NetworkCheck(DeterministicRandom random)
    {
        const int rows = 20;
        var network = new TwoLayerNetwork<double>(inputs: 10, hidden: 5, outputs: 10);
        double[] data = Gaussian(random, rows * network.Dimensions.Inputs);
        double[] oneHot = new double[rows * network.Dimensions.Outputs];
        for (int row = 0; row < rows; row++)
        {
            oneHot[(row * network.Dimensions.Outputs) + random.NextInt(network.Dimensions.Outputs)] = 1;
        }

        double[] parameters = Gaussian(random, network.ParameterCount);
        Workspace<double> workspace = network.CreateWorkspace(rows);
        GradientCheckResult result = GradientCheck.Run(
            (x, gradient) => network.ForwardBackward(
                new ReadOnlySpan2D<double>(data, rows, network.Dimensions.Inputs),
                new ReadOnlySpan2D<double>(oneHot, rows, network.Dimensions.Outputs),
                x,
                gradient,
                workspace),
            parameters);
        return new CheckResult("gradient check network ForwardBackward N = 20, (10, 5, 10) [double]", result.Passed, result.WorstRelativeDifference);
    }

    private static double[] Gaussian(DeterministicRandom random, int count)
    {
        double[] values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextGaussian();
        }

        return values;
    }

    private delegate void MatrixFunction<T>(ReadOnlySpan2D<T> x, Span2D<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>;
}
