namespace Nn.Span.Demo;

/// <summary>Counts of (true class, predicted class) pairs: row = true class, column = predicted class.</summary>
internal sealed class ConfusionMatrix
{
    private readonly int[] _counts;

    /// <summary>An all-zero matrix for <paramref name="classes"/> classes.</summary>
    public ConfusionMatrix(int classes)
    {
        Classes = classes;
        _counts = new int[classes * classes];
    }

    /// <summary>The number of classes.</summary>
    public int Classes { get; }

    /// <summary>How often an example of class <paramref name="actual"/> was predicted as <paramref name="predicted"/>.</summary>
    public int this[int actual, int predicted] => _counts[(actual * Classes) + predicted];

    /// <summary>The number of examples counted.</summary>
    public int Total => _counts.Sum();

    /// <summary>The number of examples on the diagonal.</summary>
    public int Correct
    {
        get
        {
            int correct = 0;
            for (int c = 0; c < Classes; c++)
            {
                correct += this[c, c];
            }

            return correct;
        }
    }

    /// <summary>Counts one example.</summary>
    public void Add(int actual, int predicted) => _counts[(actual * Classes) + predicted]++;
}
