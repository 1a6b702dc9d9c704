using System.Runtime.Intrinsics.X86;
using static Nn.Span.Tests.NetworkData;
using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// The float step of a batch of one on AVX2 (<see cref="SingleExampleStep256"/>), called directly. It is held to the
/// scalar double reference's rounding bound on widths that end the hidden layer's 32-unit blocks, the eight-row groups and
/// the eight-lane vectors anywhere, with and without dX, the gradient and dX between guards. Its parameters, data,
/// gradient and dX flush against inaccessible pages give bitwise the same results; +Inf logits take the general row
/// path's limits; and the public call takes this step for a batch of one without AVX-512, and with AVX-512 for small
/// networks only.
/// </summary>
public sealed class SingleExampleStep256Tests
{
    private const string NeedsAvx2 = "The single-example step needs AVX2 and FMA.";

    /// <summary>
    /// (Dx, H, Dy): widths of one; online (64, 32, 10); H on either side of 8, 32 and 64 (blocks, groups and vectors);
    /// Dx on either side of 8 and 16; every class count from 1 to 16 somewhere; and random ones.
    /// </summary>
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>
        {
            { 1, 1, 1 }, { 64, 32, 10 }, { 1, 7, 2 }, { 2, 8, 3 }, { 7, 9, 4 }, { 8, 31, 5 }, { 9, 33, 6 }, { 15, 40, 7 },
            { 16, 63, 8 }, { 17, 64, 9 }, { 23, 65, 11 }, { 33, 97, 12 }, { 3, 130, 13 }, { 64, 1, 14 }, { 65, 5, 15 }, { 12, 48, 16 },
        };
        var random = new Random(91);
        for (int i = 0; i < 8; i++)
        {
            data.Add(random.Next(1, 100), random.Next(1, 150), random.Next(1, 17));
        }

