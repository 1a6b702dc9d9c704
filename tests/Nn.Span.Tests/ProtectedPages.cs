using System.Runtime.InteropServices;

namespace Nn.Span.Tests;

/// <summary>
/// Memory with an inaccessible page on each side: [no access][readable and writable pages][no access]. A buffer placed
/// flush against either edge makes any access one element past its end (or before its start) fault at once, whether
/// it is a read, a write or an unmasked vector load whose result is then thrown away. Linux only (mmap / mprotect).
/// </summary>
internal sealed unsafe partial class ProtectedPages : IDisposable
{
    private const int ProtNone = 0;
    private const int ProtReadWrite = 1 | 2;
    private const int MapPrivateAnonymous = 0x02 | 0x20;

    private readonly byte* _mapping;
    private readonly nuint _mappingBytes;

    /// <summary>Maps room for at least <paramref name="bytes"/> accessible bytes between two inaccessible pages.</summary>
    public ProtectedPages(long bytes)
    {
        nuint page = (nuint)Environment.SystemPageSize;
        nuint accessible = ((nuint)Math.Max(bytes, 1) + page - 1) / page * page;
        _mappingBytes = accessible + (2 * page);
        nint mapping = Mmap(0, _mappingBytes, ProtNone, MapPrivateAnonymous, -1, 0);
        if (mapping == -1)
        {
            throw new InvalidOperationException($"mmap of {_mappingBytes} bytes failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        _mapping = (byte*)mapping;
        Start = _mapping + page;
        End = Start + accessible;
        if (Mprotect((nint)Start, accessible, ProtReadWrite) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Munmap(mapping, _mappingBytes);
            throw new InvalidOperationException($"mprotect failed (errno {errno}).");
        }
    }

    /// <summary>Whether this platform can make such pages.</summary>
    public static bool Available => OperatingSystem.IsLinux();

    /// <summary>The first accessible byte (page-aligned).</summary>
    public byte* Start { get; }

    /// <summary>One past the last accessible byte (page-aligned).</summary>
    public byte* End { get; }

    /// <summary>
    /// Copies <paramref name="values"/> flush against the end (<paramref name="atEnd"/>) or the start of the
    /// accessible pages and returns them there.
    /// </summary>
    public Span<T> Place<T>(ReadOnlySpan<T> values, bool atEnd)
        where T : unmanaged
    {
        T* first = atEnd ? (T*)End - values.Length : (T*)Start;
        var placed = new Span<T>(first, values.Length);
        values.CopyTo(placed);
        return placed;
    }

    public void Dispose() => Munmap((nint)_mapping, _mappingBytes);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fileDescriptor, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int Mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int Munmap(nint address, nuint length);
}
