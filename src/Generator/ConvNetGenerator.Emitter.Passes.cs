using System;
using System.Collections.Generic;
using Convotron.Generator.Models;

namespace Convotron.Generator
{
    // Writes the patch passes of the kernels class: z_j = w · P_j x for every patch (PatchDots), and
    // target += scale · Σ_j c_j P_j x (PatchAxpys) in its register forms and its in-memory form, as the plan decided.
    public sealed partial class ConvNetGenerator
    {
        private static void EmitPatchPasses(IndentedWriter writer, KernelPlan plan)
        {
            KernelPlan.PassPlan whole = plan.Whole;
            PatchDots(writer, plan, whole, "z_j = w · P_j x for every patch j.");
            PatchAxpys(writer, plan, whole, "target += scale · Σ_j c_j P_j x over every patch j (target has length r).");
            if (plan.NonOverlapping is { } non)
            {
                PatchDots(writer, plan, non, "z_j = w_non · P_j^non x for every patch j.");
                PatchAxpys(writer, plan, non, "target += scale · Σ_j c_j P_j^non x over every patch j (target has length |T_non|).");
            }
        }

        private static void PatchDots(IndentedWriter writer, KernelPlan plan, KernelPlan.PassPlan pass, string summary)
        {
            writer.WriteLine($"/// <summary>{summary} Returns Σ_j a_j σ(z_j).</summary>");
            writer.WriteLine(AggressiveOptimization);
            using (writer.Block($"private static double {pass.DotsName}(ReadOnlySpan<double> weights, ReadOnlySpan<double> x, Span<double> z, " +
                "ReadOnlySpan<double> a)"))
            {
                writer.WriteLine("ref double w = ref MemoryMarshal.GetReference(weights);");
                writer.WriteLine("ref double x0 = ref MemoryMarshal.GetReference(x);");
                // One form on every machine (see KernelPlan.VectorWidths): batched where the plan has it.
                if (pass.Batches.Count > 0)
                {
                    EmitBatchedDots(writer, plan, pass, pass.Batches[0]);
                }
                else
                {
                    EmitPatchByPatchDots(writer, plan, pass);
                    writer.WriteLine("return ActivatedSum(a, z);");
                }
            }
            writer.WriteLine();
        }

