using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Nn.Span;

/// <summary>
/// Saves and loads a network's flat parameters in a small, versioned binary format with a checksum.
/// </summary>
/// <remarks>
/// <para>Layout, every number little-endian:</para>
/// <code>
/// offset  size   field
///      0     8   magic, the ASCII bytes "NnSpanPF"
///      8     4   format version (uint32), 1
///     12     4   element type (uint32): 1 = float (IEEE 754 binary32), 2 = double (binary64)
///     16     4   Dx, inputs (int32)
///     20     4   H, hidden units (int32)
///     24     4   Dy, classes (int32)
///     28     4   parameter count P = (Dx + 1) H + (H + 1) Dy (int32)
///     32  P * s  the flat parameters W1, b1, W2, b2 (s = 4 or 8 bytes each), bit for bit
/// 32 + P s   4   CRC-32 (IEEE 802.3 / zlib) of every byte before it (uint32)
/// </code>
/// <para>Loading checks the magic, the version, the element type, the dimensions, the length and the checksum,
/// in that order, and throws <see cref="InvalidDataException"/> saying which was wrong. The caller's parameters are
/// written only after every check has passed: a rejected file leaves them untouched. Saving to a path is atomic: the
/// bytes go to a temporary file in the same directory, which is flushed to disk and then moved over the target.</para>
/// </remarks>
public static class ParameterFile
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The size of the header, in bytes: everything before the parameters.</summary>
    public const int HeaderSize = 32;

    /// <summary>The size of the trailing checksum, in bytes.</summary>
    public const int ChecksumSize = 4;

    /// <summary>Parameters are encoded in chunks of this many bytes (a multiple of 8), on the stack.</summary>
    private const int ChunkBytes = 4096;

    /// <summary>The first eight bytes of every parameter file.</summary>
    private static ReadOnlySpan<byte> Magic => "NnSpanPF"u8;

    /// <summary>The size of a complete file for these dimensions and element type, in bytes.</summary>
    /// <param name="dimensions">The network's dimensions.</param>
    /// <param name="elementType">The element type of the parameters.</param>
    /// <returns>Header, parameters and checksum.</returns>
    public static long FileSize(NetworkDimensions dimensions, ParameterElementType elementType) =>
        HeaderSize + ((long)dimensions.ParameterCount * ElementSize(elementType)) + ChecksumSize;

    /// <summary>Writes a network's parameters to a stream, starting at its current position.</summary>
    /// <param name="stream">A writable stream; left open.</param>
    /// <param name="dimensions">The network's dimensions.</param>
    /// <param name="parameters">The flat parameters, <see cref="NetworkDimensions.ParameterCount"/> elements.</param>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not match <paramref name="dimensions"/>, or the stream is not writable.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static void Save<T>(Stream stream, NetworkDimensions dimensions, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateSave(stream, dimensions, parameters);
        Write(stream, dimensions, parameters);
    }

    /// <summary>
    /// Writes a network's parameters to a file, atomically: a temporary file in the same directory is written,
    /// flushed to disk and then moved over <paramref name="path"/>. If anything fails, an existing file at
    /// <paramref name="path"/> keeps its old contents and no temporary file is left behind.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="dimensions">The network's dimensions.</param>
    /// <param name="parameters">The flat parameters, <see cref="NetworkDimensions.ParameterCount"/> elements.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or <paramref name="parameters"/> does not match <paramref name="dimensions"/>.</exception>
    /// <exception cref="IOException">The file could not be written or moved into place.</exception>
    public static void Save<T>(string path, NetworkDimensions dimensions, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ValidateSave(Stream.Null, dimensions, parameters);
        SaveAtomically(path, dimensions, parameters, static (stream, dimensions, parameters) => Write(stream, dimensions, parameters));
    }

    /// <summary>Reads the header of a parameter file, to learn its element type and dimensions before loading it.</summary>
    /// <param name="stream">A readable stream positioned at the start of a parameter file; advanced past the header.</param>
    /// <returns>The version, element type and dimensions.</returns>
    /// <exception cref="InvalidDataException">The stream is too short, or its magic, version, element type or dimensions are invalid.</exception>
    public static ParameterFileHeader ReadHeader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> header = stackalloc byte[HeaderSize];
        return ReadHeader(stream, header);
    }

    /// <summary>Reads the header of a parameter file, to learn its element type and dimensions before loading it.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The version, element type and dimensions.</returns>
    /// <exception cref="InvalidDataException">The file is too short, or its magic, version, element type or dimensions are invalid.</exception>
    public static ParameterFileHeader ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = File.OpenRead(path);
        return ReadHeader(stream);
    }

    /// <summary>
    /// Reads a network's parameters from a stream into <paramref name="parameters"/>. Every check runs before the
    /// first element is written: a rejected stream leaves <paramref name="parameters"/> untouched.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the start of a parameter file; advanced past its checksum.</param>
    /// <param name="dimensions">The dimensions the file must hold.</param>
    /// <param name="parameters">Receives the flat parameters, <see cref="NetworkDimensions.ParameterCount"/> elements.</param>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not match <paramref name="dimensions"/>.</exception>
    /// <exception cref="InvalidDataException">The stream is truncated or corrupt (checksum), or its magic, version,
    /// element type or dimensions are not the expected ones; the message says which.</exception>
    public static void Load<T>(Stream stream, NetworkDimensions dimensions, Span<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        Guard.ParameterCount(parameters.Length, dimensions, nameof(parameters), "parameters");
        ParameterElementType elementType = ElementTypeOf<T>();

        Span<byte> headerBytes = stackalloc byte[HeaderSize];
        ParameterFileHeader header = ReadHeader(stream, headerBytes);
        if (header.ElementType != elementType)
        {
            throw new InvalidDataException(
                $"The parameter file holds {Describe(header.ElementType)} parameters, but {Describe(elementType)} parameters were asked for.");
        }

        if (header.Dimensions != dimensions)
        {
            throw new InvalidDataException(
                $"The parameter file holds a network of dimensions {header.Dimensions}, but dimensions {dimensions} were expected.");
        }

        // The temporary buffer: parameters and checksum, verified before anything reaches the caller's span.
        int payloadLength = checked((parameters.Length * ElementSize(elementType)) + ChecksumSize);
        byte[] payload = new byte[payloadLength];
        int read = ReadFully(stream, payload);
        if (read < payloadLength)
        {
            throw new InvalidDataException(
                $"The parameter file is truncated: it ends after {HeaderSize + read} bytes, but a network of dimensions {dimensions} needs {HeaderSize + payloadLength}.");
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(payloadLength - ChecksumSize));
        uint computed = Crc32.Finish(Crc32.Append(Crc32.Append(Crc32.Initial, headerBytes), payload.AsSpan(0, payloadLength - ChecksumSize)));
        if (stored != computed)
        {
            throw new InvalidDataException(
                $"The parameter file is corrupt: its checksum is 0x{stored:X8}, but its contents give 0x{computed:X8}.");
        }

        Decode(payload.AsSpan(0, payloadLength - ChecksumSize), parameters);
    }

    /// <summary>
    /// Reads a network's parameters from a file into <paramref name="parameters"/>; the file must end right after
    /// its checksum. A rejected file leaves <paramref name="parameters"/> untouched.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="dimensions">The dimensions the file must hold.</param>
    /// <param name="parameters">Receives the flat parameters, <see cref="NetworkDimensions.ParameterCount"/> elements.</param>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> does not match <paramref name="dimensions"/>.</exception>
    /// <exception cref="InvalidDataException">The file is truncated, corrupt or longer than its contents, or its magic,
    /// version, element type or dimensions are not the expected ones; the message says which.</exception>
    public static void Load<T>(string path, NetworkDimensions dimensions, Span<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Guard.ParameterCount(parameters.Length, dimensions, nameof(parameters), "parameters");
        using FileStream stream = File.OpenRead(path);

        // Read into a scratch copy first: the trailing-bytes check below must also run before the caller's span is written.
        T[] loaded = new T[parameters.Length];
        Load<T>(stream, dimensions, loaded);
        long extra = stream.Length - stream.Position;
        if (extra != 0)
        {
            throw new InvalidDataException($"The parameter file has {extra} unexpected bytes after its checksum.");
        }

        loaded.AsSpan().CopyTo(parameters);
    }

    /// <summary>The element type code of <typeparamref name="T"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static ParameterElementType ElementTypeOf<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return ParameterElementType.Binary32;
        }

        if (typeof(T) == typeof(double))
        {
            return ParameterElementType.Binary64;
        }

        throw new NotSupportedException($"Parameter files hold float or double parameters, not {typeof(T).Name}.");
    }

    /// <summary>Writes to a temporary file next to <paramref name="path"/>, flushes it to disk, then moves it over <paramref name="path"/>.</summary>
    internal static void SaveAtomically<T>(string path, NetworkDimensions dimensions, ReadOnlySpan<T> parameters, ContentWriter<T> write)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        string target = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
        string temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream, dimensions, parameters);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            DeleteIfPossible(temporary);
            throw;
        }
    }

    /// <summary>Removes a leftover temporary file; a failure here must not hide the error that led to it.</summary>
    private static void DeleteIfPossible(string path)
    {
        try
        {
            File.Delete(path); // no-op when it was never created
        }
        catch (Exception problem) when (problem is IOException or UnauthorizedAccessException)
        {
            // The original exception is the one worth reporting.
        }
    }

    /// <summary>Writes the file's bytes for <see cref="SaveAtomically"/>.</summary>
    internal delegate void ContentWriter<T>(Stream stream, NetworkDimensions dimensions, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>;

    private static void ValidateSave<T>(Stream stream, NetworkDimensions dimensions, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream is not writable.", nameof(stream));
        }

        Guard.ParameterCount(parameters.Length, dimensions, nameof(parameters), "parameters");
        _ = ElementTypeOf<T>();
    }

    private static void Write<T>(Stream stream, NetworkDimensions dimensions, ReadOnlySpan<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)ElementTypeOf<T>());
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], dimensions.Inputs);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], dimensions.Hidden);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], dimensions.Outputs);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], dimensions.ParameterCount);
        stream.Write(header);
        uint crc = Crc32.Append(Crc32.Initial, header);

        Span<byte> chunk = stackalloc byte[ChunkBytes];
        int perChunk = ChunkBytes / Unsafe.SizeOf<T>();
        for (int start = 0; start < parameters.Length; start += perChunk)
        {
            ReadOnlySpan<T> values = parameters.Slice(start, Math.Min(perChunk, parameters.Length - start));
            Span<byte> bytes = chunk[..(values.Length * Unsafe.SizeOf<T>())];
            Encode(values, bytes);
            crc = Crc32.Append(crc, bytes);
            stream.Write(bytes);
        }

        Span<byte> checksum = stackalloc byte[ChecksumSize];
        BinaryPrimitives.WriteUInt32LittleEndian(checksum, Crc32.Finish(crc));
        stream.Write(checksum);
    }

    /// <summary>Reads and checks the header: magic, version, element type code, and dimensions consistent with the count.</summary>
    private static ParameterFileHeader ReadHeader(Stream stream, Span<byte> header)
    {
        int read = ReadFully(stream, header);
        int magicRead = Math.Min(read, Magic.Length);
        if (!header[..magicRead].SequenceEqual(Magic[..magicRead]))
        {
            throw new InvalidDataException("This is not an Nn.Span parameter file: it does not start with the magic bytes \"NnSpanPF\".");
        }

        if (read < HeaderSize)
        {
            throw new InvalidDataException($"The parameter file is truncated: it ends after {read} bytes, inside its {HeaderSize}-byte header.");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"The parameter file has format version {version}; this library reads version {FormatVersion}.");
        }

        uint elementCode = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        if (elementCode is not ((uint)ParameterElementType.Binary32 or (uint)ParameterElementType.Binary64))
        {
            throw new InvalidDataException($"The parameter file has an unknown element type code {elementCode} (1 = float, 2 = double).");
        }

        int inputs = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
        int hidden = BinaryPrimitives.ReadInt32LittleEndian(header[20..]);
        int outputs = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(header[28..]);
        NetworkDimensions dimensions;
        try
        {
            dimensions = new NetworkDimensions(inputs, hidden, outputs);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"The parameter file's header is corrupt: ({inputs}, {hidden}, {outputs}) are not valid network dimensions.");
        }

        if (count != dimensions.ParameterCount)
        {
            throw new InvalidDataException(
                $"The parameter file's header is corrupt: it announces {count} parameters, but dimensions {dimensions} have {dimensions.ParameterCount}.");
        }

        return new ParameterFileHeader((int)version, (ParameterElementType)elementCode, dimensions);
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the number of bytes read.</summary>
    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer[total..]);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>values[i] as little-endian bytes, bit for bit (NaN payloads and signed zeros included).</summary>
    private static void Encode<T>(ReadOnlySpan<T> values, Span<byte> bytes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes[(i * sizeof(float))..], Unsafe.BitCast<T, float>(values[i]));
            }
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(bytes[(i * sizeof(double))..], Unsafe.BitCast<T, double>(values[i]));
            }
        }
    }

    /// <summary>The inverse of <see cref="Encode{T}"/>.</summary>
    private static void Decode<T>(ReadOnlySpan<byte> bytes, Span<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = Unsafe.BitCast<float, T>(BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]));
            }
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = Unsafe.BitCast<double, T>(BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * sizeof(double))..]));
            }
        }
    }

    private static int ElementSize(ParameterElementType elementType) =>
        elementType == ParameterElementType.Binary32 ? sizeof(float) : sizeof(double);

    private static string Describe(ParameterElementType elementType) =>
        elementType == ParameterElementType.Binary32 ? "float" : "double";
}
