namespace Nn.Span.Demo;

/// <summary>The demo: the seed's sanity checks, each printed with PASS or FAIL and its worst relative difference.</summary>
internal static class DemoApplication
{
    /// <summary>Runs the demo and returns the process exit code: 0 when every check passed, 1 otherwise.</summary>
    public static int Run(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("Seed checks");
        IReadOnlyList<CheckResult> checks = SeedChecks.RunAll();
        foreach (CheckResult check in checks)
        {
            output.WriteLine(check.Format());
        }

        int failed = checks.Count(check => !check.Passed);
        output.WriteLine(failed == 0 ? $"All {checks.Count} checks passed." : $"{failed} of {checks.Count} checks FAILED.");
        return failed == 0 ? 0 : 1;
    }
}
