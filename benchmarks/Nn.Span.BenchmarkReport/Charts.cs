using ScottPlot;

namespace Nn.Span.BenchmarkReport;

/// <summary>The report's PNG charts.</summary>
internal static class Charts
{
    private static readonly Color[] Palette =
    [
        Color.FromHex("#1f77b4"), Color.FromHex("#ff7f0e"), Color.FromHex("#2ca02c"), Color.FromHex("#9467bd"),
    ];

    /// <summary>
    /// Grouped bars of the median time per call, one group per category and one bar per method, on a
    /// log10 scale (bars start at 1 ns).
    /// </summary>
    public static void TimePerCall(string path, string title, IReadOnlyList<string> categories, IReadOnlyList<string> methods, Func<string, string, double?> medianNanoseconds)
    {
        Plot plot = new();
        AddGroupedBars(plot, categories, methods, (category, method) =>
            medianNanoseconds(category, method) is double ns && ns > 1 ? Math.Log10(ns) : null);

        // Log axis: ticks at the powers of ten, labelled in ns, us, ms, s.
        double top = Math.Ceiling(categories.SelectMany(c => methods.Select(m => medianNanoseconds(c, m) ?? 1)).Select(Math.Log10).DefaultIfEmpty(1).Max());
        double[] positions = [.. Enumerable.Range(0, (int)top + 1).Select(p => (double)p)];
        string[] labels = [.. positions.Select(p => Report.FormatTime(Math.Pow(10, p)))];
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, labels);
        plot.Axes.SetLimitsY(0, top + 0.3);
        plot.YLabel("median time per call (log scale)");
        plot.Title(title);
        plot.SavePng(path, 900, 480);
    }

    /// <summary>Grouped bars of GFLOP/s per GEMM shape, with the measured FMA peak as a line.</summary>
    public static void Gflops(string path, string title, IReadOnlyList<string> categories, IReadOnlyList<string> methods, Func<string, string, double?> gflops, double? peak)
    {
        Plot plot = new();
        AddGroupedBars(plot, categories, methods, gflops);
        if (peak is double peakValue)
        {
            var line = plot.Add.HorizontalLine(peakValue);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Black;
            line.LegendText = $"FMA peak, measured ({peakValue:F0} GFLOP/s)";
        }

        plot.Axes.Margins(bottom: 0);
        plot.YLabel("GFLOP/s (single thread, float)");
        plot.Title(title);
        plot.SavePng(path, 900, 480);
    }

    private static void AddGroupedBars(Plot plot, IReadOnlyList<string> categories, IReadOnlyList<string> methods, Func<string, string, double?> value)
    {
        double width = 0.8 / methods.Count;
        var bars = new List<Bar>();
        for (int c = 0; c < categories.Count; c++)
        {
            for (int m = 0; m < methods.Count; m++)
            {
                if (value(categories[c], methods[m]) is double v)
                {
                    bars.Add(new Bar
                    {
                        Position = c + ((m - ((methods.Count - 1) / 2.0)) * width),
                        Value = v,
                        Size = width * 0.95,
                        FillColor = Palette[m % Palette.Length],
                    });
                }
            }
        }

        plot.Add.Bars(bars);
        for (int m = 0; m < methods.Count; m++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = methods[m], FillColor = Palette[m % Palette.Length] });
        }

        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, categories.Count).Select(i => (double)i)], [.. categories]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.HideGrid();
    }
}
