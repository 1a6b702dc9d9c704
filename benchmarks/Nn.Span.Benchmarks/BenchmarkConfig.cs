using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace Nn.Span.Benchmarks;

/// <summary>The suite's configuration: one job, memory diagnoser, median and GFLOP/s columns, markdown and CSV.</summary>
internal static class BenchmarkConfig
{
    /// <summary>The method name of the OpenBLAS rows, left out where the library is missing.</summary>
    public const string OpenBlasMethod = nameof(GemmBenchmarks.OpenBlasSgemm);

    /// <summary>
    /// The full job (a separate process per benchmark, OpenBLAS told the CPU type and to use one
    /// thread), or with <paramref name="smoke"/> a single in-process invocation of each benchmark,
    /// which proves they run, not how fast.
    /// </summary>
    public static IConfig Create(bool smoke)
    {
        Job job = smoke
            ? Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithId("smoke")
            : Job.Default
                .WithWarmupCount(5)
                .WithIterationCount(20)
                .WithEnvironmentVariables(
                    new EnvironmentVariable("OPENBLAS_CORETYPE", "Cooperlake"),
                    new EnvironmentVariable("OPENBLAS_NUM_THREADS", "1"))
                .WithId("single-thread");

        // CSV in plain numbers: nanoseconds and bytes, units in the header only, for the report step.
        var csvStyle = new SummaryStyle(
            CultureInfo.InvariantCulture,
            printUnitsInHeader: true,
            sizeUnit: SizeUnit.B,
            timeUnit: TimeUnit.Nanosecond,
            printUnitsInContent: false,
            printZeroValuesInContent: true);

        ManualConfig config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(StatisticColumn.Median, new GflopsColumn())
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub, new CsvExporter(CsvSeparator.Comma, csvStyle))
            .WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared))
            .WithOptions(ConfigOptions.DisableLogFile);

        if (!OpenBlas.IsAvailable)
        {
            Console.WriteLine("libopenblas.so.0 was not found: the OpenBLAS rows are left out (Debian: apt-get install libopenblas0-pthread).");
            config.AddFilter(new SimpleFilter(c => c.Descriptor.WorkloadMethod.Name != OpenBlasMethod));
        }

        return config;
    }
}
