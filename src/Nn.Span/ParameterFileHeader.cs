namespace Nn.Span;

/// <summary>The element type of the parameters stored in a parameter file.</summary>
public enum ParameterElementType
{
    /// <summary>IEEE 754 binary32 values (<see cref="float"/>).</summary>
    Binary32 = 1,

    /// <summary>IEEE 754 binary64 values (<see cref="double"/>).</summary>
    Binary64 = 2,
}

/// <summary>What the header of a parameter file says: its format version, element type and network dimensions.</summary>
/// <param name="Version">The format version (see <see cref="ParameterFile.FormatVersion"/>).</param>
/// <param name="ElementType">Whether the parameters are float or double.</param>
/// <param name="Dimensions">The dimensions of the network the parameters belong to.</param>
public readonly record struct ParameterFileHeader(int Version, ParameterElementType ElementType, NetworkDimensions Dimensions);
