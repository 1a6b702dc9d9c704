namespace Nn.Span.Benchmarks;

/// <summary>A matrix of rows processed one row at a time (softmax, loss), shown as rows x columns.</summary>
public sealed record RowsShape(int Rows, int Columns)
{
    /// <summary>Number of elements.</summary>
    public int Length => Rows * Columns;

    /// <inheritdoc />
    public override string ToString() => $"{Rows}x{Columns}";
}
