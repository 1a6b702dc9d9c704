namespace Nn.Span.Demo;

/// <summary>A parsed command line.</summary>
/// <param name="Mode">What to do.</param>
/// <param name="Training">The training options (defaults where not given).</param>
/// <param name="SavePath">Where to save the trained parameters, or null.</param>
/// <param name="Json">Whether to print a JSON summary instead of the text report.</param>
/// <param name="ModelPath">The parameter file of the predict mode.</param>
/// <param name="InputPath">The CSV file of the predict mode, or null for standard input.</param>
internal sealed record DemoCommand(
    DemoMode Mode,
    TrainingOptions Training,
    string? SavePath = null,
    bool Json = false,
    string? ModelPath = null,
    string? InputPath = null);
