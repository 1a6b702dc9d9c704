using static Nn.Span.Tests.NetworkData;

namespace Nn.Span.Tests;

/// <summary>
/// The seed notebook's own gradient checks, with its numbers and its settings (central differences, h = 1e-4,
/// |num - ana| / max(1, |num|, |ana|) &lt;= 1e-5, in double). Its softmax and sigmoid sanity values are checked in
/// SoftmaxTests (Seed_softmax_*) and ActivationsTests (Seed_sigmoid_*), for float and double.
/// </summary>
/// <remarks>
/// For f(x) = sum x^2 the central difference ((x + h)^2 - (x - h)^2) / 2h is exactly 2x; only rounding remains,
/// about 2^-53 f / h: at x = 123.456 (f = 15241) that is 2e-8 against a derivative of 247, a relative 1e-10.
/// </remarks>
public sealed class SeedChecksTests
{
    [Fact]
    public void Default_options_are_the_seeds_step_and_tolerance()
    {
        var options = new GradientCheckOptions();
        Assert.Equal(1e-4, options.Step);
        Assert.Equal(1e-5, options.Tolerance);
        Assert.Null(options.ResetRandomState);
    }

    /// <summary>The seed's quad: f(x) = sum x^2, grad 2x.</summary>
    private static double SumOfSquares(ReadOnlySpan<double> x, Span<double> gradient)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * x[i];
            gradient[i] = 2 * x[i];
        }

        return sum;
    }

    private static void AssertPasses(GradientCheckResult result, int length)
    {
        Assert.True(result.Passed, result.ToString());
        Assert.Equal(-1, result.FailingIndex);
        Assert.InRange(result.WorstIndex, 0, length - 1);
        Assert.InRange(result.WorstRelativeDifference, 0, 1e-5);
    }

    [Fact]
    public void Gradient_check_of_sum_of_squares_passes_at_the_scalar_123_456()
    {
        double[] x = [123.456];
        AssertPasses(GradientCheck.Run(SumOfSquares, x), 1);
        Assert.Equal(123.456, x[0]);
    }

    [Fact]
    public void Gradient_check_of_sum_of_squares_passes_at_a_random_3_vector()
    {
        double[] x = Gaussian(new Random(1), 3, 1);
        AssertPasses(GradientCheck.Run(SumOfSquares, x), 3);
    }

    [Fact]
    public void Gradient_check_of_sum_of_squares_passes_at_a_random_4_by_5_matrix()
    {
        // The matrix in its row-major flat form, as the checker sees any array.
        double[] x = Gaussian(new Random(2), 4 * 5, 1);
        AssertPasses(GradientCheck.Run(SumOfSquares, x), 20);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Gradient_check_of_the_network_passes_at_the_seed_shape_with_one_hot_labels_and_random_parameters(int seed)
    {
        // The seed: N = 20, dimensions (10, 5, 10), data = randn(N, 10), one random 1 per row of the labels,
        // params = randn((10 + 1) * 5 + (5 + 1) * 10).
        const int Batch = 20, Inputs = 10, Hidden = 5, Outputs = 10;
        var random = new Random(seed);
        var network = new TwoLayerNetwork<double>(Inputs, Hidden, Outputs);
        double[] data = Gaussian(random, Batch * Inputs, 1);
        double[] labels = OneHot<double>(NetworkData.Labels(random, Batch, Outputs), Outputs);
        double[] parameters = Gaussian(random, network.ParameterCount, 1);
        Assert.Equal(115, parameters.Length);
        double[] original = (double[])parameters.Clone();
        Workspace<double> workspace = network.CreateWorkspace(Batch);

        GradientCheckResult result = GradientCheck.Run(
            (p, gradient) => network.ForwardBackward(
                new ReadOnlySpan2D<double>(data, Batch, Inputs), new ReadOnlySpan2D<double>(labels, Batch, Outputs), p, gradient, workspace),
            parameters);

        AssertPasses(result, parameters.Length);
        Assert.Equal(original, parameters);
    }
}
