namespace Nn.Span.Demo;

/// <summary>
/// A small, fully specified random number generator (SplitMix64), so that the same seed gives the same
/// numbers on every runtime version and machine.
/// </summary>
internal sealed class DeterministicRandom
{
    private ulong _state;

    /// <summary>Starts the sequence for <paramref name="seed"/>.</summary>
    public DeterministicRandom(ulong seed) => _state = seed;

    /// <summary>
    /// An independent sequence number <paramref name="stream"/> for <paramref name="seed"/>, so that, say, the data split
    /// does not change when the number of random numbers drawn for the initial parameters does.
    /// </summary>
    public static DeterministicRandom ForStream(ulong seed, ulong stream)
    {
        var mixer = new DeterministicRandom(seed ^ (stream * 0xD1B54A32D192ED03UL));
        return new DeterministicRandom(mixer.NextUInt64());
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        // SplitMix64: advance by the golden-ratio increment, then mix the state with two multiply-xorshift rounds.
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A double uniform in [0, 1): the top 53 bits of the next value, times 2^-53.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A double uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextDouble(double low, double high) => low + ((high - low) * NextDouble());

    /// <summary>An integer uniform in [0, <paramref name="count"/>), without modulo bias (rejection of the short last range).</summary>
    public int NextInt(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ulong range = (ulong)count;
        ulong limit = ulong.MaxValue - (ulong.MaxValue % range);
        ulong value;
        do
        {
            value = NextUInt64();
        }
        while (value >= limit);
        return (int)(value % range);
    }

    /// <summary>A standard normal value (Box-Muller: sqrt(-2 ln u1) cos(2 pi u2)).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // in (0, 1], so the logarithm is finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Puts <paramref name="values"/> in a uniformly random order (Fisher-Yates), in place.</summary>
    public void Shuffle<T>(Span<T> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
