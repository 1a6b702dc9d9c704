using static Nn.Span.Tests.NetworkData;
using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>A float forward and backward step called directly: returns the cost, writes the gradient and dX unless empty.</summary>
internal delegate float FloatStep(
    NetworkDimensions d, ReadOnlySpan2D<float> data, ReadOnlySpan<int> labels, ReadOnlySpan<float> parameters, Span<float> gradient,
    Span2D<float> inputGradient);

/// <summary>Checks shared by the tests of the network's one-call steps.</summary>
internal static class StepChecks
{
    /// <summary>
    /// The step of (N, Dx, H, Dy) against the scalar double reference's rounding bound (which holds for any order of the
    /// sums), with the gradient and dX between guards, then without dX (bitwise the same cost and gradient); when
    /// <paramref name="takenByThePublicCall"/>, the public call gives bitwise the same too.
    /// </summary>
    public static void AssertMatchesTheReference(FloatStep step, bool takenByThePublicCall, int batch, int inputs, int hidden, int outputs)
    {
        var problem = NetworkProblem.Random((batch * 131) + (inputs * 17) + (hidden * 5) + outputs, batch, inputs, hidden, outputs);
        var reference = new NetworkReference(problem);
        NetworkDimensions d = problem.Dimensions;
        float[] data = As<float>(problem.Data);
        float[] parameters = As<float>(problem.Parameters);
        var x = new ReadOnlySpan2D<float>(data, batch, inputs);

        // The gradient and the input gradient between guards, so that an element written past either end would show.
        const int Guard = 16;
        float[] guardedGradient = Guarded<float>(d.ParameterCount, Guard);
        float[] inputGradient = Guarded<float>(batch * inputs, Guard);
        float cost = step(d, x, problem.Labels, parameters, guardedGradient.AsSpan(Guard, d.ParameterCount), new Span2D<float>(inputGradient, Guard, batch, inputs, 0));
        AssertGuardsUntouched(guardedGradient, Guard);
        AssertGuardsUntouched(inputGradient, Guard);
        float[] gradient = guardedGradient.AsSpan(Guard, d.ParameterCount).ToArray();

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

        // Without dX, the cost and the gradient are bitwise the same; so are those of the public call when it takes this step.
        float[] without = new float[d.ParameterCount];
        Assert.Equal(cost, step(d, x, problem.Labels, parameters, without, Span2D<float>.Empty));
        Assert.Equal(gradient, without);
        if (!takenByThePublicCall)
        {
            return;
        }

        TwoLayerNetwork<float> network = problem.Network<float>();
        float[] publicGradient = new float[d.ParameterCount];
        Assert.Equal(cost, network.ForwardBackward(x, problem.Labels, parameters, publicGradient, network.CreateWorkspace(batch)));
        Assert.Equal(gradient, publicGradient);
    }
}
