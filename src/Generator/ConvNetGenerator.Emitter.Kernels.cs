using Convotron.Generator.Models;

namespace Convotron.Generator
{
    // Writes the file-local kernels class: its shell (a namespace block of its own, where ordinary using directives
    // are safe), the entry points the IConvNet members call, σ, Σ_j a_j σ(z_j) and stage 1. The patch passes are in
    // .Passes, the per-run helpers in .RunHelpers.
    public sealed partial class ConvNetGenerator
    {
        private const string AggressiveInlining = "[MethodImpl(AggressiveInlining)]";

        // The kernels are jitted fully optimised at once: tier-0 code (and the on-stack replacement of its loops) of a
        // kernel this size runs several times slower than the dynamic model's precompiled code until tiering catches up.
        private const string AggressiveOptimization = "[MethodImpl(AggressiveOptimization)]";

        private static readonly string[] s_kernelUsings =
        {
            "System", "System.Runtime.CompilerServices", "System.Runtime.InteropServices",
            "System.Runtime.Intrinsics",
            "static System.Runtime.CompilerServices.MethodImplOptions", "V4 = System.Runtime.Intrinsics.Vector256<double>",
        };

        private static void EmitKernelsClass(IndentedWriter writer, KernelPlan plan)
        {
            GeometryPlan geometry = plan.Geometry;
            ConvNetModel model = geometry.Model;
            using (writer.Block("namespace Convotron.Generated"))
            {
                foreach (string name in s_kernelUsings)
                    writer.WriteLine($"using {name};");
                writer.WriteLine();
                writer.WriteLine($"/// <summary>The kernels of {model.FullName}, specialised to its geometry.</summary>");
                writer.WriteLine(GeneratedCode);
                using (writer.Block($"file static class {KernelsClassName(model)}"))
                {
                    writer.WriteLine(model.Is2D
                        ? Invariant($"private const int D = {model.D}, R = {model.R}, K = {geometry.K}, Width = {model.Width};")
                        : Invariant($"private const int D = {model.D}, R = {model.R}, S = {model.SW}, K = {geometry.K};"));
                    if (model.Is2D)
                    {
                        writer.WriteLine(Invariant($"private const int RH = {model.RH}, RW = {model.RW}, SH = {model.SH}, SW = {model.SW}, ") +
                            Invariant($"KH = {geometry.KH}, KW = {geometry.KW};"));
                    }
                    writer.WriteLine(Invariant($"private const int NonOverlappingTapCount = {geometry.NonOverlappingTapCount};"));
                    writer.WriteLine("/// <summary>The activation slope α: σ(z) = z for z ≥ 0, α·z otherwise.</summary>");
                    writer.WriteLine($"private const double ActivationSlope = {Literal(model.Alpha)};");
                    writer.WriteLine();
                    EmitEntryPoints(writer, plan);
                    EmitSigma(writer, plan);
                    EmitActivatedSum(writer, plan);
                    EmitPatchPasses(writer, plan);
                    EmitRunHelpers(writer, plan);
                }
                EmitLanes(writer, plan);
            }
        }

