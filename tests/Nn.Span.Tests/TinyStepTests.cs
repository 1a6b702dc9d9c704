using System.Runtime.Intrinsics.X86;
using static Nn.Span.Tests.NetworkData;
using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// The float steps of tiny networks, one example per lane (<see cref="TinyStep"/> with AVX-512, sixteen examples per
/// tile; <see cref="TinyStep256"/> with AVX2, eight), called directly. Each is held to the scalar double reference's
/// rounding bound (the bound holds for any order of the sums), on widths from 1 to the largest it takes and on batches
/// that end a tile anywhere, with and without dX. Rows whose logits are +Inf take the general row path and get its
/// limits, and the public call takes the step for these shapes on the processors it is made for.
/// </summary>
public abstract class TinyStepContract
{
    /// <summary>Why the step cannot run on this processor, or null when it can.</summary>
    protected abstract string? Unsupported { get; }

    /// <summary>Whether the public call takes this step for a batch of <paramref name="batch"/> on this processor.</summary>
    protected abstract bool TakenByThePublicCall(int batch);

    /// <summary>The step itself.</summary>
    protected abstract float Run(
        NetworkDimensions d, ReadOnlySpan2D<float> data, ReadOnlySpan<int> labels, ReadOnlySpan<float> parameters, Span<float> gradient,
        Span2D<float> inputGradient);

    /// <summary>Skips the test on processors the step cannot run on.</summary>
    protected void SkipUnlessSupported() => Assert.SkipWhen(Unsupported is not null, Unsupported ?? string.Empty);