        /// <summary>
        /// The batched form: the weights in registers, each patch's products summed into one vector of partials, the
        /// partials of a batch of patches summed across lanes together into one vector of their z_j, which is stored
        /// and goes through σ and Σ_j a_j σ(z_j) in lanes; the patches left over summed one by one.
        /// </summary>
        private static void EmitBatchedDots(IndentedWriter writer, KernelPlan plan, KernelPlan.PassPlan pass, KernelPlan.BatchForm batch)
        {
            GeometryPlan geometry = plan.Geometry;
            Runs runs = pass.Runs;
            VectorWidth partial = batch.Partial;
            string vector = partial.Type, tree = TreeName(partial), helper = PartialName(pass, batch);
            writer.WriteLine(Invariant($"// {batch.Batch} patches at a time: each patch's products in one {partial.Of} ({helper}), the {batch.Batch} ") +
                Invariant($"partials summed across lanes together ({tree}), σ and a_j σ(z_j) in lanes."));
            var weights = new List<string>();
            for (int run = 0; run < runs.Count; run++)
            {
                foreach (Slot slot in batch.Slots)
                {
                    string name = Invariant($"w{weights.Count}");
                    writer.WriteLine(Invariant($"{slot.Declared} {name} = {slot.Width!.Type}.LoadUnsafe(ref w, {run * runs.WeightStride + slot.Offset});"));
                    weights.Add(name);
                }
            }
            string weightArguments = ", " + string.Join(", ", weights);
            writer.WriteLine("ref double a0 = ref MemoryMarshal.GetReference(a);");
            writer.WriteLine("ref double z0 = ref MemoryMarshal.GetReference(z);");
            string Partial(string start) => $"{helper}(ref x0, {start}{weightArguments})";
            int b = batch.Batch, blocks = geometry.K / b;
            if (batch.Unrolled)
            {
                writer.WriteLine(blocks > 1 ? $"{partial.Of} f0 = default, f1 = default;" : $"{partial.Of} f0 = default;");
                for (int block = 0; block < blocks; block++)
                {
                    writer.WriteLine(Invariant($"{partial.Of} z{block * b}_{block * b + b - 1} = {tree}("));
                    using (writer.Indent())
                    {
                        for (int i = 0; i < b; i++)
                        {
                            int j = block * b + i;
                            writer.WriteLine(Partial(Invariant($"{geometry.PatchOffsets![j] + runs.FirstInput}")) + (i == b - 1 ? ");" : ",") +
                                " // " + PatchComment(geometry, j, pass.IsNonOverlapping));
                        }
                    }
                    string zs = Invariant($"z{block * b}_{block * b + b - 1}");
                    writer.WriteLine(Invariant($"{vector}.StoreUnsafe({zs}, ref z0, {block * b});"));
                    writer.WriteLine(Invariant($"f{block % 2} = {vector}.FusedMultiplyAdd({vector}.LoadUnsafe(ref a0, {block * b}), Sigma({zs}), f{block % 2});"));
                }
                writer.WriteLine(blocks > 1 ? $"double f = {LaneSums}.Sum(f0 + f1);" : $"double f = {LaneSums}.Sum(f0);");
                for (int j = blocks * b; j < geometry.K; j++)
                {
                    writer.WriteLine(Invariant($"double z{j} = {LaneSums}.Sum({Partial(Invariant($"{geometry.PatchOffsets![j] + runs.FirstInput}"))}); // ") +
                        PatchComment(geometry, j, pass.IsNonOverlapping));
                    writer.WriteLine(Invariant($"Unsafe.Add(ref z0, {j}) = z{j};"));
                    writer.WriteLine(Invariant($"f += Unsafe.Add(ref a0, {j}) * Sigma(z{j});"));
                }
                writer.WriteLine("return f;");
                return;
            }
            string Start(string index) => runs.FirstInput == 0 ? $"PatchStart({index})" : Invariant($"PatchStart({index}) + {runs.FirstInput}");
            writer.WriteLine($"{partial.Of} f0 = default;");
            writer.WriteLine("int j = 0;");
            using (writer.Block(Invariant($"for (; j + {b} <= K; j += {b})")))
            {
                writer.WriteLine($"{partial.Of} zs = {tree}(");
                using (writer.Indent())
                {
                    for (int i = 0; i < b; i++)
                        writer.WriteLine(Partial(Start(i == 0 ? "j" : Invariant($"j + {i}"))) + (i == b - 1 ? ");" : ","));
                }
                writer.WriteLine($"{vector}.StoreUnsafe(zs, ref z0, (nuint)j);");
                writer.WriteLine($"f0 = {vector}.FusedMultiplyAdd({vector}.LoadUnsafe(ref a0, (nuint)j), Sigma(zs), f0);");
            }
            writer.WriteLine($"double f = {LaneSums}.Sum(f0);");
            using (writer.Block("for (; j < K; j++)"))
            {
                writer.WriteLine($"double zj = {LaneSums}.Sum({Partial(Start("j"))});");
                writer.WriteLine("Unsafe.Add(ref z0, j) = zj;");
                writer.WriteLine("f += Unsafe.Add(ref a0, j) * Sigma(zj);");
            }
            writer.WriteLine("return f;");
        }

        /// <summary>The transposing add tree of the partial width: Sums4.</summary>
        private static string TreeName(VectorWidth partial) => Invariant($"{LaneSums}.Sums{partial.Lanes}");

        /// <summary>The helper returning one patch's lane partials for a batched form: PatchPartial512, NonOverlappingPatchPartial256, ….</summary>
        private static string PartialName(KernelPlan.PassPlan pass, KernelPlan.BatchForm batch) =>
            pass.PartialName + batch.Width.Name.Substring("Vector".Length);