        /// <summary>
        /// The entry points the model's members and its kernel struct call: the argument checks (the dynamic kernel's,
        /// in its order), then the patch passes. Inlined into the callers.
        /// </summary>
        private static void EmitEntryPoints(IndentedWriter writer, KernelPlan plan)
        {
            string dots = plan.Whole.DotsName, axpys = plan.Whole.AxpysName;
            const string Read = "ReadOnlySpan<double>", Write = "Span<double>";
            void Entry(string signature, params string[] body)
            {
                writer.WriteLine(AggressiveInlining);
                using (writer.Block("public static " + signature))
                {
                    foreach (string line in body)
                        writer.WriteLine(line);
                }
                writer.WriteLine();
            }
            const string CheckX = "Guard.Length(x.Length, D, \"d\");";
            const string Filters = "int count = Guard.FilterCount(filters.Length, R);";
            Entry($"double Predict({Read} w, {Read} a, {Write} z, {Read} x)", CheckX, $"return {dots}(w, x, z, a);");
            Entry($"void HiddenActivations({Read} w, {Read} a, {Read} x, {Write} hidden)", CheckX,
                "Guard.Length(hidden.Length, K, \"k\");",
                $"{dots}(w, x, hidden, a); // Σ_j a_j σ(z_j), not needed here, costs a few vector operations",
                "for (int j = 0; j < K; j++)",
                "    hidden[j] = Sigma(hidden[j]);");
            Entry($"double Forward({Read} filters, {Read} outputWeights, {Read} x, {Write} preActivations)", CheckX, Filters,
                "Guard.Length(outputWeights.Length, count * K, \"F·k\");",
                "Guard.Length(preActivations.Length, count * K, \"F·k\");",
                "if (count == 1)",
                $"    return {dots}(filters, x, preActivations, outputWeights);",
                "double f = 0.0;",
                "for (int m = 0, o = 0; m < count; m++, o += K) // filter m: w at m·r, a and z at o = m·k",
                $"    f += {dots}(filters.Slice(m * R, R), x, preActivations.Slice(o, K), outputWeights.Slice(o, K));",
                "return f;");
            Entry($"void PreActivations({Read} filters, {Read} x, {Write} preActivations)", CheckX, Filters,
                "Guard.Length(preActivations.Length, count * K, \"F·k\");",
                "// z itself stands in for a: the Σ_j a_j σ(z_j) returned is not needed (a few vector operations).",
                "for (int m = 0; m < count; m++)",
                $"    {dots}(filters.Slice(m * R, R), x, preActivations.Slice(m * K, K), preActivations.Slice(m * K, K));");
            string[] CheckAdd(string taps, string tapSymbol) => new[]
            {
                CheckX, "Guard.Length(coefficients.Length, K, \"k\");", $"Guard.Length(target.Length, {taps}, \"{tapSymbol}\");",
            };
            Entry($"void AddPatches({Read} x, {Read} coefficients, double scale, {Write} target)",
                [.. CheckAdd("R", "r"), $"{axpys}(x, coefficients, scale, target);"]);
            if (plan.NonOverlapping is not { } non)
                return;
            Entry($"double ForwardNonOverlapping({Read} nonOverlappingFilter, {Read} outputWeights, {Read} x, {Write} preActivations)",
                CheckX, "Guard.Length(outputWeights.Length, K, \"k\");",
                "Guard.Length(nonOverlappingFilter.Length, NonOverlappingTapCount, \"|T_non|\");",
                "Guard.Length(preActivations.Length, K, \"k\");",
                $"return {non.DotsName}(nonOverlappingFilter, x, preActivations, outputWeights);");
            Entry($"void AddNonOverlappingPatches({Read} x, {Read} coefficients, double scale, {Write} target)",
                [.. CheckAdd("NonOverlappingTapCount", "|T_non|"), $"{non.AxpysName}(x, coefficients, scale, target);"]);
        }

        /// <summary>
        /// σ and σ' without a branch: on fresh inputs the sign of z_j is a coin flip, and a compare-and-branch
        /// mispredicts about half the time. max(z, α·z) is z ≥ 0 ? z : α·z bit for bit for α in [0, 1] (as in
        /// Activation.Apply); the vector form takes the hardware max, whose choice on ties and NaN (the second operand)
        /// is α·z, again the same bits.
        /// </summary>
        private static void EmitSigma(IndentedWriter writer, KernelPlan plan)
        {
            writer.WriteLine("/// <summary>σ(z) = max(z, α·z): z ≥ 0 ? z : α·z bit for bit for α in [0, 1], without a branch.</summary>");
            writer.WriteLine(AggressiveInlining);
            writer.WriteLine("private static double Sigma(double z) => Math.Max(z, ActivationSlope * z);");
            writer.WriteLine();
            foreach (VectorWidth width in plan.SigmaWidths)
            {
                writer.WriteLine("/// <summary>σ in lanes: the hardware max of z and α·z (α·z where they tie or either is NaN).</summary>");
                writer.WriteLine(AggressiveInlining);
                writer.WriteLine($"private static {width.Of} Sigma({width.Of} z) => {width.Type}.MaxNative(z, z * ActivationSlope);");
                writer.WriteLine();
            }
        }

