using static Nn.Span.Tests.NetworkData;
using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// The float step of tiny networks (<see cref="TinyStep"/>: every layer narrower than a vector, sixteen examples per
/// tile, one per lane), called directly. It is held to the scalar double reference's rounding bound (the bound holds for
/// any order of the sums), on widths from 1 to the largest it takes and on batches that end a tile anywhere, with and
/// without dX. Rows whose logits are +Inf take the general row path and get its limits, and the public call takes this
/// step for these shapes.
/// </summary>
public sealed class TinyStepTests
{
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

    [Fact]
    public void The_step_takes_networks_narrower_than_a_vector_in_every_layer()
    {
        Assert.SkipUnless(DirectGemm.IsSupported, "The step of tiny networks needs AVX-512.");
        Assert.True(TinyStep.Suits(new NetworkDimensions(10, 5, 10)));
        Assert.True(TinyStep.Suits(new NetworkDimensions(15, 16, 16)));
        Assert.True(TinyStep.Suits(new NetworkDimensions(1, 1, 1)));

        // Lane Dx of an example's inputs sums db1, so Dx stops at 15.
        Assert.False(TinyStep.Suits(new NetworkDimensions(16, 5, 10)));
        Assert.False(TinyStep.Suits(new NetworkDimensions(10, 17, 10)));
        Assert.False(TinyStep.Suits(new NetworkDimensions(10, 5, 17)));
        Assert.False(TinyStep.Suits(new NetworkDimensions(64, 32, 10)));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_step_matches_the_scalar_reference_within_the_rounding_bound(int batch, int inputs, int hidden, int outputs)
    {
        Assert.SkipUnless(DirectGemm.IsSupported, "The step of tiny networks needs AVX-512.");
        var problem = NetworkProblem.Random((batch * 131) + (inputs * 17) + (hidden * 5) + outputs, batch, inputs, hidden, outputs);
        var reference = new NetworkReference(problem);
        NetworkDimensions d = problem.Dimensions;
        float[] data = As<float>(problem.Data);
        float[] parameters = As<float>(problem.Parameters);
        var x = new ReadOnlySpan2D<float>(data, batch, inputs);

        // The input gradient between guards, so that a row written past its end would show.
        const int Guard = 16;
        float[] gradient = new float[d.ParameterCount];
        float[] inputGradient = Guarded<float>(batch * inputs, Guard);
        float cost = TinyStep.Run(d, x, problem.Labels, parameters, gradient, new Span2D<float>(inputGradient, Guard, batch, inputs, 0));
        AssertGuardsUntouched(inputGradient, Guard);

        string context = problem.ToString();
        double units = NetworkReference.Units<float>();
        AssertWithin(reference.Cost, cost, units * reference.CostBound, $"{context} cost");
        for (int i = 0; i < gradient.Length; i++)
        {
            AssertWithin(reference.Gradient[i], gradient[i], units * reference.GradientBound[i], $"{context} gradient[{i}]");
        }

        for (int i = 0; i < batch * inputs; i++)
        {
            AssertWithin(reference.InputGradient[i], inputGradient[Guard + i], units * reference.InputGradientBound[i], $"{context} input gradient[{i}]");
        }

        // Without dX, the cost and the gradient are bitwise the same; the public call takes this step.
        float[] without = new float[d.ParameterCount];
        Assert.Equal(cost, TinyStep.Run(d, x, problem.Labels, parameters, without, Span2D<float>.Empty));
        Assert.Equal(gradient, without);
        TwoLayerNetwork<float> network = problem.Network<float>();
        float[] publicGradient = new float[d.ParameterCount];
        Assert.Equal(cost, network.ForwardBackward(x, problem.Labels, parameters, publicGradient, network.CreateWorkspace(batch)));
        Assert.Equal(gradient, publicGradient);
    }

    [Fact]
    public void Strided_data_and_input_gradient_give_the_results_of_contiguous_ones()
    {
        Assert.SkipUnless(DirectGemm.IsSupported, "The step of tiny networks needs AVX-512.");
        foreach ((int batch, int inputs) in new[] { (20, 10), (33, 3), (16, 15) })
        {
            var problem = NetworkProblem.Random(batch + inputs, batch, inputs, 7, 10);
            NetworkDimensions d = problem.Dimensions;
            float[] data = As<float>(problem.Data);
            float[] parameters = As<float>(problem.Parameters);
            float[] gradient = new float[d.ParameterCount];
            float[] inputGradient = new float[batch * inputs];
            float cost = TinyStep.Run(d, new ReadOnlySpan2D<float>(data, batch, inputs), problem.Labels, parameters, gradient, new Span2D<float>(inputGradient, batch, inputs));

            // The same rows with a pitch of 5 whose gaps hold NaN, read and written.
            const int Pitch = 5;
            float[] stridedData = new float[batch * (inputs + Pitch)];
            float[] stridedInputGradient = new float[batch * (inputs + Pitch)];
            stridedData.AsSpan().Fill(float.NaN);
            stridedInputGradient.AsSpan().Fill(float.NaN);
            var stridedX = new Span2D<float>(stridedData, 0, batch, inputs, Pitch);
            new ReadOnlySpan2D<float>(data, batch, inputs).CopyTo(stridedX);
            float[] stridedGradient = new float[d.ParameterCount];
            float stridedCost = TinyStep.Run(
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
        Assert.SkipUnless(DirectGemm.IsSupported, "The step of tiny networks needs AVX-512.");
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
        float cost = TinyStep.Run(d, x, labels, parameters, gradient, new Span2D<float>(inputGradient, Batch, Inputs));
        Assert.Equal(0f, cost);
        Assert.All(gradient, value => Assert.Equal(0f, value));
        Assert.All(inputGradient, value => Assert.Equal(0f, value));

        // With the seed's labels, rows labelled otherwise lose +Inf; dZ2[n, c] = ([c == 3] - [c == y_n]) / N, so db2 is
        // (number of rows) (e_3 - frequency of each label) / N: sums of N multiples of 1/N, within N u of the exact sum.
        cost = TinyStep.Run(d, x, problem.Labels, parameters, gradient, new Span2D<float>(inputGradient, Batch, Inputs));
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
