using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Nn.Span.Tests;

/// <summary>The README's quick start, compiled and run; a second test keeps the README's copy identical.</summary>
public sealed class QuickStartTests
{
    [Fact]
    public void Quick_start_trains_and_predicts()
    {
        // quick-start begin
        // A network with 4 inputs, 8 hidden sigmoid units and 3 classes; parameters in one flat vector.
        var network = new TwoLayerNetwork<float>(inputs: 4, hidden: 8, outputs: 3);
        float[] parameters = new float[network.ParameterCount];
        float[] gradient = new float[network.ParameterCount];
        var random = new Random(42);
        for (int i = 0; i < parameters.Length; i++)
        {
            parameters[i] = (float)(random.NextDouble() - 0.5);
        }

        // A batch of two examples, one per row, and their class labels.
        float[] data = [0.1f, 0.2f, 0.3f, 0.4f, 0.9f, 0.8f, 0.7f, 0.6f];
        int[] labels = [0, 2];
        var batch = new ReadOnlySpan2D<float>(data, height: 2, width: 4);

        // One workspace holds every intermediate buffer: the calls below allocate nothing.
        Workspace<float> workspace = network.CreateWorkspace(maxBatchSize: 2);
        float firstCost = network.ForwardBackward(batch, labels, parameters, gradient, workspace);
        float cost = firstCost;
        for (int step = 0; step < 200; step++)
        {
            TensorPrimitives.MultiplyAdd(gradient, -0.5f, parameters, parameters); // parameters -= 0.5 * gradient
            cost = network.ForwardBackward(batch, labels, parameters, gradient, workspace);
        }

        // Class probabilities and the predicted class of one example.
        float[] probabilities = new float[3];
        int predicted = network.Predict(data.AsSpan(4, 4), parameters, probabilities, workspace);
        // quick-start end

        Assert.True(cost < firstCost / 10, $"cost went from {firstCost} to {cost}");
        Assert.Equal(2, predicted);
        Assert.Equal(1f, probabilities.Sum(), 1e-5f);
    }

    [Fact]
    public void Readme_quick_start_is_the_code_this_test_runs()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        string test = File.ReadAllText(ThisFile());
        string sample = Between(test, "// quick-start begin", "// quick-start end");
        string block = Between(readme, "```csharp", "```");
        Assert.Contains(Normalize(sample), Normalize(block), StringComparison.Ordinal);
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;

    private static string RepositoryRoot()
    {
        string directory = Path.GetDirectoryName(ThisFile())!;
        while (!File.Exists(Path.Combine(directory, "Nn.Span.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("Nn.Span.sln not found above " + ThisFile());
        }

        return directory;
    }

    private static string Between(string text, string start, string end)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"'{start}' not found");
        from += start.Length;
        int to = text.IndexOf(end, from, StringComparison.Ordinal);
        Assert.True(to >= 0, $"'{end}' not found");
        return text[from..to];
    }

    /// <summary>Lines trimmed, blank lines dropped: indentation may differ between the README and the test.</summary>
    private static string Normalize(string code) =>
        string.Join('\n', code.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0));
}