        /// <summary>z_j = w · P_j x patch by patch, each dot product summed across lanes by itself (the form every width can take).</summary>
        private static void EmitPatchByPatchDots(IndentedWriter writer, KernelPlan plan, KernelPlan.PassPlan pass)
        {
            GeometryPlan geometry = plan.Geometry;
            Runs runs = pass.Runs;
            if (pass.FusesDot)
            {
                if (geometry.Unrolled)
                {
                    for (int j = 0; j < geometry.K; j++)
                    {
                        int start = geometry.PatchOffsets![j] + runs.FirstInput;
                        writer.WriteLine(Invariant($"z[{j}] = {pass.FusedDotName}(ref w, ref x0, {start}); // ") + PatchComment(geometry, j, pass.IsNonOverlapping));
                    }
                }
                else
                {
                    Func<string, string[]> body = start => new[] { $"z[j] = {pass.FusedDotName}(ref w, ref x0, {start});" };
                    EmitPatchLoop(writer, geometry, pass, body, body);
                }
            }
            else if (geometry.Unrolled)
            {
                for (int j = 0; j < geometry.K; j++)
                {
                    var terms = new List<string>();
                    for (int i = 0; i < runs.Count; i++)
                    {
                        int input = geometry.PatchOffsets![j] + runs.FirstInput + runs.InputOffset(i);
                        terms.Add(Invariant($"{pass.DotName}(ref w, {i * runs.WeightStride}, ref x0, {input})"));
                    }
                    WriteSum(writer, Invariant($"z[{j}] = "), terms, "; // " + PatchComment(geometry, j, pass.IsNonOverlapping));
                }
            }
            else
            {
                EmitPatchLoop(writer, geometry, pass, single: start => new[] { $"z[j] = {pass.DotName}(ref w, 0, ref x0, {start});" },
                    multiple: start => new[]
                    {
                        "double sum = 0.0;",
                        $"for (int i = 0; i < {runs.CountText}; i++)",
                        $"    sum += {pass.DotName}(ref w, (nuint)(i * {runs.WeightStrideText}), ref x0, {start} + {runs.InputOffsetText("i", "(nuint)")});",
                        "z[j] = sum;",
                    });
            }
        }

        /// <summary>"head t0 + t1 + …tail", broken into lines of at most <see cref="IndentedWriter.MaxLineLength"/> characters.</summary>
        private static void WriteSum(IndentedWriter writer, string head, List<string> terms, string tail)
        {
            string line = head + string.Join(" + ", terms) + tail;
            if (writer.Fits(line))
            {
                writer.WriteLine(line);
                return;
            }
            writer.WriteLine(head.TrimEnd());
            using (writer.Indent())
            {
                for (int i = 0; i < terms.Count; i++)
                    writer.WriteLine((i == 0 ? "" : "+ ") + terms[i] + (i == terms.Count - 1 ? tail : ""));
            }
        }

        private static void PatchAxpys(IndentedWriter writer, KernelPlan plan, KernelPlan.PassPlan pass, string summary)
        {
            writer.WriteLine($"/// <summary>{summary}</summary>");
            writer.WriteLine(AggressiveOptimization);
            writer.WriteLine($"private static void {pass.AxpysName}(ReadOnlySpan<double> x, ReadOnlySpan<double> c, double scale, " +
                "Span<double> target)");
            using (writer.Block())
            {
                writer.WriteLine("ref double x0 = ref MemoryMarshal.GetReference(x);");
                writer.WriteLine("ref double t = ref MemoryMarshal.GetReference(target);");
                // One form on every machine (see KernelPlan.VectorWidths): in registers where they hold Σ, else in memory.
                if (pass.NeedsMemoryForm)
                    EmitMemoryAxpys(writer, plan, pass);
                else
                    EmitRegisterAxpys(writer, plan, pass, pass.Registers[0]);
            }
            writer.WriteLine();
        }

        /// <summary>The in-memory form: Σ (or the target) updated patch by patch through Axpy{L}.</summary>
        private static void EmitMemoryAxpys(IndentedWriter writer, KernelPlan plan, KernelPlan.PassPlan pass)
        {
            Runs runs = pass.Runs;
            string axpy = pass.AxpyName;
            string Rows(string coefficient, string start, string target) =>
                $"    {axpy}({coefficient}, ref x0, {start} + {runs.InputOffsetText("i", "(nuint)")}, ref {target}, (nuint)(i * {runs.WeightStrideText}));";
            writer.WriteLine("// Too many taps to hold Σ in registers: the sum is built in memory, patch by patch.");
            EmitPatchLoop(writer, plan.Geometry, pass,
                single: start => new[] { $"{axpy}(scale * c[j], ref x0, {start}, ref t, 0);" },
                multiple: start => new[] { "double cj = scale * c[j];", $"for (int i = 0; i < {runs.CountText}; i++)", Rows("cj", start, "t") });
        }

        /// <summary>The accumulator of set s, run u, slot m.</summary>
        private static string Accumulator(Runs runs, int set, int run, int slot) =>
            runs.Count == 1 ? Invariant($"acc{set}_{slot}") : Invariant($"acc{set}_r{run}_{slot}");

        private static string AccumulateCall(KernelPlan.PassPlan pass, KernelPlan.RegisterForm register, string coefficient, string input, int set, int run)
        {
            var accumulators = new List<string>();
            for (int m = 0; m < register.Slots.Length; m++)
                accumulators.Add("ref " + Accumulator(pass.Runs, set, run, m));
            return $"{pass.AccumulateName}({coefficient}, ref x0, {input}, {string.Join(", ", accumulators)});";
        }