    /// <summary>
    /// (N, Dx, H, Dy): single rows and widths of one; every width at its largest (15, 16, 16) with a full tile, a tile
    /// and one row, and two full tiles; the seed; odd widths and batches that leave 1..15 rows in the last tile.
    /// </summary>
    public static TheoryData<int, int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int>
        {
            { 1, 1, 1, 1 }, { 2, 1, 1, 2 }, { 1, 15, 16, 16 }, { 16, 15, 16, 16 }, { 17, 15, 16, 16 }, { 32, 15, 16, 16 },
            { 20, 10, 5, 10 }, { 33, 7, 3, 9 }, { 40, 13, 16, 3 }, { 5, 3, 7, 16 }, { 15, 2, 13, 5 }, { 47, 12, 9, 11 },
        };
        var random = new Random(77);
        for (int i = 0; i < 8; i++)
        {
            data.Add(random.Next(1, 50), random.Next(1, 16), random.Next(1, 17), random.Next(1, 17));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_step_matches_the_scalar_reference_within_the_rounding_bound(int batch, int inputs, int hidden, int outputs) =>
        AssertMatchesTheReference(batch, inputs, hidden, outputs);

    /// <summary>The step of (N, Dx, H, Dy) against the scalar double reference (<see cref="StepChecks"/>).</summary>
    protected void AssertMatchesTheReference(int batch, int inputs, int hidden, int outputs)
    {
        SkipUnlessSupported();
        StepChecks.AssertMatchesTheReference(Run, TakenByThePublicCall(batch), batch, inputs, hidden, outputs);
    }

    [Fact]
    public void Strided_data_and_input_gradient_give_the_results_of_contiguous_ones()
    {
        SkipUnlessSupported();
        foreach ((int batch, int inputs) in new[] { (20, 10), (33, 3), (16, 15) })
        {
            var problem = NetworkProblem.Random(batch + inputs, batch, inputs, 7, 10);
            NetworkDimensions d = problem.Dimensions;
            float[] data = As<float>(problem.Data);
            float[] parameters = As<float>(problem.Parameters);
            float[] gradient = new float[d.ParameterCount];
            float[] inputGradient = new float[batch * inputs];
            float cost = Run(d, new ReadOnlySpan2D<float>(data, batch, inputs), problem.Labels, parameters, gradient, new Span2D<float>(inputGradient, batch, inputs));

            // The same rows with a pitch of 5 whose gaps hold NaN, read and written.
            const int Pitch = 5;
            float[] stridedData = new float[batch * (inputs + Pitch)];
            float[] stridedInputGradient = new float[batch * (inputs + Pitch)];
            stridedData.AsSpan().Fill(float.NaN);
            stridedInputGradient.AsSpan().Fill(float.NaN);
            var stridedX = new Span2D<float>(stridedData, 0, batch, inputs, Pitch);
            new ReadOnlySpan2D<float>(data, batch, inputs).CopyTo(stridedX);
            float[] stridedGradient = new float[d.ParameterCount];
            float stridedCost = Run(
                d, stridedX, problem.Labels, parameters, stridedGradient, new Span2D<float>(stridedInputGradient, 0, batch, inputs, Pitch));

            Assert.Equal(cost, stridedCost);
            Assert.Equal(gradient, stridedGradient);
            var stridedDx = new Span2D<float>(stridedInputGradient, 0, batch, inputs, Pitch);
            for (int n = 0; n < batch; n++)
            {
                Assert.Equal(inputGradient.AsSpan(n * inputs, inputs).ToArray(), stridedDx.GetRowSpan(n).ToArray());
                Assert.True(float.IsNaN(stridedInputGradient[(n * (inputs + Pitch)) + inputs]), $"the gap after row {n} was written");
            }
        }
    }

    [Fact]
    public void Logits_of_plus_infinity_take_the_general_row_path_and_its_limits()
    {
        SkipUnlessSupported();
        const int Batch = 20, Inputs = 10, Hidden = 5, Outputs = 10, Infinite = 3;
        var problem = NetworkProblem.Random(5, Batch, Inputs, Hidden, Outputs);
        NetworkDimensions d = problem.Dimensions;
        float[] data = As<float>(problem.Data);
        float[] parameters = As<float>(problem.Parameters);
        parameters[d.OutputBiasOffset + Infinite] = float.PositiveInfinity;
        var x = new ReadOnlySpan2D<float>(data, Batch, Inputs);
        float[] gradient = new float[d.ParameterCount];
        float[] inputGradient = new float[Batch * Inputs];

        // Every row's logit 3 is +Inf: its probability is 1. With every label 3, each loss is log 1 = 0 and
        // dZ2 = (softmax - onehot) / N is exactly 0, so every gradient entry is exactly 0.
        int[] labels = Enumerable.Repeat(Infinite, Batch).ToArray();
        float cost = Run(d, x, labels, parameters, gradient, new Span2D<float>(inputGradient, Batch, Inputs));
        Assert.Equal(0f, cost);
        Assert.All(gradient, value => Assert.Equal(0f, value));
        Assert.All(inputGradient, value => Assert.Equal(0f, value));

        // With the seed's labels, rows labelled otherwise lose +Inf; dZ2[n, c] = ([c == 3] - [c == y_n]) / N, so db2 is
        // (number of rows) (e_3 - frequency of each label) / N: sums of N multiples of 1/N, within N u of the exact sum.
        cost = Run(d, x, problem.Labels, parameters, gradient, new Span2D<float>(inputGradient, Batch, Inputs));
        Assert.Equal(float.PositiveInfinity, cost);
        Assert.All(gradient, value => Assert.True(float.IsFinite(value), $"{value}"));
        Assert.All(inputGradient, value => Assert.True(float.IsFinite(value), $"{value}"));
        for (int c = 0; c < Outputs; c++)
        {
            double exact = ((c == Infinite ? Batch : 0) - problem.Labels.Count(label => label == c)) / (double)Batch;
            AssertWithin(exact, gradient[d.OutputBiasOffset + c], Batch * UnitRoundoff<float>() * 2, $"db2[{c}]");
        }
    }
}

/// <summary>The AVX-512 step, sixteen examples per tile.</summary>
public sealed class TinyStepTests : TinyStepContract
{
    protected override string? Unsupported => DirectGemm.IsSupported ? null : "The step of tiny networks needs AVX-512.";

