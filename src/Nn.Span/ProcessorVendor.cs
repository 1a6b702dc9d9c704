using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// The maker of the processor, read once from CPUID, for the few choices whose better side was measured to differ
/// between AMD and Intel cores.
/// </summary>
internal static class ProcessorVendor
{
    /// <summary>Whether the processor identifies itself as "AuthenticAMD".</summary>
    public static readonly bool IsAmd = ReadIsAmd();

    /// <summary>
    /// Whether the core executes a 512-bit store as two 256-bit halves: AMD family 19h (Zen 4), the first AMD cores with
    /// AVX-512. There a 512-bit masked store takes two store cycles, and about 3.3 when its 64 bytes span two cache lines,
    /// where a 128-bit or 256-bit one takes about 1.3 (informal loop of 48 quad stores: 34-58 ns masked against 19 ns as
    /// 128-bit stores of extracted lanes).
    /// </summary>
    public static readonly bool StoresVector512InHalves = IsAmd && Avx512F.IsSupported && ReadFamily() == 0x19;

    /// <summary>
    /// Reads the flags when the library loads. A kernel compiled fully optimised on its first call (AggressiveOptimization)
    /// sees a flag as a constant, and compiles only the branch it takes, when this class is already initialised; before
    /// that, it tests the flag on every call, behind a call that checks the class's initialisation (the softmax tile
    /// that way ran 1.02-1.13x as fast as with masked stores, against 1.17-1.20x with the flag constant).
    /// </summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "Reads CPUID once; no side effect beyond this class's own fields.")]
    internal static void ReadWhenLoaded() => RuntimeHelpers.RunClassConstructor(typeof(ProcessorVendor).TypeHandle);

    /// <summary>The processor family from CPUID leaf 1: the base family, plus the extended family when the base is 0xF.</summary>
    private static int ReadFamily()
    {
        if (!X86Base.IsSupported)
        {
            return 0;
        }

        (int eax, _, _, _) = X86Base.CpuId(1, 0);
        int baseFamily = (eax >> 8) & 0xF;
        return baseFamily == 0xF ? baseFamily + ((eax >> 20) & 0xFF) : baseFamily;
    }

    private static bool ReadIsAmd()
    {
        if (!X86Base.IsSupported)
        {
            return false;
        }

        // Leaf 0 spells the vendor in EBX, EDX, ECX: "Auth", "enti", "cAMD".
        (_, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        return ebx == 0x68747541 && edx == 0x69746E65 && ecx == 0x444D4163;
    }
}
