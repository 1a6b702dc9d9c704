namespace Nn.Span;

/// <summary>
/// A thread-safe pool of <see cref="Workspace{T}"/> for one set of dimensions and maximum batch size. Renting
/// and returning allocate nothing once the pool has grown to the number of workspaces in use at once.
/// </summary>
/// <example>
/// <code>
/// var workspace = pool.Rent();
/// try { network.Forward(data, parameters, probabilities, workspace); }
/// finally { pool.Return(workspace); }
/// </code>
/// </example>
public sealed class WorkspacePool<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Lock _lock = new();
    private Workspace<T>[] _available;
    private int _count;

    /// <summary>Creates an empty pool of workspaces for <paramref name="dimensions"/> and batches of up to <paramref name="maxBatchSize"/> rows.</summary>
    /// <param name="dimensions">The dimensions of the networks the workspaces serve.</param>
    /// <param name="maxBatchSize">The largest batch a call may pass; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBatchSize"/> is below 1.</exception>
    public WorkspacePool(NetworkDimensions dimensions, int maxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        Dimensions = dimensions;
        MaxBatchSize = maxBatchSize;
        _available = new Workspace<T>[Math.Max(4, Environment.ProcessorCount)];
    }

    /// <summary>The dimensions of the pooled workspaces.</summary>
    public NetworkDimensions Dimensions { get; }

    /// <summary>The maximum batch size of the pooled workspaces.</summary>
    public int MaxBatchSize { get; }

    /// <summary>Takes a workspace from the pool, creating one when none is free.</summary>
    /// <returns>A workspace that only the caller uses until it is returned.</returns>
    public Workspace<T> Rent()
    {
        lock (_lock)
        {
            if (_count > 0)
            {
                Workspace<T> workspace = _available[--_count];
                _available[_count] = null!;
                return workspace;
            }
        }

        return new Workspace<T>(Dimensions, MaxBatchSize);
    }

    /// <summary>Gives a workspace back to the pool. The caller must not use it afterwards.</summary>
    /// <param name="workspace">A workspace with this pool's dimensions and maximum batch size.</param>
    /// <exception cref="ArgumentException"><paramref name="workspace"/> does not match this pool.</exception>
    public void Return(Workspace<T> workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (workspace.Dimensions != Dimensions || workspace.MaxBatchSize != MaxBatchSize)
        {
            throw new ArgumentException(
                $"The workspace ({workspace.Dimensions}, batch {workspace.MaxBatchSize}) does not belong to this pool ({Dimensions}, batch {MaxBatchSize}).",
                nameof(workspace));
        }

        lock (_lock)
        {
            if (_count == _available.Length)
            {
                Array.Resize(ref _available, _available.Length * 2);
            }

            _available[_count++] = workspace;
        }
    }
}
