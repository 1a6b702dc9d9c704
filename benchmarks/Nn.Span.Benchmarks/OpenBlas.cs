using System.Runtime.InteropServices;

namespace Nn.Span.Benchmarks;

/// <summary>
/// cblas_sgemm from OpenBLAS (Debian: libopenblas0-pthread), for the GEMM baseline. Run it with
/// OPENBLAS_CORETYPE and OPENBLAS_NUM_THREADS=1 in the process environment (the benchmark job sets
/// both): OpenBLAS reads them when it loads, so setting them from managed code is too late.
/// </summary>
internal static unsafe partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";
    private const int RowMajor = 101;
    private const int NoTrans = 111;
    private const int Trans = 112;

    private static readonly Lazy<bool> Loaded = new(() =>
    {
        bool found = NativeLibrary.TryLoad(Library, out IntPtr handle);
        if (found)
        {
            NativeLibrary.Free(handle);
        }

        return found;
    });

    private static readonly Lazy<string> Core = new(() =>
    {
        nint name = IsAvailable ? CoreNamePointer() : 0;
        return name == 0 ? "unknown" : Marshal.PtrToStringAnsi(name) ?? "unknown";
    });

    /// <summary>Whether libopenblas.so.0 can be loaded on this machine.</summary>
    public static bool IsAvailable => Loaded.Value;

    /// <summary>
    /// The kernel family OpenBLAS runs in this process (e.g. "Cooperlake", "Haswell"): the one OPENBLAS_CORETYPE
    /// names, else the one it detected; "unknown" without the library.
    /// </summary>
    public static string CoreName => Core.Value;

    /// <summary>C = op(A) op(B) (+ beta C), row-major, as the benchmark's shapes describe.</summary>
    public static void Multiply(GemmShape shape, float[] a, float[] b, float[] c, float beta)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            Sgemm(
                RowMajor,
                shape.TransposeA == Transpose.Transposed ? Trans : NoTrans,
                shape.TransposeB == Transpose.Transposed ? Trans : NoTrans,
                shape.M, shape.N, shape.K,
                1f, pa, shape.AWidth, pb, shape.BWidth,
                beta, pc, shape.N);
        }
    }

    [LibraryImport(Library, EntryPoint = "openblas_get_corename")]
    private static partial nint CoreNamePointer();

    [LibraryImport(Library, EntryPoint = "cblas_sgemm")]
    private static partial void Sgemm(
        int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);
}