        /// <summary>Σ_j a_j σ(z_j) in vector lanes (independent accumulators), the tail scalar; or in four scalar chains for few patches.</summary>
        private static void EmitActivatedSum(IndentedWriter writer, KernelPlan plan)
        {
            writer.WriteLine("/// <summary>Σ_j a_j σ(z_j) over the k patches.</summary>");
            writer.WriteLine(AggressiveInlining);
            using (writer.Block("private static double ActivatedSum(ReadOnlySpan<double> a, ReadOnlySpan<double> z)"))
            {
                writer.WriteLine("ref double a0 = ref MemoryMarshal.GetReference(a);");
                writer.WriteLine("ref double z0 = ref MemoryMarshal.GetReference(z);");
                if (!plan.VectorizesActivatedSum)
                {
                    // Few patches: z was just stored scalar by scalar, and a vector load of it would wait for
                    // the stores to retire; four scalar chains instead of one.
                    writer.WriteLine("double f0 = 0.0, f1 = 0.0, f2 = 0.0, f3 = 0.0;");
                    writer.WriteLine("nuint j = 0;");
                    using (writer.Block("for (; j + 4 <= K; j += 4)"))
                    {
                        for (int i = 0; i < 4; i++)
                        {
                            string index = i == 0 ? "j" : Invariant($"j + {i}");
                            writer.WriteLine(Invariant($"f{i} += Unsafe.Add(ref a0, {index}) * Sigma(Unsafe.Add(ref z0, {index}));"));
                        }
                    }
                    writer.WriteLine("for (; j < K; j++)");
                    using (writer.Indent())
                        writer.WriteLine("f0 += Unsafe.Add(ref a0, j) * Sigma(Unsafe.Add(ref z0, j));");
                    writer.WriteLine("return (f0 + f1) + (f2 + f3);");
                }
                else
                {
                    writer.WriteLine("double f = 0.0;");
                    writer.WriteLine("nuint j = 0;");
                    EmitVectorOrScalar(writer, width => plan.Geometry.K >= width.Lanes, width =>
                    {
                        string vector = width.Type;
                        int lanes = width.Lanes;
                        string Term(string index) => $"{vector}.LoadUnsafe(ref a0, {index}), Sigma({vector}.LoadUnsafe(ref z0, {index}))";
                        writer.WriteLine($"{width.Of} sum0 = default, sum1 = default;");
                        using (writer.Block(Invariant($"for (; j + {2 * lanes} <= K; j += {2 * lanes})")))
                        {
                            writer.WriteLine($"sum0 = {vector}.FusedMultiplyAdd({Term("j")}, sum0);");
                            writer.WriteLine($"sum1 = {vector}.FusedMultiplyAdd({Term(Invariant($"j + {lanes}"))}, sum1);");
                        }
                        using (writer.Block(Invariant($"if (j + {lanes} <= K)")))
                        {
                            writer.WriteLine($"sum0 = {vector}.FusedMultiplyAdd({Term("j")}, sum0);");
                            writer.WriteLine(Invariant($"j += {lanes};"));
                        }
                        writer.WriteLine($"f = {LaneSums}.Sum(sum0 + sum1);");
                    }, scalar: null);
                    writer.WriteLine("for (; j < K; j++)");
                    using (writer.Indent())
                        writer.WriteLine("f += Unsafe.Add(ref a0, j) * Sigma(Unsafe.Add(ref z0, j));");
                    writer.WriteLine("return f;");
                }
            }
            writer.WriteLine();
        }
    }
}
