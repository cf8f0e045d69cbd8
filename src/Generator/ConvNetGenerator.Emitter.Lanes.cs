namespace Convotron.Generator
{
    // Writes the file-local Lanes class: the Vector256 operations the kernels use, with the Vector128 rung.
    public sealed partial class ConvNetGenerator
    {
        /// <summary>
        /// The operations on four lanes of double that the kernels call (KernelPlan.VectorWidths names this class). Where
        /// Vector256 is accelerated they are the Vector256 operations, so the AVX2 and AVX-512 code is what it was. Where
        /// it is not but Vector128 is (ARM64; x64 without AVX2), .NET would emulate Vector256 in software; these compute
        /// the same lanes as two Vector128 halves (lanes 0–1 and 2–3), the same fused multiply-adds, and every sum of
        /// lanes as (l0 + l1) + (l2 + l3), the order Vector256.Sum and the AVX add tree take: the same bits. The test
        /// is a JIT-time constant, so each machine compiles one branch. Element-wise operators (+, *) stay operators:
        /// without acceleration .NET already implements Vector256's as the two halves' Vector128 operators.
        /// </summary>
        private static void EmitLanes(IndentedWriter writer, KernelPlan plan)
        {
            string V = KernelPlan.VectorWidths[0].Of;
            const string H = "Vector128<double>";
            writer.WriteLine();
            writer.WriteLine("/// <summary>Four lanes of double: Vector256, or two Vector128 halves where only those are accelerated.</summary>");
            writer.WriteLine(GeneratedCode);
            using (writer.Block($"file static class {KernelPlan.VectorWidths[0].Type}"))
            {
                writer.WriteLine("// A JIT-time constant: the Vector128 rung (ARM64, x64 without AVX2) or Vector256 itself.");
                writer.WriteLine("private static bool Halves => !Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated;");
                void Method(string signature, string halves, string whole)
                {
                    writer.WriteLine();
                    writer.WriteLine(AggressiveInlining);
                    writer.WriteLine($"public static {signature} => Halves");
                    using (writer.Indent())
                    {
                        writer.WriteLine("? " + halves);
                        writer.WriteLine(": " + whole + ";");
                    }
                }
                string Pair(string op, string args) =>
                    $"Vector256.Create(Vector128.{op}({Halve(args, "Lower")}), Vector128.{op}({Halve(args, "Upper")}))";
                Method($"{V} Load(ref double x, nuint i)",
                    "Vector256.Create(Vector128.LoadUnsafe(ref x, i), Vector128.LoadUnsafe(ref x, i + 2))", "Vector256.LoadUnsafe(ref x, i)");
                writer.WriteLine();
                writer.WriteLine(AggressiveInlining);
                using (writer.Block($"public static void Store({V} v, ref double x, nuint i)"))
                {
                    using (writer.Block("if (Halves)"))
                    {
                        writer.WriteLine("v.GetLower().StoreUnsafe(ref x, i);");
                        writer.WriteLine("v.GetUpper().StoreUnsafe(ref x, i + 2);");
                    }
                    writer.WriteLine("else");
                    using (writer.Indent())
                        writer.WriteLine("v.StoreUnsafe(ref x, i);");
                }
                Method($"{V} Fma({V} a, {V} b, {V} c)", Pair("FusedMultiplyAdd", "a b c"), "Vector256.FusedMultiplyAdd(a, b, c)");
                Method($"{V} Max({V} a, {V} b)", Pair("MaxNative", "a b"), "Vector256.MaxNative(a, b)");
                Method($"{V} Splat(double c)", "Vector256.Create(Vector128.Create(c), Vector128.Create(c))", "Vector256.Create(c)");
                Method("double Sum(" + V + " v)", "Vector128.Sum(v.GetLower()) + Vector128.Sum(v.GetUpper())", "Vector256.Sum(v)");
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

        /// <summary>"a b" → "a.GetLower(), b.GetLower()".</summary>
        private static string Halve(string arguments, string half) =>
            string.Join(", ", System.Array.ConvertAll(arguments.Split(' '), name => $"{name}.Get{half}()"));
    }
}
