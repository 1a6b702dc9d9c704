using System.Buffers.Binary;
using System.Text;

namespace Nn.Span.Tests;

/// <summary>
/// Parameter files: bit-for-bit round trips in float and double, every kind of bad file rejected with its own
/// <see cref="InvalidDataException"/> while the caller's parameters stay untouched, and atomic saving.
/// </summary>
public sealed class ParameterFileTests : IDisposable
{
    private static readonly NetworkDimensions Dimensions = new(inputs: 7, hidden: 5, outputs: 3);

    /// <summary>A value no parameter takes: a loaded buffer still full of it was not written.</summary>
    private const double Untouched = -777.25;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("nn-span-parameter-file-");

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>Random parameters plus the values a round trip most easily loses: -0, subnormals, infinities, a NaN payload.</summary>
    private static T[] SampleParameters<T>(int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        T[] parameters = Reference.Uniform<T>(random, Dimensions.ParameterCount, -3, 3);
        parameters[0] = T.NegativeZero;
        parameters[1] = T.Epsilon;
        parameters[2] = T.PositiveInfinity;
        parameters[3] = T.NegativeInfinity;
        parameters[4] = typeof(T) == typeof(float)
            ? (T)(object)BitConverter.Int32BitsToSingle(0x7FC0_1234)
            : (T)(object)BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_BEEF);
        return parameters;
    }

    private static byte[] Bits<T>(T[] values)
        where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static byte[] Saved<T>(T[] parameters, NetworkDimensions? dimensions = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var stream = new MemoryStream();
        ParameterFile.Save<T>(stream, dimensions ?? Dimensions, parameters);
        return stream.ToArray();
    }

    private static T[] Filled<T>(int length)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Enumerable.Repeat(T.CreateTruncating(Untouched), length).ToArray();

    /// <summary>Recomputes the trailing CRC-32 after a header edit, so that only the edited field is wrong.</summary>
    private static void Reseal(byte[] file)
    {
        int end = file.Length - ParameterFile.ChecksumSize;
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(end), Crc32.Compute(file.AsSpan(0, end)));
    }

    /// <summary>Loads <paramref name="file"/> into a buffer full of <see cref="Untouched"/>, expects the error, and checks the buffer.</summary>
    private static InvalidDataException AssertRejected<T>(byte[] file, string expectedInMessage, NetworkDimensions? dimensions = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NetworkDimensions expected = dimensions ?? Dimensions;
        T[] parameters = Filled<T>(expected.ParameterCount);
        var error = Assert.Throws<InvalidDataException>(() => ParameterFile.Load<T>(new MemoryStream(file), expected, parameters));
        Assert.Contains(expectedInMessage, error.Message, StringComparison.Ordinal);
        Assert.All(parameters, value => Assert.Equal(T.CreateTruncating(Untouched), value));
        return error;
    }

    // ---- checksum ----

    [Fact]
    public void Crc32_of_the_standard_check_string_is_0xCBF43926()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
        uint split = Crc32.Finish(Crc32.Append(Crc32.Append(Crc32.Initial, "1234"u8), "56789"u8));
        Assert.Equal(0xCBF43926u, split);
    }

    // ---- round trips ----

    [Fact]
    public void Float_parameters_round_trip_bit_for_bit_through_a_stream() => StreamRoundTrip<float>();

    [Fact]
    public void Double_parameters_round_trip_bit_for_bit_through_a_stream() => StreamRoundTrip<double>();

    private static void StreamRoundTrip<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] parameters = SampleParameters<T>(301);
        byte[] file = Saved(parameters);
        Assert.Equal(ParameterFile.FileSize(Dimensions, ParameterFile.ElementTypeOf<T>()), file.Length);

        var stream = new MemoryStream(file);
        ParameterFileHeader header = ParameterFile.ReadHeader(stream);
        Assert.Equal(new ParameterFileHeader(ParameterFile.FormatVersion, ParameterFile.ElementTypeOf<T>(), Dimensions), header);

        T[] loaded = new T[Dimensions.ParameterCount];
        ParameterFile.Load<T>(new MemoryStream(file), Dimensions, loaded);
        Assert.Equal(Bits(parameters), Bits(loaded));
    }

    [Fact]
    public void Float_and_double_parameters_round_trip_bit_for_bit_through_a_file()
    {
        string path = Path.Combine(_directory.FullName, "model.nnsp");

        float[] floats = SampleParameters<float>(302);
        ParameterFile.Save<float>(path, Dimensions, floats);
        Assert.Equal(ParameterElementType.Binary32, ParameterFile.ReadHeader(path).ElementType);
        float[] loadedFloats = new float[floats.Length];
        ParameterFile.Load<float>(path, Dimensions, loadedFloats);
        Assert.Equal(Bits(floats), Bits(loadedFloats));

        double[] doubles = SampleParameters<double>(303);
        ParameterFile.Save<double>(path, Dimensions, doubles);
        Assert.Equal(ParameterElementType.Binary64, ParameterFile.ReadHeader(path).ElementType);
        double[] loadedDoubles = new double[doubles.Length];
        ParameterFile.Load<double>(path, Dimensions, loadedDoubles);
        Assert.Equal(Bits(doubles), Bits(loadedDoubles));
    }

    [Fact]
    public void The_header_is_laid_out_as_documented()
    {
        byte[] file = Saved(SampleParameters<float>(304));
        Assert.Equal("NnSpanPF", Encoding.ASCII.GetString(file, 0, 8));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12)));
        Assert.Equal(7, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(16)));
        Assert.Equal(5, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(20)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(24)));
        Assert.Equal(Dimensions.ParameterCount, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(28)));
        int end = file.Length - 4;
        Assert.Equal(Crc32.Compute(file.AsSpan(0, end)), BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(end)));
    }

    // ---- bad files ----

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(100)]
    [InlineData(-1)] // the last byte of the checksum missing
    public void A_truncated_file_is_rejected_as_truncated_and_leaves_the_parameters_untouched(int length)
    {
        byte[] file = Saved(SampleParameters<float>(305));
        byte[] cut = file[..(length >= 0 ? length : file.Length + length)];
        AssertRejected<float>(cut, "truncated");
    }

    [Theory]
    [InlineData(40)]   // a parameter
    [InlineData(-1)]   // the checksum itself
    public void A_corrupt_file_is_rejected_by_its_checksum_and_leaves_the_parameters_untouched(int offset)
    {
        byte[] file = Saved(SampleParameters<double>(306));
        file[offset >= 0 ? offset : file.Length + offset] ^= 0x10;
        AssertRejected<double>(file, "checksum");
    }

    [Fact]
    public void A_file_with_another_magic_is_rejected_and_leaves_the_parameters_untouched()
    {
        byte[] file = Saved(SampleParameters<float>(307));
        file[0] = (byte)'X';
        AssertRejected<float>(file, "not an Nn.Span parameter file");
        AssertRejected<float>("{\"parameters\": [1, 2, 3]}"u8.ToArray(), "not an Nn.Span parameter file");
    }

    [Fact]
    public void A_file_of_another_version_is_rejected_and_leaves_the_parameters_untouched()
    {
        byte[] file = Saved(SampleParameters<float>(308));
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), 2);
        Reseal(file);
        AssertRejected<float>(file, "format version 2");
    }

    [Fact]
    public void A_file_of_the_other_element_type_is_rejected_and_leaves_the_parameters_untouched()
    {
        AssertRejected<float>(Saved(SampleParameters<double>(309)), "holds double parameters, but float parameters were asked for");
        AssertRejected<double>(Saved(SampleParameters<float>(310)), "holds float parameters, but double parameters were asked for");

        byte[] unknown = Saved(SampleParameters<float>(311));
        BinaryPrimitives.WriteUInt32LittleEndian(unknown.AsSpan(12), 7);
        Reseal(unknown);
        AssertRejected<float>(unknown, "unknown element type code 7");
    }

    [Fact]
    public void A_file_of_other_dimensions_is_rejected_and_leaves_the_parameters_untouched()
    {
        var other = new NetworkDimensions(7, 6, 3);
        byte[] file = Saved(Reference.Uniform<float>(new Random(312), other.ParameterCount, -1, 1), other);
        AssertRejected<float>(file, "dimensions (7, 6, 3), but dimensions (7, 5, 3) were expected");
    }

    [Fact]
    public void A_header_whose_count_disagrees_with_its_dimensions_is_rejected_as_corrupt()
    {
        byte[] file = Saved(SampleParameters<float>(313));
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(28), 12);
        Reseal(file);
        AssertRejected<float>(file, "header is corrupt");

        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(20), -5);
        Reseal(file);
        AssertRejected<float>(file, "header is corrupt");
    }

    [Fact]
    public void A_file_with_bytes_after_its_checksum_is_rejected_and_leaves_the_parameters_untouched()
    {
        string path = Path.Combine(_directory.FullName, "long.nnsp");
        File.WriteAllBytes(path, [.. Saved(SampleParameters<float>(314)), 0]);
        float[] parameters = Filled<float>(Dimensions.ParameterCount);

        var error = Assert.Throws<InvalidDataException>(() => ParameterFile.Load<float>(path, Dimensions, parameters));

        Assert.Contains("1 unexpected bytes after its checksum", error.Message, StringComparison.Ordinal);
        Assert.All(parameters, value => Assert.Equal((float)Untouched, value));
    }

    [Fact]
    public void Parameters_of_the_wrong_length_are_an_argument_error_naming_parameters()
    {
        byte[] file = Saved(SampleParameters<float>(315));
        var error = Assert.Throws<ArgumentException>(() => ParameterFile.Load<float>(new MemoryStream(file), Dimensions, new float[3]));
        Assert.Equal("parameters", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => ParameterFile.Save<float>(new MemoryStream(), Dimensions, new float[3]));
        Assert.Equal("parameters", error.ParamName);
    }

    // ---- atomic saving ----

    [Fact]
    public void Saving_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(_directory.FullName, "model.nnsp");
        File.WriteAllText(path, "old contents");

        ParameterFile.Save<float>(path, Dimensions, SampleParameters<float>(316));

        Assert.Equal(["model.nnsp"], _directory.GetFiles().Select(file => file.Name));
        Assert.Equal(Saved(SampleParameters<float>(316)), File.ReadAllBytes(path));
    }

    [Fact]
    public void A_save_that_fails_while_writing_keeps_the_existing_file_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(_directory.FullName, "model.nnsp");
        byte[] original = Saved(SampleParameters<float>(317));
        File.WriteAllBytes(path, original);

        Assert.Throws<IOException>(() => ParameterFile.SaveAtomically<float>(
            path,
            Dimensions,
            SampleParameters<float>(318),
            static (stream, _, _) =>
            {
                stream.Write(new byte[100]);
                throw new IOException("The disk is full.");
            }));

        Assert.Equal(["model.nnsp"], _directory.GetFiles().Select(file => file.Name));
        Assert.Equal(original, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_rejected_save_keeps_the_existing_file()
    {
        string path = Path.Combine(_directory.FullName, "model.nnsp");
        byte[] original = Saved(SampleParameters<float>(319));
        File.WriteAllBytes(path, original);

        Assert.Throws<ArgumentException>(() => ParameterFile.Save<float>(path, Dimensions, new float[3]));

        Assert.Equal(["model.nnsp"], _directory.GetFiles().Select(file => file.Name));
        Assert.Equal(original, File.ReadAllBytes(path));
    }

    [Fact]
    public void Saving_into_a_missing_directory_fails_and_creates_nothing()
    {
        string path = Path.Combine(_directory.FullName, "missing", "model.nnsp");
        Assert.Throws<DirectoryNotFoundException>(() => ParameterFile.Save<float>(path, Dimensions, SampleParameters<float>(320)));
        Assert.Empty(_directory.GetFileSystemInfos());
    }
}
