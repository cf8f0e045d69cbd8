using Convotron.Generator.Models;

namespace Convotron.Generator
{
    // Writes the file-local kernels class: its shell (a namespace block of its own, where ordinary using directives
    // are safe), the entry points the IConvNet members call, σ, Σ_j a_j σ(z_j) and stage 1. The patch passes are in
    // .Passes, the per-run helpers in .RunHelpers.
    public sealed partial class ConvNetGenerator
    {
        private const string AggressiveInlining = "[MethodImpl(MethodImplOptions.AggressiveInlining)]";

        // The kernels are jitted fully optimised at once: tier-0 code (and the on-stack replacement of its loops) of a
        // kernel this size runs several times slower than the dynamic model's precompiled code until tiering catches up.
        private const string AggressiveOptimization = "[MethodImpl(MethodImplOptions.AggressiveOptimization)]";

        private static readonly string[] s_kernelUsings =
        {
            "System", "System.Runtime.CompilerServices", "System.Runtime.InteropServices",
            "System.Runtime.Intrinsics",
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
                    if (plan.NonOverlapping is not null)
                    {
                        writer.WriteLine("/// <summary>Du &amp; Goel's c = 2 / (1 + α).</summary>");
                        writer.WriteLine("private const double UnbiasingFactor = 2.0 / (1.0 + ActivationSlope);");
                    }
                    writer.WriteLine();
                    EmitEntryPoints(writer, plan);
                    EmitSigma(writer, plan);
                    EmitActivatedSum(writer, plan);
                    if (plan.NonOverlapping is not null)
                        EmitStage1(writer, plan);
                    EmitPatchPasses(writer, plan);
                    EmitRunHelpers(writer, plan);
                }
            }
        }

        /// <summary>The entry points the model's members call; inlined into them (the members are the optimised methods).</summary>
        private static void EmitEntryPoints(IndentedWriter writer, KernelPlan plan)
        {
            string dots = plan.Whole.DotsName, axpys = plan.Whole.AxpysName;
            writer.WriteLine(AggressiveInlining);
            using (writer.Block("public static double Predict(ReadOnlySpan<double> w, ReadOnlySpan<double> a, Span<double> z, ReadOnlySpan<double> x)"))
            {
                writer.WriteLine("Guard.Length(x.Length, D, \"d\");");
                writer.WriteLine($"return {dots}(w, x, z, a);");
            }
            writer.WriteLine();
            writer.WriteLine(AggressiveInlining);
            using (writer.Block("public static void HiddenActivations(ReadOnlySpan<double> w, ReadOnlySpan<double> a, ReadOnlySpan<double> x, " +
                "Span<double> hidden)"))
            {
                writer.WriteLine("Guard.Length(x.Length, D, \"d\");");
                writer.WriteLine("Guard.Length(hidden.Length, K, \"k\");");
                writer.WriteLine($"{dots}(w, x, hidden, a); // Σ_j a_j σ(z_j), not needed here, costs a few vector operations");
                writer.WriteLine("for (int j = 0; j < K; j++)");
                using (writer.Indent())
                    writer.WriteLine("hidden[j] = Sigma(hidden[j]);");
            }
            writer.WriteLine();
            writer.WriteLine(AggressiveInlining);
            writer.WriteLine("public static double ConvotronStep(Span<double> w, ReadOnlySpan<double> a, Span<double> z, ReadOnlySpan<double> x, " +
                "double y, double learningRate)");
            using (writer.Block())
            {
                writer.WriteLine("double residual = y - Predict(w, a, z, x);");
                writer.WriteLine("// w += η (y − f(x)) Σ_j a_j P_j x");
                writer.WriteLine($"{axpys}(x, a, learningRate * residual, w);");
                writer.WriteLine("return residual;");
            }
            writer.WriteLine();
            writer.WriteLine(AggressiveInlining);
            writer.WriteLine("public static double NormalizedConvotronStep(Span<double> w, ReadOnlySpan<double> a, Span<double> z, " +
                "Span<double> u, ReadOnlySpan<double> x, double y, double mu)");
            using (writer.Block())
            {
                writer.WriteLine("double residual = y - Predict(w, a, z, x);");
                writer.WriteLine("// w += μ (y − f(x)) u / ‖u‖² with u = Σ_j a_j P_j x, unless u = 0");
                writer.WriteLine($"{axpys}(x, a, mu * residual, w, normalized: true, u);");
                writer.WriteLine("return residual;");
            }
            writer.WriteLine();
            writer.WriteLine(AggressiveInlining);
            writer.WriteLine("public static double Gradient(ReadOnlySpan<double> w, ReadOnlySpan<double> a, Span<double> z, Span<double> c, " +
                "ReadOnlySpan<double> x, double y, Span<double> filterGradient, Span<double> outputGradient)");
            using (writer.Block())
            {
                writer.WriteLine("Guard.Length(x.Length, D, \"d\");");
                writer.WriteLine("Guard.Length(filterGradient.Length, R, \"r\");");
                writer.WriteLine("Guard.Length(outputGradient.Length, K, \"k\");");
                writer.WriteLine($"double error = {dots}(w, x, z, a) - y;");
                writer.WriteLine("// ∂/∂a_j = (f − y) σ(z_j); ∂/∂w = (f − y) Σ_j a_j σ'(z_j) P_j x");
                using (writer.Block("for (int j = 0; j < K; j++)"))
                {
                    writer.WriteLine("outputGradient[j] = error * Sigma(z[j]);");
                    writer.WriteLine("c[j] = a[j] * SigmaDerivative(z[j]);");
                }
                writer.WriteLine("filterGradient.Clear();");
                writer.WriteLine($"{axpys}(x, c, error, filterGradient);");
                writer.WriteLine("return -error;");
            }
            writer.WriteLine();
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
            writer.WriteLine("/// <summary>σ'(z) = z &gt; 0 ? 1 : α, as a select rather than a branch.</summary>");
            writer.WriteLine(AggressiveInlining);
            writer.WriteLine("private static double SigmaDerivative(double z) =>");
            using (writer.Indent())
            {
                writer.WriteLine("Vector128.ConditionalSelect(Vector128.GreaterThan(Vector128.CreateScalarUnsafe(z), Vector128<double>.Zero),");
                writer.WriteLine("    Vector128.CreateScalarUnsafe(1.0), Vector128.CreateScalarUnsafe(ActivationSlope)).ToScalar();");
            }
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
                        writer.WriteLine($"f = {vector}.Sum(sum0 + sum1);");
                    }, scalar: null);
                    writer.WriteLine("for (; j < K; j++)");
                    using (writer.Indent())
                        writer.WriteLine("f += Unsafe.Add(ref a0, j) * Sigma(Unsafe.Add(ref z0, j));");
                    writer.WriteLine("return f;");
                }
            }
            writer.WriteLine();
        }

        /// <summary>Du &amp; Goel's stage 1 (Double Convotron) on w_non and a.</summary>
        private static void EmitStage1(IndentedWriter writer, KernelPlan plan)
        {
            GeometryPlan geometry = plan.Geometry;
            KernelPlan.PassPlan non = plan.NonOverlapping!;
            writer.WriteLine("/// <summary>Du &amp; Goel's stage 1 (Double Convotron) on w_non and a; see IConvNet.DoubleConvotronStep.</summary>");
            writer.WriteLine(AggressiveOptimization);
            writer.WriteLine("public static double Stage1Step(Span<double> w, Span<double> wNon, Span<double> v, Span<double> z, Span<double> a, " +
                "ReadOnlySpan<double> x, double y, double rate, bool normalized, ReadOnlySpan<double> filterNoise, " +
                "ReadOnlySpan<double> outputNoise)");
            using (writer.Block())
            {
                writer.WriteLine("Guard.Length(x.Length, D, \"d\");");
                writer.WriteLine("Guard.Length(filterNoise.Length, NonOverlappingTapCount, \"|T_non|\");");
                writer.WriteLine("Guard.Length(outputNoise.Length, K, \"k\");");
                string rows = Invariant($"{geometry.FirstNonRow}..{geometry.FirstNonRow + geometry.NonRows - 1}");
                string columns = Invariant($"{geometry.FirstNonColumn}..{geometry.FirstNonColumn + geometry.NonColumns - 1}");
                ConvNetModel model = geometry.Model;
                // With channels, w_non's row (channel, row) is filter row first + row of that channel (1D: one row per channel).
                string channelLoop = Invariant($"for (int channel = 0; channel < {model.Channels}; channel++)");
                string rowLoop = Invariant($"for (int row = 0; row < {geometry.NonRows}; row++)");
                string filterRow = Invariant($"channel * {model.Window} + ({geometry.FirstNonRow} + row) * {model.RW} + {geometry.FirstNonColumn}");
                string compactRow = Invariant($"(channel * {geometry.NonRows} + row) * {geometry.NonColumns}");
                if (model.Channels > 1)
                {
                    writer.WriteLine(Invariant($"// w_non = w at the non-overlapping taps: filter rows {rows}, columns {columns} of each of the ") +
                        Invariant($"{model.Channels} channels."));
                    writer.WriteLine(channelLoop);
                    using (writer.Indent())
                    {
                        writer.WriteLine(rowLoop);
                        using (writer.Indent())
                        {
                            writer.WriteLine(Invariant($"w.Slice({filterRow}, {geometry.NonColumns}).CopyTo(wNon.Slice({compactRow}, {geometry.NonColumns}));"));
                        }
                    }
                }
                else if (geometry.Model.Is2D)
                {
                    writer.WriteLine($"// w_non = w at the non-overlapping taps: filter rows {rows}, columns {columns}.");
                    writer.WriteLine(Invariant($"for (int row = 0; row < {geometry.NonRows}; row++)"));
                    using (writer.Indent())
                    {
                        writer.WriteLine(Invariant($"w.Slice(({geometry.FirstNonRow} + row) * RW + {geometry.FirstNonColumn}, {geometry.NonColumns})") +
                            Invariant($".CopyTo(wNon.Slice(row * {geometry.NonColumns}, {geometry.NonColumns}));"));
                    }
                }
                else
                {
                    writer.WriteLine($"// w_non = w at the non-overlapping taps {columns}.");
                    writer.WriteLine(Invariant($"w.Slice({geometry.FirstNonColumn}, NonOverlappingTapCount).CopyTo(wNon);"));
                }
                writer.WriteLine($"double fNon = {non.DotsName}(wNon, x, z, a);");
                writer.WriteLine("v.Clear();");
                writer.WriteLine($"{non.AxpysName}(x, a, 1.0, v);");
                writer.WriteLine("double e = UnbiasingFactor * (fNon - y);");
                writer.WriteLine("double wNorm2 = global::Convotron.VectorMath.Dot(wNon, wNon);");
                writer.WriteLine("double aNorm2 = global::Convotron.VectorMath.Dot(a, a);");
                writer.WriteLine("double eta = rate;");
                using (writer.Block("if (normalized)"))
                {
                    writer.WriteLine("double c2 = UnbiasingFactor * UnbiasingFactor;");
                    writer.WriteLine("double scale = c2 * (global::Convotron.VectorMath.Dot(v, v) + global::Convotron.VectorMath.Dot(z, z));");
                    writer.WriteLine("eta = scale > 0.0 ? rate / scale : 0.0;");
                }
                writer.WriteLine("double balance = 0.25 * (wNorm2 - aNorm2);");
                writer.WriteLine("// w_non ← w_non − η(e v + ¼(‖w_non‖² − ‖a‖²) w_non) + ξ_w, and a likewise, from the same old values.");
                const string Update = "wNon[n] - eta * (e * v[n] + balance * wNon[n]) + filterNoise[n];";
                if (model.Channels > 1)
                {
                    writer.WriteLine(channelLoop);
                    using (writer.Indent())
                    {
                        writer.WriteLine(rowLoop);
                        using (writer.Indent())
                        using (writer.Block(Invariant($"for (int column = 0; column < {geometry.NonColumns}; column++)")))
                        {
                            writer.WriteLine($"int n = {compactRow} + column;");
                            writer.WriteLine($"w[{filterRow} + column] = " + Update);
                        }
                    }
                }
                else if (geometry.Model.Is2D)
                {
                    using (writer.Block(Invariant($"for (int row = 0; row < {geometry.NonRows}; row++)")))
                    {
                        using (writer.Block(Invariant($"for (int column = 0; column < {geometry.NonColumns}; column++)")))
                        {
                            writer.WriteLine(Invariant($"int n = row * {geometry.NonColumns} + column;"));
                            writer.WriteLine(Invariant($"w[({geometry.FirstNonRow} + row) * RW + {geometry.FirstNonColumn} + column] = ") + Update);
                        }
                    }
                }
                else
                {
                    writer.WriteLine("for (int n = 0; n < NonOverlappingTapCount; n++)");
                    using (writer.Indent())
                        writer.WriteLine(Invariant($"w[{geometry.FirstNonColumn} + n] = ") + Update);
                }
                writer.WriteLine("for (int j = 0; j < K; j++)");
                using (writer.Indent())
                    writer.WriteLine("a[j] = a[j] - eta * (e * z[j] - balance * a[j]) + outputNoise[j];");
                writer.WriteLine("return y - fNon;");
            }
            writer.WriteLine();
        }
    }
}
