namespace Nn.Span;

/// <summary>
/// A column count known when a kernel is compiled: the narrow-C kernels are instantiated once per count, so that
/// unused accumulators cost no test per step.
/// </summary>
internal interface IColumnCount
{
    /// <summary>The number of columns.</summary>
    static abstract int Value { get; }
}

/// <summary>The column-count types for 1 to 16 columns.</summary>
internal static class ColumnCounts
{
    internal struct One : IColumnCount { public static int Value => 1; }

    internal struct Two : IColumnCount { public static int Value => 2; }

    internal struct Three : IColumnCount { public static int Value => 3; }

    internal struct Four : IColumnCount { public static int Value => 4; }

    internal struct Five : IColumnCount { public static int Value => 5; }

    internal struct Six : IColumnCount { public static int Value => 6; }

    internal struct Seven : IColumnCount { public static int Value => 7; }

    internal struct Eight : IColumnCount { public static int Value => 8; }

    internal struct Nine : IColumnCount { public static int Value => 9; }

    internal struct Ten : IColumnCount { public static int Value => 10; }

    internal struct Eleven : IColumnCount { public static int Value => 11; }

    internal struct Twelve : IColumnCount { public static int Value => 12; }

    internal struct Thirteen : IColumnCount { public static int Value => 13; }

    internal struct Fourteen : IColumnCount { public static int Value => 14; }

    internal struct Fifteen : IColumnCount { public static int Value => 15; }

    internal struct Sixteen : IColumnCount { public static int Value => 16; }
}
