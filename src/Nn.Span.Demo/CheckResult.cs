using System.Globalization;

namespace Nn.Span.Demo;

/// <summary>The outcome of one sanity check.</summary>
/// <param name="Name">What was checked.</param>
/// <param name="Passed">Whether it was within its tolerance.</param>
/// <param name="WorstRelativeDifference">The largest relative difference between the computed and the expected values.</param>
internal sealed record CheckResult(string Name, bool Passed, double WorstRelativeDifference)
{
    /// <summary>One line: PASS or FAIL, the name, and the worst relative difference.</summary>
    public string Format() =>
        string.Create(CultureInfo.InvariantCulture, $"  {(Passed ? "PASS" : "FAIL")}  {Name,-68} worst relative difference {WorstRelativeDifference:0.0E+00}");
}