        /// <summary>target += scale · Σ_j c_j P_j x with the sum held in registers: loaded never, stored once.</summary>
        private static void EmitRegisterAxpys(IndentedWriter writer, KernelPlan plan, KernelPlan.PassPlan pass, KernelPlan.RegisterForm register)
        {
            GeometryPlan geometry = plan.Geometry;
            Runs runs = pass.Runs;
            string perRun = runs.Count == 1 ? "" : Invariant($" per run ({runs.Count} runs)");
            writer.WriteLine($"// Σ_j c_j P_j x in registers ({register.Description}{perRun}), then one update of the target.");
            if (register.Sets > 1)
                writer.WriteLine(Invariant($"// Patch j adds into set j mod {register.Sets}: {register.Sets} chains of fused multiply-adds side by side."));
            for (int set = 0; set < register.Sets; set++)
            {
                for (int run = 0; run < runs.Count; run++)
                {
                    var names = new List<string>();
                    for (int m = 0; m < register.Slots.Length; m++)
                        names.Add($"{Accumulator(runs, set, run, m)} = {register.Slots[m].Zero}");
                    // Slots of one run share a type unless the run ends in narrower lanes.
                    for (int m = 0; m < register.Slots.Length;)
                    {
                        int n = m;
                        while (n < register.Slots.Length && register.Slots[n].Width == register.Slots[m].Width)
                            n++;
                        writer.WriteLine($"{register.Slots[m].Declared} {string.Join(", ", names.GetRange(m, n - m))};");
                        m = n;
                    }
                }
            }
            if (pass.UnrollsRegisters)
            {
                for (int j = 0; j < geometry.K; j++)
                {
                    for (int run = 0; run < runs.Count; run++)
                    {
                        int input = geometry.PatchOffsets![j] + runs.FirstInput + runs.InputOffset(run);
                        writer.WriteLine(AccumulateCall(pass, register, Invariant($"c[{j}]"), Invariant($"{input}"), j % register.Sets, run));
                    }
                }
            }
            else
            {
                // The loop form: patch j starts at PatchStart(j); the sets take consecutive patches.
                void Patch(string index, int set)
                {
                    for (int run = 0; run < runs.Count; run++)
                    {
                        int delta = runs.FirstInput + runs.InputOffset(run);
                        string input = delta == 0 ? $"PatchStart({index})" : Invariant($"PatchStart({index}) + {delta}");
                        writer.WriteLine(AccumulateCall(pass, register, $"c[{index}]", input, set, run));
                    }
                }
                writer.WriteLine("int j = 0;");
                if (register.Sets > 1)
                {
                    using (writer.Block(Invariant($"for (; j + {register.Sets - 1} < K; j += {register.Sets})")))
                    {
                        for (int set = 0; set < register.Sets; set++)
                            Patch(set == 0 ? "j" : Invariant($"j + {set}"), set);
                    }
                }
                using (writer.Block("for (; j < K; j++)"))
                    Patch("j", 0);
            }
            // Σ: the sets summed pairwise.
            var sums = new List<(string Sum, Slot Slot, int Offset)>();
            for (int run = 0; run < runs.Count; run++)
            {
                for (int m = 0; m < register.Slots.Length; m++)
                {
                    string sum = PairwiseSum(runs, register.Sets, run, m);
                    if (register.Sets > 1)
                    {
                        string name = Invariant($"sum{sums.Count}");
                        writer.WriteLine($"{register.Slots[m].Declared} {name} = {sum};");
                        sum = name;
                    }
                    sums.Add((sum, register.Slots[m], run * runs.WeightStride + register.Slots[m].Offset));
                }
            }
            EmitTargetUpdate(writer, sums, "scale");
        }

        /// <summary>t[offset] = sum · factor + t[offset] for each slot, with one broadcast of the factor per vector width.</summary>
        private static void EmitTargetUpdate(IndentedWriter writer, List<(string Sum, Slot Slot, int Offset)> sums, string factor)
        {
            var broadcasts = new HashSet<int>();
            foreach ((string _, Slot slot, int _) in sums)
            {
                if (slot.Width is { } width && broadcasts.Add(width.Lanes))
                    writer.WriteLine(Invariant($"{width.Of} {factor}{width.Lanes} = {width.Type}.Create({factor});"));
            }
            foreach ((string sum, Slot slot, int offset) in sums)
            {
                writer.WriteLine(slot.Width is not { } width
                    ? Invariant($"Unsafe.Add(ref t, {offset}) = Math.FusedMultiplyAdd({sum}, {factor}, Unsafe.Add(ref t, {offset}));")
                    : Invariant($"{width.Type}.StoreUnsafe({width.Type}.FusedMultiplyAdd({sum}, {factor}{width.Lanes}, ") +
                        Invariant($"{width.Type}.LoadUnsafe(ref t, {offset})), ref t, {offset});"));
            }
        }

