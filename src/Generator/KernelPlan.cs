using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Convotron.Generator
{
    /// <summary>
    /// Every decision about the code of one model, made once from its <see cref="GeometryPlan"/>: the runs each
    /// patch pass walks, whether a pass's dot products are batched (several patches summed across lanes together)
    /// or fused into one helper, its register forms (lanes, accumulator layout, interleaved sets), whether it is
    /// unrolled or loops over <c>PatchStart(j)</c>, whether it needs the in-memory fallback, and the names and
    /// reachable widths of every run helper. The emitter only reads it. A pure function of the model, so built where
    /// needed rather than carried through the pipeline.
    /// </summary>
    internal sealed class KernelPlan
    {
        /// <summary>Register passes list their patches one by one up to this many runs per lane width; beyond, a loop over PatchStart(j).</summary>
        public const int MaxUnrolledRegisterRuns = 160;

        /// <summary>Patches of several runs up to this many accumulators get one dot-product helper with a single horizontal sum.</summary>
        public const int MaxFusedDotSlots = 16;

        /// <summary>Σ_j a_j σ(z_j) takes vector lanes from this many patches; below, four scalar chains.</summary>
        public const int MinVectorActivatedSum = 32;

        /// <summary>Dot products of up to this many vectors are unrolled; longer ones loop over blocks of four.</summary>
        public const int MaxUnrolledDotVectors = 8;

        /// <summary>In-memory multiply-adds of up to this many vectors are unrolled; longer ones loop.</summary>
        public const int MaxUnrolledAxpyVectors = 4;

        /// <summary>
        /// A pass's dot products are batched (see <see cref="BatchForm"/>) at a width only when the weights of one patch
        /// fit in this many vectors: they are loaded once into registers and stay there for every patch.
        /// </summary>
        public const int MaxBatchedWeightVectors = 8;

        /// <summary>
        /// Batched dot products list their patches one by one up to this many patches; beyond, a loop over PatchStart(j).
        /// (The 81 patches of 28×28, 4×4, stride 3 measured slower as a loop over PatchStart, with its division per patch.)
        /// </summary>
        public const int MaxUnrolledBatchedPatches = 128;

        /// <summary>
        /// The one SIMD width of the generated arithmetic, on every machine: the same code, so the same operations in
        /// the same order and the same bits whatever the CPU. Vector256 is native wherever AVX2 is (every AVX-512 CPU
        /// too, where it measured ~10 % slower than Vector512 code on ConvotronStep at (160, 16, 9)); elsewhere .NET
        /// computes each Vector256 operation lane by lane with the same IEEE results, slower. A Vector512 form would
        /// run in software on AVX2 CPUs, measured 15–20× slower. Lanes of one run are a fixed layout (see
        /// <see cref="Layout"/>); nothing in the code asks what the hardware has.
        /// </summary>
        public static readonly IReadOnlyList<VectorWidth> VectorWidths = new[] { new VectorWidth("Vector256", "Vector256", "V4", 4) };

        private KernelPlan(GeometryPlan geometry)
        {
            Geometry = geometry;
            var passes = new List<PassPlan> { new PassPlan(this, PassKind.Whole, WholePatchRuns(geometry)) };
            if (geometry.NonOverlappingTapCount > 0)
                passes.Add(new PassPlan(this, PassKind.NonOverlapping, NonOverlappingRuns(geometry)));
            Passes = passes;

            var dots = new SortedSet<int>();
            var accumulators = new SortedDictionary<string, AccumulatorHelper>(StringComparer.Ordinal);
            var axpys = new SortedSet<int>();
            foreach (PassPlan pass in passes)
            {
                if (!pass.FusesDot)
                    dots.Add(pass.Runs.Length);
                foreach (RegisterForm register in pass.Registers)
                {
                    string key = string.Format(CultureInfo.InvariantCulture, "{0:D8} {1:D4} {2}", pass.Runs.Length, register.Slots.Length, register.Description);
                    accumulators[key] = new AccumulatorHelper(pass.Runs.Length, register.Slots);
                }
                if (pass.NeedsMemoryForm)
                    axpys.Add(pass.Runs.Length);
                UsesPatchStart |= (pass.Registers.Count > 0 && !pass.UnrollsRegisters) || pass.UsesPatchStart;
            }
            DotLengths = new List<int>(dots);
            Accumulators = new List<AccumulatorHelper>(accumulators.Values);
            AxpyLengths = new List<int>(axpys);
            VectorizesActivatedSum = geometry.K >= MinVectorActivatedSum;

            var trees = new List<VectorWidth>();
            var sigmas = new List<VectorWidth>();
            foreach (VectorWidth width in VectorWidths)
            {
                bool batched = false;
                foreach (PassPlan pass in passes)
                {
                    foreach (BatchForm batch in pass.Batches)
                        batched |= batch.Partial == width;
                }
                if (batched)
                    trees.Add(width);
                if (batched || (VectorizesActivatedSum && geometry.K >= width.Lanes))
                    sigmas.Add(width);
            }
            TreeWidths = trees;
            SigmaWidths = sigmas;
        }

        public GeometryPlan Geometry { get; }

        /// <summary>The pass over whole patches, then (when there are non-overlapping taps) the pass over their non-overlapping parts.</summary>
        public IReadOnlyList<PassPlan> Passes { get; }

        public PassPlan Whole => Passes[0];

        public PassPlan? NonOverlapping => Passes.Count > 1 ? Passes[1] : null;

        /// <summary>The run lengths L of the Dot{L} helpers (passes whose dot products are not fused).</summary>
        public IReadOnlyList<int> DotLengths { get; }

        /// <summary>The Accumulate{L} helpers of the register forms, one per distinct layout.</summary>
        public IReadOnlyList<AccumulatorHelper> Accumulators { get; }

        /// <summary>The run lengths L of the Axpy{L} helpers (the in-memory forms).</summary>
        public IReadOnlyList<int> AxpyLengths { get; }

        /// <summary>Whether some register pass loops over PatchStart(j) (so the helper is emitted).</summary>
        public bool UsesPatchStart { get; }

        /// <summary>Whether Σ_j a_j σ(z_j) takes vector lanes (and the vector σ overloads are emitted).</summary>
        public bool VectorizesActivatedSum { get; }

        /// <summary>The partial-sum widths of the batched passes: each gets its transposing add tree (Sums4).</summary>
        public IReadOnlyList<VectorWidth> TreeWidths { get; }

        /// <summary>The widths whose vector σ overload is emitted (for Σ_j a_j σ(z_j) in lanes or for the batched passes).</summary>
        public IReadOnlyList<VectorWidth> SigmaWidths { get; }

        public static KernelPlan Create(GeometryPlan geometry) => new(geometry);

        /// <summary>
        /// The batched forms of a pass's dot products, one per ladder width where it applies: every run of a patch is
        /// whole vectors at that width (no scalar taps), the patch's weights fit in <see cref="MaxBatchedWeightVectors"/>
        /// registers, and there are at least as many patches as the partial width has lanes.
        /// </summary>
        private static List<BatchForm> BatchForms(GeometryPlan plan, Runs runs)
        {
            var result = new List<BatchForm>();
            foreach (VectorWidth width in VectorWidths)
            {
                if (width.Lanes > runs.Length)
                    continue;
                Slot[] slots = Layout(runs.Length, width.Lanes);
                VectorWidth? partial = null;
                bool scalar = false;
                foreach (Slot slot in slots)
                {
                    if (slot.Width is null)
                        scalar = true;
                    else if (partial is null || slot.Width.Lanes < partial.Lanes)
                        partial = slot.Width;
                }
                if (scalar || partial is null || slots.Length * runs.Count > MaxBatchedWeightVectors || plan.K < partial.Lanes)
                    continue;
                // A wider width whose runs take the same vectors as this one (runs of 4 taps are one Vector256 either way)
                // would emit the same code: the narrower condition covers both.
                if (result.Count > 0 && result[result.Count - 1].Partial == partial && SameLayout(result[result.Count - 1].Slots, slots))
                    result.RemoveAt(result.Count - 1);
                result.Add(new BatchForm(width, partial, slots, plan.Unrolled && plan.K <= MaxUnrolledBatchedPatches));
            }
            return result;

            static bool SameLayout(Slot[] left, Slot[] right)
            {
                if (left.Length != right.Length)
                    return false;
                for (int i = 0; i < left.Length; i++)
                {
                    if (left[i].Width != right[i].Width || left[i].Offset != right[i].Offset)
                        return false;
                }
                return true;
            }
        }

        private static Runs WholePatchRuns(GeometryPlan plan) =>
            new(plan.Model.RH, plan.Model.RW, plan.Model.RW, 0, plan.Model.Width, wholePatch: true, plan.Model.Channels, plan.Model.ChannelSize);

        private static Runs NonOverlappingRuns(GeometryPlan plan) =>
            new(plan.NonRows, plan.NonColumns, plan.NonColumns, plan.FirstNonRow * plan.Model.Width + plan.FirstNonColumn, plan.Model.Width,
                wholePatch: false, plan.Model.Channels, plan.Model.ChannelSize);

        /// <summary>Accumulators a register form may hold (16 vector registers with AVX2), leaving room for the loads.</summary>
        private const int RegisterBudget = 12;

        /// <summary>
        /// The register form of a multiply-add pass over runs: the vector form where its accumulators fit in registers,
        /// else the scalar form where that fits; none when neither does (the pass then takes the in-memory form). At
        /// most one, and it runs on every machine.
        /// </summary>
        private static List<RegisterForm> RegisterForms(GeometryPlan plan, Runs runs)
        {
            var result = new List<RegisterForm>();
            var widths = new List<VectorWidth?>(VectorWidths) { null };
            foreach (VectorWidth? width in widths)
            {
                int lanes = width?.Lanes ?? 1;
                if (width is not null && lanes > runs.Length)
                    continue;
                Slot[] slots = Layout(runs.Length, lanes);
                int perSet = slots.Length * runs.Count;
                if (perSet > RegisterBudget)
                    continue;
                // An FMA has ~4 cycles of latency and two issue per cycle: about 8 independent accumulators keep
                // the units busy, so patches alternate between sets until there are that many.
                int sets = Math.Max(1, Math.Min(4, (8 + perSet - 1) / perSet));
                sets = Math.Min(sets, plan.K);
                while (sets > 1 && sets * perSet > RegisterBudget)
                    sets--;
                result.Add(new RegisterForm(width, DescribeSlots(slots), slots, sets));
                break;
            }
            return result;
        }

        /// <summary>A run of length taps as the widest vectors up to maxLanes, then narrower ones, then scalars.</summary>
        public static Slot[] Layout(int length, int maxLanes)
        {
            var slots = new List<Slot>();
            int offset = 0;
            foreach (VectorWidth width in VectorWidths)
            {
                if (width.Lanes > maxLanes)
                    continue;
                for (; offset + width.Lanes <= length; offset += width.Lanes)
                    slots.Add(new Slot(width, offset));
            }
            for (; offset < length; offset++)
                slots.Add(new Slot(null, offset));
            return slots.ToArray();
        }

        /// <summary>"4 Vector256 + 1 double": the layout in words, for comments (and to tell layouts apart).</summary>
        public static string DescribeSlots(Slot[] slots)
        {
            var parts = new List<string>();
            for (int i = 0; i < slots.Length;)
            {
                int n = i;
                while (n < slots.Length && slots[n].Width == slots[i].Width)
                    n++;
                string kind = slots[i].Width?.Name ?? (n - i > 1 ? "doubles" : "double");
                parts.Add(string.Format(CultureInfo.InvariantCulture, "{0} {1}", n - i, kind));
                i = n;
            }
            return string.Join(" + ", parts);
        }

        /// <summary>Which part of each patch a pass reads.</summary>
        public enum PassKind
        {
            Whole,
            NonOverlapping,
        }

        /// <summary>One patch pass (dot products z_j, and multiply-adds Σ_j c_j P_j x) and every decision about its code.</summary>
        public sealed class PassPlan
        {
            public PassPlan(KernelPlan owner, PassKind kind, Runs runs)
            {
                Kind = kind;
                Runs = runs;
                GeometryPlan plan = owner.Geometry;
                FusesDot = runs.Count > 1 && runs.Count * Layout(runs.Length, 4).Length <= MaxFusedDotSlots;
                Registers = RegisterForms(plan, runs);
                NeedsMemoryForm = Registers.Count == 0;
                UnrollsRegisters = plan.Unrolled && (long)plan.K * runs.Count <= MaxUnrolledRegisterRuns;
                Batches = BatchForms(plan, runs);
                UsesPatchStart = Batches.Any(batch => !batch.Unrolled);
                string prefix = kind == PassKind.Whole ? "" : "NonOverlapping";
                FusedDotName = prefix + "PatchDot";
                PartialName = prefix + "PatchPartial";
                DotsName = prefix + "PatchDots";
                AxpysName = prefix + "PatchAxpys";
            }

            public PassKind Kind { get; }

            public bool IsNonOverlapping => Kind == PassKind.NonOverlapping;

            public Runs Runs { get; }

            /// <summary>The batched forms of the dot products, widest first (see <see cref="BatchForms"/>); empty when none applies.</summary>
            public IReadOnlyList<BatchForm> Batches { get; }

            /// <summary>Whether a batched form loops over PatchStart(j) (the geometry is not unrolled).</summary>
            public bool UsesPatchStart { get; }

            /// <summary>The prefix of the helpers returning one patch's lane partials: PatchPartial512 etc.</summary>
            public string PartialName { get; }

            /// <summary>Whether the dot product of a patch's several runs is one helper (<see cref="FusedDotName"/>) with one horizontal sum.</summary>
            public bool FusesDot { get; }

            /// <summary>The register forms of the multiply-add pass, widest first (see <see cref="RegisterForms"/>).</summary>
            public IReadOnlyList<RegisterForm> Registers { get; }

            /// <summary>Whether some hardware takes the in-memory form (Axpy{L} patch by patch): no register form is unconditional.</summary>
            public bool NeedsMemoryForm { get; }

            /// <summary>Whether the register forms list the patches one by one (else they loop over PatchStart(j)).</summary>
            public bool UnrollsRegisters { get; }

            public string FusedDotName { get; }

            public string DotsName { get; }

            public string AxpysName { get; }

            /// <summary>The helper computing one run's dot product: Dot{L}.</summary>
            public string DotName => "Dot" + Runs.Length.ToString(CultureInfo.InvariantCulture);

            public string AxpyName => "Axpy" + Runs.Length.ToString(CultureInfo.InvariantCulture);

            public string AccumulateName => "Accumulate" + Runs.Length.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>One lane width's register form of a multiply-add pass: its accumulator layout and number of interleaved sets.</summary>
        public sealed class RegisterForm
        {
            public RegisterForm(VectorWidth? width, string description, Slot[] slots, int sets)
            {
                Width = width;
                Description = description;
                Slots = slots;
                Sets = sets;
            }

            /// <summary>The widest lanes, or null for the unconditional scalar form.</summary>
            public VectorWidth? Width { get; }

            public int Lanes => Width?.Lanes ?? 1;

            public string Description { get; }

            /// <summary>The accumulators of one run (the same for every run).</summary>
            public Slot[] Slots { get; }

            public int Sets { get; }
        }

        /// <summary>
        /// The batched form of a pass's dot products at one ladder width: each patch's products are summed into one
        /// vector of <see cref="Partial"/>'s lanes (not across them), and the partials of <see cref="Batch"/> patches are
        /// summed across lanes together by a transposing add tree into one vector of their z_j, which σ and
        /// Σ_j a_j σ(z_j) then take in lanes: log2(lanes) shuffle-add levels for that many sums instead of that many
        /// separate horizontal sums, and no compare per patch.
        /// </summary>
        public sealed class BatchForm
        {
            public BatchForm(VectorWidth width, VectorWidth partial, Slot[] slots, bool unrolled)
            {
                Width = width;
                Partial = partial;
                Slots = slots;
                Unrolled = unrolled;
            }

            /// <summary>Whether the patches are listed one by one with constant offsets (else a loop over PatchStart(j)).</summary>
            public bool Unrolled { get; }

            /// <summary>The ladder width this form is emitted under.</summary>
            public VectorWidth Width { get; }

            /// <summary>The width of one patch's partial sums: the narrowest vector in a run (wider ones are folded into it).</summary>
            public VectorWidth Partial { get; }

            /// <summary>The vectors of one run (the same for every run), all vectors.</summary>
            public Slot[] Slots { get; }

            /// <summary>Patches per add tree: the partial width's lanes.</summary>
            public int Batch => Partial.Lanes;
        }

        /// <summary>An Accumulate{L} helper: acc += c · x[..] over one run of Length taps in the given accumulators.</summary>
        public sealed class AccumulatorHelper
        {
            public AccumulatorHelper(int length, Slot[] slots)
            {
                Length = length;
                Slots = slots;
            }

            public int Length { get; }

            public Slot[] Slots { get; }
        }

    }

    /// <summary>
    /// A SIMD width of the generated code: the vector type's name (in scope by a using directive), the class of its
    /// element-wise operations, the alias of its type and its lanes of double. Sums across lanes go through the
    /// file-local Lanes class instead (the Vector128 rung, see ConvNetGenerator.EmitLanes).
    /// </summary>
    internal sealed class VectorWidth
    {
        public VectorWidth(string name, string type, string alias, int lanes)
        {
            Name = name;
            Type = type;
            Of = alias;
            Lanes = lanes;
        }

        /// <summary>"Vector256".</summary>
        public string Name { get; }

        /// <summary>The class of the element-wise operations: Vector256.LoadUnsafe, Vector256.FusedMultiplyAdd, ….</summary>
        public string Type { get; }

        public int Lanes { get; }

        /// <summary>The alias of Vector256&lt;double&gt; in the kernels' namespace block: "V4".</summary>
        public string Of { get; }
    }

    /// <summary>
    /// The runs one patch pass walks: in each of the channels, rows runs of length taps; run u = c·rows + i has its weights at
    /// u·weightStride (the filter, and the compact non-overlapping filter, are channel-major with rows runs per channel)
    /// and its inputs at first + c·channelStride + i·inputStride from the patch's start.
    /// </summary>
    internal readonly struct Runs
    {
        public Runs(int rows, int length, int weightStride, int firstInput, int inputStride, bool wholePatch, int channels = 1, int channelStride = 0)
        {
            Rows = rows;
            Channels = channels;
            Count = rows * channels;
            Length = length;
            WeightStride = weightStride;
            FirstInput = firstInput;
            InputStride = inputStride;
            ChannelStride = channelStride;
            WholePatch = wholePatch;
        }

        /// <summary>Whether these are the rh runs of rw taps of a whole one-channel patch (so the loops can name RH, RW and Width).</summary>
        public bool WholePatch { get; }

        public string CountText => WholePatch && Channels == 1 ? "RH" : Count.ToString(CultureInfo.InvariantCulture);

        public string WeightStrideText => WholePatch && Channels == 1 ? "RW" : WeightStride.ToString(CultureInfo.InvariantCulture);

        public string InputStrideText => WholePatch && Channels == 1 ? "Width" : InputStride.ToString(CultureInfo.InvariantCulture);

        /// <summary>The number of runs in all channels.</summary>
        public int Count { get; }

        /// <summary>The runs per channel.</summary>
        public int Rows { get; }

        public int Channels { get; }

        public int Length { get; }

        public int WeightStride { get; }

        public int FirstInput { get; }

        public int InputStride { get; }

        /// <summary>How far channel c + 1 is from channel c in x (height·width).</summary>
        public int ChannelStride { get; }

        /// <summary>Where run u starts in x, from the patch part's first input: c·channelStride + i·inputStride for u = c·rows + i.</summary>
        public int InputOffset(int run) => run / Rows * ChannelStride + run % Rows * InputStride;

        /// <summary><see cref="InputOffset"/> as code, for a run index held in the variable <paramref name="run"/> (typed like it).</summary>
        public string InputOffsetText(string run, string cast = "")
        {
            if (Channels == 1)
                return $"{cast}({run} * {InputStrideText})";
            string channel = Invariant($"{run} / {Rows} * {ChannelStride}"), row = Invariant($"{run} % {Rows} * {InputStride}");
            return Rows == 1 ? $"{cast}({run} * {ChannelStride.ToString(CultureInfo.InvariantCulture)})" : $"{cast}({channel} + {row})";
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>One accumulator of a run: a vector of Width's lanes (or a scalar when Width is null) at Offset within the run.</summary>
    internal readonly struct Slot
    {
        public Slot(VectorWidth? width, int offset)
        {
            Width = width;
            Offset = offset;
        }

        public VectorWidth? Width { get; }

        public int Lanes => Width?.Lanes ?? 1;

        public int Offset { get; }

        public string Declared => Width?.Of ?? "double";

        public string Zero => Width is null ? "0.0" : "default";
    }
}
