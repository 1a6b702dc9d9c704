namespace Nn.Span;

/// <summary>The sizes of a two-layer network: inputs Dx, hidden units H, output classes Dy.</summary>
public readonly record struct NetworkDimensions
{
    /// <summary>Creates the dimensions of a network with <paramref name="inputs"/> inputs, <paramref name="hidden"/> hidden units and <paramref name="outputs"/> classes.</summary>
    /// <param name="inputs">Dx, the number of inputs per example; at least 1.</param>
    /// <param name="hidden">H, the number of hidden sigmoid units; at least 1.</param>
    /// <param name="outputs">Dy, the number of classes; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1, or the parameter count does not fit in an <see cref="int"/>.</exception>
    public NetworkDimensions(int inputs, int hidden, int outputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hidden, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        long count = ((inputs + 1L) * hidden) + ((hidden + 1L) * outputs);
        if (count > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(hidden), $"The network would have {count} parameters; at most {Array.MaxLength} are supported.");
        }

        Inputs = inputs;
        Hidden = hidden;
        Outputs = outputs;
    }

    /// <summary>Dx, the number of inputs per example.</summary>
    public int Inputs { get; }

    /// <summary>H, the number of hidden sigmoid units.</summary>
    public int Hidden { get; }

    /// <summary>Dy, the number of output classes.</summary>
    public int Outputs { get; }

    /// <summary>The length of the flat parameter vector: (Dx + 1) H + (H + 1) Dy.</summary>
    public int ParameterCount => ((Inputs + 1) * Hidden) + ((Hidden + 1) * Outputs);

    /// <summary>Offset of W1 (Dx x H, row-major) in the flat parameters: 0.</summary>
    public static int HiddenWeightsOffset => 0;

    /// <summary>Offset of b1 (H) in the flat parameters: Dx H.</summary>
    public int HiddenBiasOffset => Inputs * Hidden;

    /// <summary>Offset of W2 (H x Dy, row-major) in the flat parameters: (Dx + 1) H.</summary>
    public int OutputWeightsOffset => (Inputs + 1) * Hidden;

    /// <summary>Offset of b2 (Dy) in the flat parameters: (Dx + 1) H + H Dy.</summary>
    public int OutputBiasOffset => OutputWeightsOffset + (Hidden * Outputs);

    /// <inheritdoc/>
    public override string ToString() => $"({Inputs}, {Hidden}, {Outputs})";
}
