using System;
using System.Collections.Generic;

namespace Convotron.Generator
{
    // Writes the per-run helpers of the kernels class (Dot{L}, Axpy{L}, Accumulate{L}, the fused PatchDot, PatchStart):
    // vector code of the one width where a run is long enough, scalar code otherwise.
    public sealed partial class ConvNetGenerator
    {
        /// <summary>
        /// The vector code of the one width (see <see cref="KernelPlan.VectorWidths"/>) where <paramref name="admits"/> it,
        /// else the scalar code (when given): never both, and no branch on what the hardware has, so every machine runs
        /// the same operations in the same order.
        /// </summary>
        private static void EmitVectorOrScalar(IndentedWriter writer, Func<VectorWidth, bool> admits, Action<VectorWidth> vector, Action? scalar)
        {
            VectorWidth width = KernelPlan.VectorWidths[0];
            if (admits(width))
                vector(width);
            else
                scalar?.Invoke();
        }

        /// <summary>Dot{L}, Accumulate{L} for each register form, Axpy{L} for the in-memory forms, the fused dot products and PatchStart.</summary>
        private static void EmitRunHelpers(IndentedWriter writer, KernelPlan plan)
        {
            foreach (KernelPlan.PassPlan pass in plan.Passes)
            {
                foreach (KernelPlan.BatchForm batch in pass.Batches)
                    EmitPatchPartial(writer, pass, batch);
                if (pass.FusesDot)
                    EmitPatchDot(writer, pass);
            }
            if (plan.UsesPatchStart)
            {
                writer.WriteLine("/// <summary>Where patch j starts in x: P_j[0].</summary>");
                writer.WriteLine(AggressiveInlining);
                writer.WriteLine(plan.Geometry.Model.Is2D
                    ? "private static nuint PatchStart(int j) => (nuint)(j / KW * SH * Width + j % KW * SW);"
                    : "private static nuint PatchStart(int j) => (nuint)(j * S);");
                writer.WriteLine();
            }
            foreach (int length in plan.DotLengths)
                EmitDot(writer, length);
            foreach (KernelPlan.AccumulatorHelper accumulator in plan.Accumulators)
                EmitAccumulate(writer, accumulator);
            foreach (int length in plan.AxpyLengths)
                EmitAxpy(writer, length);
        }

        /// <summary>
        /// One patch's products summed into one vector of the batch's partial width, not across lanes: every run's
        /// vectors times the weights (passed in registers), one chain per vector of a run, the chains added at the end.
        /// </summary>
        private static void EmitPatchPartial(IndentedWriter writer, KernelPlan.PassPlan pass, KernelPlan.BatchForm batch)
        {
            Runs runs = pass.Runs;
            Slot[] slots = batch.Slots;
            VectorWidth partial = batch.Partial;
            var parameters = new List<string>();
            for (int run = 0; run < runs.Count; run++)
            {
                foreach (Slot slot in slots)
                    parameters.Add(Invariant($"{slot.Declared} w{parameters.Count}"));
            }
            writer.WriteLine(Invariant($"/// <summary>The products of w and the patch part at x[start] ({runs.Count} run{(runs.Count == 1 ? "" : "s")} of ") +
                Invariant($"{runs.Length} taps as {KernelPlan.DescribeSlots(slots)}) summed into one {partial.Name}, not across its lanes.</summary>"));
            writer.WriteLine(AggressiveInlining);
            writer.WriteLine(Invariant($"private static {partial.Of} {PartialName(pass, batch)}(ref double x, nuint start, {string.Join(", ", parameters)})"));
            using (writer.Block())
            {
                for (int run = 0; run < runs.Count; run++)
                {
                    for (int m = 0; m < slots.Length; m++)
                    {
                        VectorWidth width = slots[m].Width!;
                        int xOffset = runs.InputOffset(run) + slots[m].Offset;
                        string load = Invariant($"{width.Type}.LoadUnsafe(ref x, {(xOffset == 0 ? "start" : Invariant($"start + {xOffset}"))})");
                        string weight = Invariant($"w{run * slots.Length + m}");
                        writer.WriteLine(run == 0
                            ? Invariant($"{width.Of} sum{m} = {load} * {weight};")
                            : Invariant($"sum{m} = {width.Type}.FusedMultiplyAdd({load}, {weight}, sum{m});"));
                    }
                }
                var terms = new List<string>();
                for (int m = 0; m < slots.Length; m++)
                    terms.Add(Invariant($"sum{m}"));
                WriteSum(writer, "return ", terms, ";");
            }
            writer.WriteLine();
        }

