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