        private static string PairwiseSum(Runs runs, int sets, int run, int slot)
        {
            var terms = new List<string>();
            for (int set = 0; set < sets; set++)
                terms.Add(Accumulator(runs, set, run, slot));
            while (terms.Count > 1)
            {
                var next = new List<string>();
                for (int i = 0; i + 1 < terms.Count; i += 2)
                    next.Add(terms.Count == 2 ? $"{terms[i]} + {terms[i + 1]}" : $"({terms[i]} + {terms[i + 1]})");
                if (terms.Count % 2 == 1)
                    next.Add(terms[terms.Count - 1]);
                terms = next;
            }
            return terms[0];
        }

        /// <summary>The loop form of a patch pass: patch j = (p, q) starts at p·sh·width + q·sw.</summary>
        private static void EmitPatchLoop(IndentedWriter writer, GeometryPlan plan, KernelPlan.PassPlan pass,
            Func<string, string[]> single, Func<string, string[]> multiple)
        {
            Runs runs = pass.Runs;
            string start = runs.FirstInput == 0 ? "start" : Invariant($"start + {runs.FirstInput}");
            if (!plan.Model.Is2D)
            {
                using (writer.Block("for (int j = 0; j < K; j++)"))
                {
                    int first = plan.FirstNonColumn, last = plan.FirstNonColumn + plan.NonColumns - 1;
                    writer.WriteLine(pass.IsNonOverlapping
                        ? Invariant($"// patch j starts at x[j·s]; its non-overlapping part is x[j·s + {first} .. j·s + {last}]")
                        : plan.Model.Channels == 1 ? "// patch j reads x[j·s .. j·s + r − 1]" : "// patch j reads x[c·d + j·s .. c·d + j·s + r − 1] in every channel c");
                    writer.WriteLine("nuint start = (nuint)(j * S);");
                    Body();
                }
                return;
            }
            using (writer.Block("for (int p = 0, j = 0; p < KH; p++)"))
            {
                using (writer.Block("for (int q = 0; q < KW; q++, j++)"))
                {
                    writer.WriteLine(pass.IsNonOverlapping
                        ? Invariant($"// patch (p, q) starts at row p·sh, column q·sw; its non-overlapping part is {plan.NonRows} rows × ") +
                            Invariant($"{plan.NonColumns} columns from ({plan.FirstNonRow}, {plan.FirstNonColumn})")
                        : "// patch (p, q) reads rows p·sh .. p·sh + rh − 1, columns q·sw .. q·sw + rw − 1");
                    writer.WriteLine("nuint start = (nuint)(p * SH * Width + q * SW);");
                    Body();
                }
            }

            void Body()
            {
                foreach (string line in runs.Count == 1 ? single(start) : multiple(start))
                    writer.WriteLine(line);
            }
        }

        /// <summary>What patch j (or its non-overlapping part) reads, for a comment: "x[9..24]" or "rows 3..6 × columns 0..3".</summary>
        private static string PatchComment(GeometryPlan plan, int j, bool nonOverlapping)
        {
            ConvNetModel model = plan.Model;
            int offset = plan.PatchOffsets![j];
            if (!model.Is2D)
            {
                int first = nonOverlapping ? offset + plan.FirstNonColumn : offset;
                return Invariant($"x[{first}..{first + (nonOverlapping ? plan.NonColumns : model.RW) - 1}]") + InEveryChannel(model);
            }
            int row = offset / model.Width, column = offset % model.Width;
            if (nonOverlapping)
            {
                row += plan.FirstNonRow;
                column += plan.FirstNonColumn;
            }
            int rows = nonOverlapping ? plan.NonRows : model.RH, columns = nonOverlapping ? plan.NonColumns : model.RW;
            return Invariant($"rows {row}..{row + rows - 1} × columns {column}..{column + columns - 1}") + InEveryChannel(model);
        }

        /// <summary>"" for one channel; " in each of the C channels" (the same window, c·height·width further on) for several.</summary>
        private static string InEveryChannel(ConvNetModel model) =>
            model.Channels == 1 ? "" : Invariant($" in each of the {model.Channels} channels");
    }
}
