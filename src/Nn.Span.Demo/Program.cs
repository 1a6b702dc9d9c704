namespace Nn.Span.Demo;

/// <summary>The demo's entry point: everything it does lives in <see cref="DemoApplication"/>.</summary>
internal static class Program
{
    private static int Main(string[] args) => DemoApplication.Run(args, Console.In, Console.Out, Console.Error);
}
