namespace Convotron.Generator
{
    // Writes the file-local Lanes class: the sums across lanes the kernels take, with the Vector128 rung.
    public sealed partial class ConvNetGenerator
    {
        /// <summary>The file-local class of the sums across lanes (Lanes.Sum, Lanes.Sums4).</summary>
        private const string LaneSums = "Lanes";

        /// <summary>
        /// The sums across the four lanes of a Vector256 that the kernels take: the only operations whose bits depend
        /// on how the lanes are computed. Where Vector256 is accelerated they are Vector256.Sum and the AVX add tree, as
        /// before. Where it is not but Vector128 is (ARM64; x64 without AVX2) they work on the two Vector128 halves
        /// (lanes 0–1 and 2–3), with pairwise adds, each sum as (l0 + l1) + (l2 + l3): the order Vector256.Sum and the
        /// AVX tree take, so the same bits. The test is a JIT-time constant. Element-wise operations (loads, stores,
        /// +, *, fused multiply-adds, max) stay Vector256 calls: they give the same bits at any width, and without
        /// acceleration .NET implements each as the same operation on the two Vector128 halves. Wrapping them too
        /// measured ~80 % slower on AVX2 (every wrapper is an inline, and the passes ran out of the JIT's inlining
        /// budget, leaving accumulators in memory).
        /// </summary>
        private static void EmitLanes(IndentedWriter writer, KernelPlan plan)
        {
            string V = KernelPlan.VectorWidths[0].Of;
            const string H = "Vector128<double>";
            writer.WriteLine();
            writer.WriteLine("/// <summary>Sums across four lanes: of a Vector256, or of its two Vector128 halves where only those are accelerated.</summary>");
            writer.WriteLine(GeneratedCode);
            using (writer.Block($"file static class {LaneSums}"))
            {
                writer.WriteLine("// A JIT-time constant: the Vector128 rung (ARM64, x64 without AVX2) or Vector256 itself.");
                writer.WriteLine("private static bool Halves => !Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated;");
                writer.WriteLine();
                writer.WriteLine(AggressiveInlining);
                writer.WriteLine($"public static double Sum({V} v) => Halves");
                using (writer.Indent())
                {
                    writer.WriteLine("? Vector128.Sum(v.GetLower()) + Vector128.Sum(v.GetUpper())");
                    writer.WriteLine(": Vector256.Sum(v);");
                }
                if (plan.TreeWidths.Count == 0)
                    return;
                const string Avx = "global::System.Runtime.Intrinsics.X86.Avx";
                writer.WriteLine();
                writer.WriteLine("/// <summary>Element i is the sum of v{i}'s lanes, (l0 + l1) + (l2 + l3): a transposing add tree.</summary>");
                writer.WriteLine(AggressiveInlining);
                using (writer.Block($"public static {V} Sums4({V} v0, {V} v1, {V} v2, {V} v3)"))
                {
                    writer.WriteLine("if (Halves) // [v0 v1] from the pairwise sums of both halves, and [v2 v3]");
                    using (writer.Indent())
                    {
                        writer.WriteLine("return Vector256.Create(Pairs(v0.GetLower(), v1.GetLower()) + Pairs(v0.GetUpper(), v1.GetUpper()),");
                        writer.WriteLine("    Pairs(v2.GetLower(), v3.GetLower()) + Pairs(v2.GetUpper(), v3.GetUpper()));");
                    }
                    using (writer.Block($"if ({Avx}.IsSupported)"))
                    {
                        writer.WriteLine("// [a01 b01 a23 b23] from a = v0, b = v1, and [c01 d01 c23 d23]");
                        writer.WriteLine($"{V} p01 = {Avx}.UnpackLow(v0, v1) + {Avx}.UnpackHigh(v0, v1);");
                        writer.WriteLine($"{V} p23 = {Avx}.UnpackLow(v2, v3) + {Avx}.UnpackHigh(v2, v3);");
                        writer.WriteLine("// [a b c d]: the low 128 bits of both plus the high 128 bits of both");
                        writer.WriteLine($"return {Avx}.Permute2x128(p01, p23, 0x20) + {Avx}.Permute2x128(p01, p23, 0x31);");
                    }
                    writer.WriteLine("return Vector256.Create(Vector256.Sum(v0), Vector256.Sum(v1), Vector256.Sum(v2), Vector256.Sum(v3));");
                }
                writer.WriteLine();
                writer.WriteLine("/// <summary>[a0 + a1, b0 + b1]: one pairwise add (faddp, haddpd) where there is one.</summary>");
                writer.WriteLine(AggressiveInlining);
                writer.WriteLine($"private static {H} Pairs({H} a, {H} b) =>");
                using (writer.Indent())
                {
                    writer.WriteLine("global::System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported");
                    writer.WriteLine("    ? global::System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.AddPairwise(a, b)");
                    writer.WriteLine("    : global::System.Runtime.Intrinsics.X86.Sse3.IsSupported");
                    writer.WriteLine("        ? global::System.Runtime.Intrinsics.X86.Sse3.HorizontalAdd(a, b)");
                    writer.WriteLine("        : Vector128.Create(Vector128.Sum(a), Vector128.Sum(b));");
                }
            }
        }
    }
}
