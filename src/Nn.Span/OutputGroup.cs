namespace Nn.Span;

/// <summary>
/// How many outputs a loop of the tiny networks' steps (<see cref="TinyStep"/>, <see cref="TinyStep256"/>) computes side
/// by side: a type argument, so that each count compiles to its own loop with the unused accumulators gone.
/// </summary>
internal interface IOutputGroup
{
    static abstract int Outputs { get; }
}

/// <summary>Four outputs at once.</summary>
internal struct FourOutputs : IOutputGroup
{
    public static int Outputs => 4;
}

/// <summary>Two outputs at once.</summary>
internal struct TwoOutputs : IOutputGroup
{
    public static int Outputs => 2;
}

/// <summary>One output.</summary>
internal struct OneOutput : IOutputGroup
{
    public static int Outputs => 1;
}