    // A batch of one takes the single-example step.
    protected override bool TakenByThePublicCall(int batch) => batch > 1;

    [Fact]
    public void The_step_takes_networks_narrower_than_a_vector_in_every_layer()
    {
        SkipUnlessSupported();
        Assert.True(TinyStep.Suits(new NetworkDimensions(10, 5, 10)));
        Assert.True(TinyStep.Suits(new NetworkDimensions(15, 16, 16)));
        Assert.True(TinyStep.Suits(new NetworkDimensions(1, 1, 1)));

        // Lane Dx of an example's inputs sums db1, so Dx stops at 15.
        Assert.False(TinyStep.Suits(new NetworkDimensions(16, 5, 10)));
        Assert.False(TinyStep.Suits(new NetworkDimensions(10, 17, 10)));
        Assert.False(TinyStep.Suits(new NetworkDimensions(10, 5, 17)));
        Assert.False(TinyStep.Suits(new NetworkDimensions(64, 32, 10)));
    }

    protected override float Run(
        NetworkDimensions d, ReadOnlySpan2D<float> data, ReadOnlySpan<int> labels, ReadOnlySpan<float> parameters, Span<float> gradient,
        Span2D<float> inputGradient) =>
        TinyStep.Run(d, data, labels, parameters, gradient, inputGradient);
}

/// <summary>
/// The AVX2 step, eight examples per tile; it takes rows of 16 inputs too (its db1 is summed apart from the inputs).
/// </summary>
public sealed class TinyStep256Tests : TinyStepContract
{
    protected override string? Unsupported =>
        Avx2.IsSupported && Fma.IsSupported ? null : "The step of tiny networks with eight examples per tile needs AVX2 and FMA.";

    // A batch of one takes the single-example step.
    protected override bool TakenByThePublicCall(int batch) => TinyStep256.IsSupported && batch > 1;

    /// <summary>Every width at 16 (a full tile, a tile and one row, one row); 16 inputs with other widths; tiles that end anywhere.</summary>
    public static TheoryData<int, int, int, int> WidestShapes() => new()
    {
        { 8, 16, 16, 16 }, { 9, 16, 16, 16 }, { 1, 16, 16, 16 }, { 23, 16, 5, 10 }, { 7, 16, 1, 2 }, { 64, 16, 9, 16 },
    };

    [Fact]
    public void The_step_takes_networks_at_most_two_vectors_wide_in_every_layer_without_avx512()
    {
        Assert.SkipUnless(TinyStep256.IsSupported, "The public call takes this step only with AVX2 and FMA and without AVX-512.");
        Assert.True(TinyStep256.Suits(new NetworkDimensions(10, 5, 10)));
        Assert.True(TinyStep256.Suits(new NetworkDimensions(16, 16, 16)));
        Assert.True(TinyStep256.Suits(new NetworkDimensions(1, 1, 1)));
        Assert.False(TinyStep256.Suits(new NetworkDimensions(17, 5, 10)));
        Assert.False(TinyStep256.Suits(new NetworkDimensions(10, 17, 10)));
        Assert.False(TinyStep256.Suits(new NetworkDimensions(10, 5, 17)));
        Assert.False(TinyStep256.Suits(new NetworkDimensions(64, 32, 10)));
    }

    [Theory]
    [MemberData(nameof(WidestShapes))]
    public void The_step_matches_the_scalar_reference_at_sixteen_inputs(int batch, int inputs, int hidden, int outputs) =>
        AssertMatchesTheReference(batch, inputs, hidden, outputs);

    protected override float Run(
        NetworkDimensions d, ReadOnlySpan2D<float> data, ReadOnlySpan<int> labels, ReadOnlySpan<float> parameters, Span<float> gradient,
        Span2D<float> inputGradient) =>
        TinyStep256.Run(d, data, labels, parameters, gradient, inputGradient);
}