        return data;
    }

    [Fact]
    public void The_step_takes_a_batch_of_one_with_at_most_sixteen_classes_and_with_avx512_a_small_first_layer()
    {
        Assert.SkipUnless(SingleExampleStep256.IsSupported, NeedsAvx2);
        Assert.True(SingleExampleStep256.Suits(new NetworkDimensions(64, 32, 10), 1));
        Assert.True(SingleExampleStep256.Suits(new NetworkDimensions(64, 64, 16), 1));
        Assert.Equal(!Avx512F.IsSupported, SingleExampleStep256.Suits(new NetworkDimensions(64, 65, 16), 1));
        Assert.Equal(!Avx512F.IsSupported, SingleExampleStep256.Suits(new NetworkDimensions(784, 512, 16), 1));
        Assert.False(SingleExampleStep256.Suits(new NetworkDimensions(64, 32, 10), 2));
        Assert.False(SingleExampleStep256.Suits(new NetworkDimensions(64, 32, 17), 1));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_step_matches_the_scalar_reference_within_the_rounding_bound(int inputs, int hidden, int outputs)
    {
        Assert.SkipUnless(Avx2.IsSupported && Fma.IsSupported, NeedsAvx2);
        StepChecks.AssertMatchesTheReference(Run, SingleExampleStep256.Suits(new NetworkDimensions(inputs, hidden, outputs), 1), 1, inputs, hidden, outputs);
    }

    [Theory]
    [InlineData(64, 32, 10)]
    [InlineData(13, 37, 3)]
    [InlineData(9, 33, 16)]
    [InlineData(1, 1, 1)]
    public void Operands_flush_against_inaccessible_pages_give_the_results_of_ordinary_arrays(int inputs, int hidden, int outputs)
    {
        // Every operand ends where the accessible memory ends, so that a lane read or written past W2's last row, past b2,
        // past x, past the gradient or past dX faults at once; the results are bitwise those of ordinary arrays.
        Assert.SkipUnless(Avx2.IsSupported && Fma.IsSupported, NeedsAvx2);
        Assert.SkipUnless(ProtectedPages.Available, "Needs mmap and mprotect.");
        var problem = NetworkProblem.Random(inputs + hidden + outputs, 1, inputs, hidden, outputs);
        NetworkDimensions d = problem.Dimensions;
        float[] data = As<float>(problem.Data);
        float[] parameters = As<float>(problem.Parameters);
        float[] gradient = new float[d.ParameterCount];
        float[] inputGradient = new float[inputs];
        float cost = Run(d, new ReadOnlySpan2D<float>(data, 1, inputs), problem.Labels, parameters, gradient, new Span2D<float>(inputGradient, 1, inputs));

        using var parameterPages = new ProtectedPages((long)d.ParameterCount * sizeof(float));
        using var dataPages = new ProtectedPages(inputs * sizeof(float));
        using var gradientPages = new ProtectedPages((long)d.ParameterCount * sizeof(float));
        using var inputGradientPages = new ProtectedPages(inputs * sizeof(float));
        Span<float> guardedParameters = parameterPages.Place<float>(parameters, atEnd: true);
        Span<float> guardedData = dataPages.Place<float>(data, atEnd: true);
        Span<float> guardedGradient = gradientPages.Place<float>(new float[d.ParameterCount], atEnd: true);
        Span<float> guardedInputGradient = inputGradientPages.Place<float>(new float[inputs], atEnd: true);

        // The step's own buffers (h, dZ1 and the logits, the workspace's in the network) likewise.
        using var hiddenPages = new ProtectedPages(hidden * sizeof(float));
        using var deltaPages = new ProtectedPages(hidden * sizeof(float));
        using var logitPages = new ProtectedPages(outputs * sizeof(float));
        float guardedCost = SingleExampleStep256.Run(
            d, guardedData.AsSpan2D(1, inputs), problem.Labels, guardedParameters, guardedGradient, guardedInputGradient.AsSpan2D(1, inputs),
            hiddenPages.Place<float>(new float[hidden], atEnd: true).AsSpan2D(1, hidden),
            deltaPages.Place<float>(new float[hidden], atEnd: true).AsSpan2D(1, hidden),
            logitPages.Place<float>(new float[outputs], atEnd: true).AsSpan2D(1, outputs));

        Assert.Equal(cost, guardedCost);
        Assert.Equal(gradient, guardedGradient.ToArray());
        Assert.Equal(inputGradient, guardedInputGradient.ToArray());
    }

    [Fact]
    public void Logits_of_plus_infinity_take_the_general_row_path_and_its_limits()
    {
        Assert.SkipUnless(Avx2.IsSupported && Fma.IsSupported, NeedsAvx2);
        const int Inputs = 64, Hidden = 32, Outputs = 10, Infinite = 3;
        var problem = NetworkProblem.Random(5, 1, Inputs, Hidden, Outputs);
        NetworkDimensions d = problem.Dimensions;
        float[] data = As<float>(problem.Data);
        float[] parameters = As<float>(problem.Parameters);
        parameters[d.OutputBiasOffset + Infinite] = float.PositiveInfinity;
        var x = new ReadOnlySpan2D<float>(data, 1, Inputs);
        float[] gradient = new float[d.ParameterCount];
        float[] inputGradient = new float[Inputs];

        // Logit 3 is +Inf: its probability is 1. Labelled 3, the loss is log 1 = 0 and dZ2 = softmax - onehot is exactly
        // 0, so every gradient entry is exactly 0.
        float cost = Run(d, x, [Infinite], parameters, gradient, new Span2D<float>(inputGradient, 1, Inputs));
        Assert.Equal(0f, cost);
        Assert.All(gradient, value => Assert.Equal(0f, value));
        Assert.All(inputGradient, value => Assert.Equal(0f, value));

        // Labelled 5, the loss is +Inf, and dZ2 = e_3 - e_5 exactly: db2 is that, and every other entry is finite.
        cost = Run(d, x, [5], parameters, gradient, new Span2D<float>(inputGradient, 1, Inputs));
        Assert.Equal(float.PositiveInfinity, cost);
        Assert.All(gradient, value => Assert.True(float.IsFinite(value), $"{value}"));
        Assert.All(inputGradient, value => Assert.True(float.IsFinite(value), $"{value}"));
        for (int c = 0; c < Outputs; c++)
        {
            Assert.Equal(c == Infinite ? 1f : c == 5 ? -1f : 0f, gradient[d.OutputBiasOffset + c]);
        }
    }

    [Fact]
    public void Logits_of_minus_infinity_nan_and_huge_magnitude_get_their_limits_from_the_vector_loss()
    {
        Assert.SkipUnless(Avx2.IsSupported && Fma.IsSupported, NeedsAvx2);
        const int Inputs = 64, Hidden = 32, Outputs = 10;
        var problem = NetworkProblem.Random(6, 1, Inputs, Hidden, Outputs);
        NetworkDimensions d = problem.Dimensions;
        float[] data = As<float>(problem.Data);
        float[] gradient = new float[d.ParameterCount];
        float[] inputGradient = new float[Inputs];
        float Step(int label, int biasClass, float bias)
        {
            float[] parameters = As<float>(problem.Parameters);
            parameters[d.OutputBiasOffset + biasClass] = bias;
            return Run(d, new ReadOnlySpan2D<float>(data, 1, Inputs), [label], parameters, gradient, new Span2D<float>(inputGradient, 1, Inputs));
        }

        // Logit 2 is -Inf: its probability is exactly 0, so its column of dW2 and its db2 are exactly 0; the loss is
        // finite, and +Inf when the label is 2.
        float cost = Step(5, 2, float.NegativeInfinity);
        Assert.True(float.IsFinite(cost) && cost > 0, $"{cost}");
        Assert.Equal(0f, gradient[d.OutputBiasOffset + 2]);
        for (int u = 0; u < Hidden; u++)
        {
            Assert.Equal(0f, gradient[d.OutputWeightsOffset + (u * Outputs) + 2]);
        }

        Assert.All(gradient, value => Assert.True(float.IsFinite(value), $"{value}"));
        Assert.Equal(float.PositiveInfinity, Step(2, 2, float.NegativeInfinity));

        // Logit 1 is 1e30: its probability is 1 to within far less than a rounding, so labelled 1 the loss and every
        // gradient entry are exactly 0; labelled 7 the loss is about 1e30 and db2 is e_1 - e_7.
        Assert.Equal(0f, Step(1, 1, 1e30f));
        Assert.All(gradient, value => Assert.Equal(0f, value));
        Assert.All(inputGradient, value => Assert.Equal(0f, value));
        cost = Step(7, 1, 1e30f);
        Assert.InRange(cost, 0.99e30f, 1.01e30f);
        for (int c = 0; c < Outputs; c++)
        {
            Assert.Equal(c == 1 ? 1f : c == 7 ? -1f : 0f, gradient[d.OutputBiasOffset + c]);
        }

        // A NaN logit makes the loss and every class's gradient NaN.
        Assert.True(float.IsNaN(Step(0, 4, float.NaN)));
        for (int c = 0; c < Outputs; c++)
        {
            Assert.True(float.IsNaN(gradient[d.OutputBiasOffset + c]), $"db2[{c}] = {gradient[d.OutputBiasOffset + c]}");
        }
    }

    /// <summary>The step with the workspace buffers of a network of dimensions <paramref name="d"/>.</summary>
    private static float Run(
        NetworkDimensions d, ReadOnlySpan2D<float> data, ReadOnlySpan<int> labels, ReadOnlySpan<float> parameters, Span<float> gradient,
        Span2D<float> inputGradient)
    {
        Workspace<float> workspace = new TwoLayerNetwork<float>(d).CreateWorkspace(1);
        return SingleExampleStep256.Run(
            d, data, labels, parameters, gradient, inputGradient, workspace.Hidden(1), workspace.HiddenDelta(1), workspace.Logits(1));
    }
}
