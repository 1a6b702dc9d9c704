namespace Nn.Span.Tests;

/// <summary>The bytes a call allocates on the current thread once it has been warmed up.</summary>
/// <remarks>
/// The runtime now and then allocates a few kilobytes on a thread while the methods it runs are promoted to optimised
/// code (tiered compilation: seen a few times in a loaded test run, never with DOTNET_TieredCompilation=0). Such an
/// event happens once; an allocation inside the call happens on every call. So the call runs in several rounds and
/// the test takes the round that allocated least: a call that allocates shows in every round.
/// </remarks>
internal static class Allocations
{
    /// <summary>Calls <paramref name="call"/> once, then <paramref name="rounds"/> rounds of <paramref name="repetitions"/> calls; returns the fewest bytes a round allocated.</summary>
    public static long FewestBytesInARound(Action call, int repetitions = 20, int rounds = 4)
    {
        call();
        long fewest = long.MaxValue;
        for (int round = 0; round < rounds; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < repetitions; i++)
            {
                call();
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
