namespace Nn.Span;

/// <summary>
/// CRC-32 as in IEEE 802.3, zlib and PNG (reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF);
/// the checksum of the ASCII bytes "123456789" is 0xCBF43926.
/// </summary>
internal static class Crc32
{
    /// <summary>The reflected generator polynomial x^32 + x^26 + x^23 + ... + x + 1.</summary>
    private const uint Polynomial = 0xEDB88320;

    /// <summary>The remainder of every byte value, so that the loop below handles one byte per table lookup.</summary>
    private static readonly uint[] Table = CreateTable();

    /// <summary>The state before any byte: all ones.</summary>
    public const uint Initial = 0xFFFFFFFF;

    /// <summary>Feeds <paramref name="data"/> into a running CRC state (start from <see cref="Initial"/>).</summary>
    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        uint[] table = Table;
        foreach (byte value in data)
        {
            // crc = T[(crc ^ b) & 0xFF] ^ (crc >> 8): divide by the polynomial one byte at a time
            state = table[(byte)(state ^ value)] ^ (state >> 8);
        }

        return state;
    }

    /// <summary>The checksum of a running state: its bits inverted.</summary>
    public static uint Finish(uint state) => ~state;

    /// <summary>The checksum of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Append(Initial, data));

    private static uint[] CreateTable()
    {
        uint[] table = new uint[256];
        for (uint value = 0; value < 256; value++)
        {
            uint remainder = value;
            for (int bit = 0; bit < 8; bit++)
            {
                // shift one bit out; where it was 1, subtract (xor) the polynomial
                remainder = (remainder & 1) != 0 ? (remainder >> 1) ^ Polynomial : remainder >> 1;
            }

            table[value] = remainder;
        }

        return table;
    }
}
