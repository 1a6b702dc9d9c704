using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// The SGD step against a scalar reference written from its documented math (bit for bit, every length 0..67,
/// float and double), its error contract, and zero allocation.
/// </summary>
public sealed class SgdTests
{
    [Fact]
    public void Plain_step_matches_the_scalar_reference_bit_for_bit_for_every_length()
    {
        PlainStep<float>();
        PlainStep<double>();
    }

    private static void PlainStep<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(201);
        T learningRate = Of<T>(0.37);
        for (int length = 0; length <= 67; length++)
        {
            T[] parameters = Uniform<T>(random, length, -2, 2);
            T[] gradient = Uniform<T>(random, length, -5, 5);
            T[] expected = new T[length];
            for (int i = 0; i < length; i++)
            {
                expected[i] = T.FusedMultiplyAdd(gradient[i], -learningRate, parameters[i]); // p - lr g, one rounding
            }

            Sgd.Step<T>(parameters, gradient, learningRate);

            Assert.Equal(expected, parameters);
        }
    }

    [Fact]
    public void Momentum_steps_match_the_scalar_reference_bit_for_bit_for_every_length()
    {
        MomentumSteps<float>();
        MomentumSteps<double>();
    }

    private static void MomentumSteps<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(202);
        T learningRate = Of<T>(0.05);
        T momentum = Of<T>(0.9);
        for (int length = 0; length <= 67; length++)
        {
            T[] parameters = Uniform<T>(random, length, -2, 2);
            T[] velocity = new T[length];
            T[] expectedParameters = (T[])parameters.Clone();
            T[] expectedVelocity = new T[length];
            for (int step = 0; step < 3; step++)
            {
                T[] gradient = Uniform<T>(random, length, -5, 5);
                for (int i = 0; i < length; i++)
                {
                    // v = fma(g, -lr, mu v) = mu v - lr g;  p = p + v
                    expectedVelocity[i] = T.FusedMultiplyAdd(gradient[i], -learningRate, momentum * expectedVelocity[i]);
                    expectedParameters[i] += expectedVelocity[i];
                }

                Sgd.Step<T>(parameters, gradient, velocity, learningRate, momentum);

                Assert.Equal(expectedVelocity, velocity);
                Assert.Equal(expectedParameters, parameters);
            }
        }
    }

    [Fact]
    public void Zero_momentum_step_equals_the_plain_step_up_to_one_rounding()
    {
        var random = new Random(203);
        float[] plain = Uniform<float>(random, 100, -1, 1);
        float[] withVelocity = (float[])plain.Clone();
        float[] gradient = Uniform<float>(random, 100, -1, 1);

        Sgd.Step<float>(plain, gradient, 0.1f);
        Sgd.Step<float>(withVelocity, gradient, new float[100], 0.1f, 0f);

        // The plain step rounds once (a fused multiply-add); with momentum, -lr g is rounded before the addition.
        for (int i = 0; i < plain.Length; i++)
        {
            Assert.Equal(plain[i], withVelocity[i], 1.2e-7f);
        }
    }

    [Fact]
    public void Steps_allocate_nothing()
    {
        float[] parameters = new float[4810];
        float[] gradient = Enumerable.Range(0, 4810).Select(i => i * 1e-4f).ToArray();
        float[] velocity = new float[4810];
        double[] parametersDouble = new double[4810];
        double[] gradientDouble = new double[4810];
        double[] velocityDouble = new double[4810];
        void Run()
        {
            Sgd.Step<float>(parameters, gradient, 0.1f);
            Sgd.Step<float>(parameters, gradient, velocity, 0.1f, 0.9f);
            Sgd.Step<double>(parametersDouble, gradientDouble, 0.1);
            Sgd.Step<double>(parametersDouble, gradientDouble, velocityDouble, 0.1, 0.9);
        }

        Assert.Equal(0, Allocations.FewestBytesInARound(Run));
    }

    [Fact]
    public void Lengths_that_differ_are_rejected_naming_the_parameter_and_nothing_is_written()
    {
        float[] parameters = [1f, 2f, 3f];
        float[] velocity = [4f, 5f, 6f];

        var error = Assert.Throws<ArgumentException>(() => Sgd.Step<float>(parameters, new float[2], 0.1f));
        Assert.Equal("gradient", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Sgd.Step<float>(parameters, new float[4], velocity, 0.1f, 0.9f));
        Assert.Equal("gradient", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Sgd.Step<float>(parameters, new float[3], new float[2], 0.1f, 0.9f));
        Assert.Equal("velocity", error.ParamName);

        Assert.Equal([1f, 2f, 3f], parameters);
        Assert.Equal([4f, 5f, 6f], velocity);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_negative_or_non_finite_learning_rate_is_rejected(double learningRate)
    {
        double[] parameters = [1, 2, 3];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Sgd.Step<double>(parameters, new double[3], learningRate));
        Assert.Equal("learningRate", error.ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => Sgd.Step<double>(parameters, new double[3], new double[3], learningRate, 0.5));
        Assert.Equal("learningRate", error.ParamName);
        Assert.Equal([1.0, 2, 3], parameters);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void A_momentum_outside_zero_to_one_is_rejected(double momentum)
    {
        double[] parameters = [1, 2, 3];
        double[] velocity = [4, 5, 6];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Sgd.Step<double>(parameters, new double[3], velocity, 0.1, momentum));
        Assert.Equal("momentum", error.ParamName);
        Assert.Equal([1.0, 2, 3], parameters);
        Assert.Equal([4.0, 5, 6], velocity);
    }

    [Fact]
    public void Spans_that_share_memory_are_rejected_and_nothing_is_written()
    {
        float[] buffer = Enumerable.Range(0, 30).Select(i => (float)i).ToArray();
        float[] before = (float[])buffer.Clone();

        var error = Assert.Throws<ArgumentException>(() => Sgd.Step<float>(buffer.AsSpan(0, 10), buffer.AsSpan(5, 10), 0.1f));
        Assert.Equal("gradient", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Sgd.Step<float>(buffer.AsSpan(0, 10), buffer.AsSpan(0, 10), 0.1f));
        Assert.Equal("gradient", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Sgd.Step<float>(buffer.AsSpan(0, 10), buffer.AsSpan(10, 10), buffer.AsSpan(9, 10), 0.1f, 0.9f));
        Assert.Equal("velocity", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Sgd.Step<float>(buffer.AsSpan(0, 10), buffer.AsSpan(10, 10), buffer.AsSpan(15, 10), 0.1f, 0.9f));
        Assert.Equal("velocity", error.ParamName);

        Assert.Equal(before, buffer);
    }
}