        private static void EmitAccumulate(IndentedWriter writer, KernelPlan.AccumulatorHelper helper)
        {
            Slot[] slots = helper.Slots;
            var parameters = new List<string>();
            for (int m = 0; m < slots.Length; m++)
                parameters.Add(Invariant($"ref {slots[m].Declared} acc{m}"));
            writer.WriteLine(Invariant($"/// <summary>acc += c · x[xOffset .. xOffset + {helper.Length - 1}] as {KernelPlan.DescribeSlots(slots)}.</summary>"));
            writer.WriteLine(AggressiveInlining);
            writer.WriteLine(Invariant($"private static void Accumulate{helper.Length}(double c, ref double x, nuint xOffset, ") +
                string.Join(", ", parameters) + ")");
            using (writer.Block())
            {
                var broadcasts = new HashSet<int>();
                foreach (Slot slot in slots)
                {
                    if (slot.Width is { } width && broadcasts.Add(width.Lanes))
                        writer.WriteLine(Invariant($"{width.Of} c{width.Lanes} = {width.Type}.Create(c);"));
                }
                for (int m = 0; m < slots.Length; m++)
                {
                    Slot slot = slots[m];
                    string offset = slot.Offset == 0 ? "xOffset" : Invariant($"xOffset + {slot.Offset}");
                    writer.WriteLine(slot.Width is not { } width
                        ? Invariant($"acc{m} = Math.FusedMultiplyAdd(Unsafe.Add(ref x, {offset}), c, acc{m});")
                        : Invariant($"acc{m} = {width.Type}.FusedMultiplyAdd({width.Type}.LoadUnsafe(ref x, {offset}), c{width.Lanes}, acc{m});"));
                }
            }
            writer.WriteLine();
        }

