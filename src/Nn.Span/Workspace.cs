using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// Every buffer a <see cref="TwoLayerNetwork{T}"/> call needs, for one set of dimensions and up to a maximum
/// batch size: one pinned allocation, 64-byte aligned, sliced into named buffers. A call that is given a
/// workspace allocates nothing.
/// </summary>
/// <remarks>
/// A workspace is not thread-safe: give each thread its own, for example from a <see cref="WorkspacePool{T}"/>.
/// The buffers hold the activations of the last call; their contents are not part of the API.
/// </remarks>
public sealed class Workspace<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Every buffer starts on a 64-byte boundary (one cache line, one Vector512).</summary>
    private const int AlignmentBytes = 64;

    private readonly T[] _block;
    private readonly int _origin;
    private readonly int _hiddenOffset;
    private readonly int _hiddenDeltaOffset;
    private readonly int _logitsOffset;
    private readonly int _labelsOffset;
    private readonly int _packingOffset;
    private readonly int _packingLength;

    /// <summary>Creates a workspace for networks of <paramref name="dimensions"/> and batches of up to <paramref name="maxBatchSize"/> rows.</summary>
    /// <param name="dimensions">The network's dimensions.</param>
    /// <param name="maxBatchSize">The largest batch a call may pass; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBatchSize"/> is below 1 or the buffers would be too large.</exception>
    public Workspace(NetworkDimensions dimensions, int maxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        Dimensions = dimensions;
        MaxBatchSize = maxBatchSize;

        // Size table: hidden activations h (N x H), hidden deltas dH / dZ1 (N x H), logits / dZ2 (N x Dy),
        // the decoded labels (N ints stored in the same block), and the packing panels of the matrix products.
        long total = 0;
        _hiddenOffset = Reserve(ref total, (long)maxBatchSize * dimensions.Hidden);
        _hiddenDeltaOffset = Reserve(ref total, (long)maxBatchSize * dimensions.Hidden);
        _logitsOffset = Reserve(ref total, (long)maxBatchSize * dimensions.Outputs);
        _labelsOffset = Reserve(ref total, ((long)maxBatchSize * sizeof(int) + Unsafe.SizeOf<T>() - 1) / Unsafe.SizeOf<T>());
        long packing = MatrixProduct.PackingLengthForNetwork<T>(dimensions, maxBatchSize);
        _packingOffset = Reserve(ref total, packing);
        _packingLength = (int)packing;

        long withSlack = total + (AlignmentBytes / Unsafe.SizeOf<T>());
        if (withSlack > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxBatchSize), $"A workspace for {dimensions} and {maxBatchSize} rows needs {withSlack} elements; at most {Array.MaxLength} fit.");
        }

        _block = GC.AllocateUninitializedArray<T>((int)withSlack, pinned: true);
        _origin = AlignedOrigin(_block);
    }

    /// <summary>The dimensions of the networks this workspace serves.</summary>
    public NetworkDimensions Dimensions { get; }

    /// <summary>The largest batch a call may pass with this workspace.</summary>
    public int MaxBatchSize { get; }

    /// <summary>The size of the workspace's single allocation, in bytes.</summary>
    public long SizeInBytes => (long)_block.Length * Unsafe.SizeOf<T>();

    /// <summary>h = sigmoid(X W1 + b1), N x H.</summary>
    internal Span2D<T> Hidden(int rows) => Matrix(_hiddenOffset, rows, Dimensions.Hidden);

    /// <summary>dH = dZ2 W2^T, then dZ1 = dH * h (1 - h), N x H.</summary>
    internal Span2D<T> HiddenDelta(int rows) => Matrix(_hiddenDeltaOffset, rows, Dimensions.Hidden);

    /// <summary>Logits z = h W2 + b2, overwritten in place by dZ2 = (softmax(z) - y) / N, N x Dy.</summary>
    internal Span2D<T> Logits(int rows) => Matrix(_logitsOffset, rows, Dimensions.Outputs);

    /// <summary>Class labels decoded from one-hot rows, N ints.</summary>
    internal Span<int> Labels(int rows) =>
        MemoryMarshal.Cast<T, int>(_block.AsSpan(_origin + _labelsOffset))[..rows];

    /// <summary>Packed panels of the matrix products' operands (see <see cref="PackedGemm"/>).</summary>
    internal Span<T> Packing => _block.AsSpan(_origin + _packingOffset, _packingLength);

    /// <summary>Throws unless this workspace fits a call of <paramref name="rows"/> rows on a network of <paramref name="dimensions"/>.</summary>
    internal void EnsureFits(NetworkDimensions dimensions, int rows, string parameterName)
    {
        if (Dimensions != dimensions)
        {
            throw new ArgumentException(
                $"The workspace was made for a network of dimensions {Dimensions}, not {dimensions}.", parameterName);
        }

        if (rows > MaxBatchSize)
        {
            throw new ArgumentException(
                $"The batch has {rows} rows, but the workspace was sized for at most {MaxBatchSize}.", parameterName);
        }
    }

    private Span2D<T> Matrix(int offset, int rows, int columns) =>
        new(_block, _origin + offset, rows, columns, 0);

    /// <summary>Reserves <paramref name="count"/> elements, rounded up to whole cache lines; returns their offset.</summary>
    private static int Reserve(ref long total, long count)
    {
        long lineElements = AlignmentBytes / Unsafe.SizeOf<T>();
        long offset = total;
        total += (count + lineElements - 1) / lineElements * lineElements;
        return (int)Math.Min(offset, int.MaxValue);
    }

    /// <summary>Index of the first element of a pinned array that lies on a 64-byte boundary.</summary>
    private static unsafe int AlignedOrigin(T[] block)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(block));
        nuint misalignment = address % AlignmentBytes;
        return misalignment == 0 ? 0 : (int)((AlignmentBytes - misalignment) / (nuint)Unsafe.SizeOf<T>());
    }
}
