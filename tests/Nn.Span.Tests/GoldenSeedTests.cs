using System.Text.Json;

namespace Nn.Span.Tests;

/// <summary>
/// The seed's forward/backward case computed by numpy in float64 (cross-checked by PyTorch):
/// Golden/golden_seed.json. Metric (from the file): cost |c - c_ref| / |c_ref|; gradient
/// max |g - g_ref| / max |g_ref|.
/// </summary>
public sealed class GoldenSeedTests
{
    private sealed record GoldenCase(
        int N, int Dx, int H, int Dy, double[][] Data, int[] Labels, double[] Params, double ExpectedCost, double[] ExpectedGrad);

    private static readonly GoldenCase Case = Load();

    private static GoldenCase Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "golden_seed.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = document.RootElement;
        return new GoldenCase(
            root.GetProperty("N").GetInt32(),
            root.GetProperty("Dx").GetInt32(),
            root.GetProperty("H").GetInt32(),
            root.GetProperty("Dy").GetInt32(),
            root.GetProperty("data").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray(),
            root.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            root.GetProperty("params").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
            root.GetProperty("expected_cost").GetDouble(),
            root.GetProperty("expected_grad").EnumerateArray().Select(v => v.GetDouble()).ToArray());
    }

    private static (double Cost, double[] Gradient) Run<T>(bool oneHot)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GoldenCase c = Case;
        var network = new TwoLayerNetwork<T>(c.Dx, c.H, c.Dy);
        T[] data = c.Data.SelectMany(r => r).Select(T.CreateChecked).ToArray();
        T[] parameters = c.Params.Select(T.CreateChecked).ToArray();
        T[] gradient = new T[network.ParameterCount];
        Workspace<T> workspace = network.CreateWorkspace(c.N);
        var x = new ReadOnlySpan2D<T>(data, c.N, c.Dx);
        T cost;
        if (oneHot)
        {
            T[] y = new T[c.N * c.Dy];
            for (int n = 0; n < c.N; n++)
            {
                y[(n * c.Dy) + c.Labels[n]] = T.One;
            }

            cost = network.ForwardBackward(x, new ReadOnlySpan2D<T>(y, c.N, c.Dy), parameters, gradient, workspace);
        }
        else
        {
            cost = network.ForwardBackward(x, c.Labels, parameters, gradient, workspace);
        }

        return (double.CreateChecked(cost), gradient.Select(double.CreateChecked).ToArray());
    }

    private static void AssertMatches((double Cost, double[] Gradient) actual, double tolerance)
    {
        double costError = Math.Abs(actual.Cost - Case.ExpectedCost) / Math.Abs(Case.ExpectedCost);
        Assert.True(costError <= tolerance, $"cost {actual.Cost} vs {Case.ExpectedCost}: relative error {costError:E2} > {tolerance:E0}");
        double scale = Case.ExpectedGrad.Max(Math.Abs);
        double gradientError = actual.Gradient.Zip(Case.ExpectedGrad, (a, e) => Math.Abs(a - e)).Max() / scale;
        Assert.True(gradientError <= tolerance, $"gradient relative error {gradientError:E2} > {tolerance:E0}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Double_cost_and_gradient_match_numpy_within_1e_12(bool oneHot) =>
        AssertMatches(Run<double>(oneHot), 1e-12);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float_cost_and_gradient_match_numpy_within_1e_5(bool oneHot) =>
        AssertMatches(Run<float>(oneHot), 1e-5);
}