        private static void EmitDot(IndentedWriter writer, int length)
        {
            writer.WriteLine(Invariant($"/// <summary>Σ_i w[wOffset + i] · x[xOffset + i] for i &lt; {length}.</summary>"));
            writer.WriteLine(AggressiveInlining);
            using (writer.Block(Invariant($"private static double Dot{length}(ref double w, nuint wOffset, ref double x, nuint xOffset)")))
            {
                EmitVectorOrScalar(writer, width => length >= width.Lanes, width =>
                {
                    string vector = width.Type;
                    int lanes = width.Lanes, vectors = length / lanes, vectorEnd = vectors * lanes;
                    // Up to four independent accumulators, so the adds do not wait on one another.
                    int accumulators = Math.Min(4, vectors);
                    string Loads(string offset) => $"{vector}.LoadUnsafe(ref w, wOffset{offset}), {vector}.LoadUnsafe(ref x, xOffset{offset})";
                    string Fma(string offset, string sum) => $"{sum} = {vector}.FusedMultiplyAdd({Loads(offset)}, {sum});";
                    if (vectors <= KernelPlan.MaxUnrolledDotVectors)
                    {
                        for (int v = 0; v < vectors; v++)
                        {
                            string offset = v == 0 ? "" : Invariant($" + {lanes * v}");
                            writer.WriteLine(v < accumulators
                                ? Invariant($"{width.Of} sum{v} = {Loads(offset).Replace("), ", ") * ")};")
                                : Fma(offset, Invariant($"sum{v % accumulators}")));
                        }
                    }
                    else
                    {
                        int blockEnd = vectors / 4 * 4 * lanes;
                        writer.WriteLine($"{width.Of} sum0 = default, sum1 = default, sum2 = default, sum3 = default;");
                        using (writer.Block(Invariant($"for (nuint i = 0; i < {blockEnd}; i += {4 * lanes})")))
                        {
                            for (int a = 0; a < 4; a++)
                                writer.WriteLine(Fma(a == 0 ? " + i" : Invariant($" + i + {lanes * a}"), Invariant($"sum{a}")));
                        }
                        for (int offset = blockEnd; offset < vectorEnd; offset += lanes)
                            writer.WriteLine(Fma(Invariant($" + {offset}"), "sum0"));
                    }
                    var sums = new List<string>();
                    for (int a = 0; a < accumulators; a++)
                        sums.Add(Invariant($"sum{a}"));
                    if (vectorEnd == length)
                    {
                        writer.WriteLine($"return {LaneSums}.Sum({string.Join(" + ", sums)});");
                        return;
                    }
                    writer.WriteLine($"double total = {LaneSums}.Sum({string.Join(" + ", sums)});");
                    for (int i = vectorEnd; i < length; i++)
                    {
                        writer.WriteLine(Invariant($"total = Math.FusedMultiplyAdd(Unsafe.Add(ref w, wOffset + {i}), ") +
                            Invariant($"Unsafe.Add(ref x, xOffset + {i}), total);"));
                    }
                    writer.WriteLine("return total;");
                }, () =>
                {
                    writer.WriteLine("double scalar = 0.0;");
                    writer.WriteLine(Invariant($"for (nuint i = 0; i < {length}; i++)"));
                    using (writer.Indent())
                        writer.WriteLine("scalar += Unsafe.Add(ref w, wOffset + i) * Unsafe.Add(ref x, xOffset + i);");
                    writer.WriteLine("return scalar;");
                });
            }
            writer.WriteLine();
        }

        /// <summary>Axpy{L}: t += c · x over one run of L taps.</summary>
        private static void EmitAxpy(IndentedWriter writer, int length)
        {
            writer.WriteLine(Invariant($"/// <summary>t[tOffset + i] += c · x[xOffset + i] for i &lt; {length}.</summary>"));
            writer.WriteLine(AggressiveInlining);
            using (writer.Block(Invariant($"private static void Axpy{length}(double c, ref double x, nuint xOffset, ref double t, nuint tOffset)")))
            {
                EmitVectorOrScalar(writer, width => length >= width.Lanes, width =>
                {
                    string vector = width.Type;
                    int lanes = width.Lanes, vectors = length / lanes, vectorEnd = vectors * lanes;
                    string Update(string offset) =>
                        $"{vector}.StoreUnsafe({vector}.FusedMultiplyAdd({vector}.LoadUnsafe(ref x, xOffset{offset}), scale, " +
                        $"{vector}.LoadUnsafe(ref t, tOffset{offset})), ref t, tOffset{offset});";
                    writer.WriteLine($"{width.Of} scale = {vector}.Create(c);");
                    if (vectors <= KernelPlan.MaxUnrolledAxpyVectors)
                    {
                        for (int v = 0; v < vectors; v++)
                            writer.WriteLine(Update(v == 0 ? "" : Invariant($" + {lanes * v}")));
                    }
                    else
                    {
                        writer.WriteLine(Invariant($"for (nuint i = 0; i < {vectorEnd}; i += {lanes})"));
                        using (writer.Indent())
                            writer.WriteLine(Update(" + i"));
                    }
                    for (int i = vectorEnd; i < length; i++)
                    {
                        writer.WriteLine(Invariant($"Unsafe.Add(ref t, tOffset + {i}) = ") +
                            Invariant($"Math.FusedMultiplyAdd(c, Unsafe.Add(ref x, xOffset + {i}), Unsafe.Add(ref t, tOffset + {i}));"));
                    }
                }, () =>
                {
                    writer.WriteLine(Invariant($"for (nuint i = 0; i < {length}; i++)"));
                    using (writer.Indent())
                        writer.WriteLine("Unsafe.Add(ref t, tOffset + i) += c * Unsafe.Add(ref x, xOffset + i);");
                });
            }
            writer.WriteLine();
        }

        /// <summary>
        /// w · P x for one patch of several runs: each accumulator runs down the rows with fused multiply-adds, and
        /// the lanes are summed once per patch rather than once per run.
        /// </summary>
        private static void EmitPatchDot(IndentedWriter writer, KernelPlan.PassPlan pass)
        {
            Runs runs = pass.Runs;
            int length = runs.Length;
            writer.WriteLine(Invariant($"/// <summary>w · P x for the patch part at x[start]: {runs.Count} runs of {length} taps, weights at u·{runs.WeightStride},"));
            writer.WriteLine(runs.Channels == 1
                ? Invariant($"/// inputs at start + u·{runs.InputStride}; one horizontal sum.</summary>")
                : Invariant($"/// inputs at start + c·{runs.ChannelStride} + i·{runs.InputStride} for u = c·{runs.Rows} + i; one horizontal sum.</summary>"));
            writer.WriteLine(AggressiveInlining);
            using (writer.Block($"private static double {pass.FusedDotName}(ref double w, ref double x, nuint start)"))
            {
                EmitVectorOrScalar(writer, width => length >= width.Lanes, width =>
                {
                    Slot[] slots = KernelPlan.Layout(length, width.Lanes);
                    for (int run = 0; run < runs.Count; run++)
                    {
                        for (int m = 0; m < slots.Length; m++)
                        {
                            Slot slot = slots[m];
                            int wOffset = run * runs.WeightStride + slot.Offset, xOffset = runs.InputOffset(run) + slot.Offset;
                            string input = xOffset == 0 ? "start" : Invariant($"start + {xOffset}");
                            string loads = slot.Width is not { } vector
                                ? Invariant($"Unsafe.Add(ref w, {wOffset}), Unsafe.Add(ref x, {input})")
                                : Invariant($"{vector.Type}.LoadUnsafe(ref w, {wOffset}), {vector.Type}.LoadUnsafe(ref x, {input})");
                            string fma = slot.Width is { } lanes ? lanes.Type + ".FusedMultiplyAdd" : "Math.FusedMultiplyAdd";
                            if (run == 0)
                            {
                                writer.WriteLine(Invariant($"{slot.Declared} sum{m} = {loads.Replace("), ", ") * ")};"));
                            }
                            else
                            {
                                writer.WriteLine(Invariant($"sum{m} = {fma}({loads}, sum{m});"));
                            }
                        }
                    }
                    var terms = new List<string>();
                    foreach (VectorWidth vectorWidth in KernelPlan.VectorWidths)
                    {
                        var group = new List<string>();
                        for (int m = 0; m < slots.Length; m++)
                        {
                            if (slots[m].Width == vectorWidth)
                                group.Add(Invariant($"sum{m}"));
                        }
                        if (group.Count > 0)
                            terms.Add($"{LaneSums}.Sum({string.Join(" + ", group)})");
                    }
                    for (int m = 0; m < slots.Length; m++)
                    {
                        if (slots[m].Width is null)
                            terms.Add(Invariant($"sum{m}"));
                    }
                    WriteSum(writer, "return ", terms, ";");
                }, () =>
                {
                    writer.WriteLine("double scalar = 0.0;");
                    writer.WriteLine(Invariant($"for (nuint u = 0; u < {runs.Count}; u++)"));
                    using (writer.Indent())
                    {
                        writer.WriteLine(Invariant($"for (nuint i = 0; i < {length}; i++)"));
                        using (writer.Indent())
                        {
                            writer.WriteLine(Invariant($"scalar += Unsafe.Add(ref w, u * {runs.WeightStride} + i)") +
                                (runs.Channels == 1
                                    ? Invariant($" * Unsafe.Add(ref x, start + u * {runs.InputStride} + i);")
                                    : $" * Unsafe.Add(ref x, start + {runs.InputOffsetText("u")} + i);"));
                        }
                    }
                    writer.WriteLine("return scalar;");
                });
            }
            writer.WriteLine();
        }
    }
}
