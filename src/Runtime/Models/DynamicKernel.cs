using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Convotron;

/// <summary>
/// The <see cref="IPatchKernel"/> of any geometry known only at run time (1D, 2D or a general
/// patch list). Each patch is iterated as contiguous runs of input indices, so a strided 1D patch
/// is one vectorised dot product (or multiply-add) of length r and a 2D patch rh of length rw;
/// nothing is gathered element by element unless the geometry demands it.
/// </summary>
/// <remarks>
/// A value over immutable tables built once per geometry: copies share them, and it is safe to
/// use from several threads (every buffer is passed in). Built by <see cref="DynamicKernel(PatchGeometry, Activation)"/>
/// or taken from <see cref="DynamicConvNet.Kernel"/>.
/// </remarks>
public readonly struct DynamicKernel : IPatchKernel
{
    private readonly Tables _tables;

    /// <summary>The kernel of <paramref name="geometry"/> with activation <paramref name="activation"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="geometry"/> is null.</exception>
    public DynamicKernel(PatchGeometry geometry, Activation activation)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        _tables = new Tables(geometry, activation);
    }

    private Tables T => _tables ?? throw new InvalidOperationException("A default DynamicKernel has no geometry; construct it with new DynamicKernel(geometry, activation).");

    /// <inheritdoc/>
    public PatchGeometry Geometry => T.Geometry;

    /// <inheritdoc/>
    public Activation Activation => T.Activation;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Forward(ReadOnlySpan<double> filters, ReadOnlySpan<double> outputWeights, ReadOnlySpan<double> x, Span<double> preActivations)
    {
        Tables t = T;
        int filterCount = t.CheckFilters(filters, outputWeights.Length, preActivations.Length, x.Length);
        double f = 0.0;
        for (int m = 0; m < filterCount; m++)
            f += t.Forward(filters.Slice(m * t.R, t.R), outputWeights.Slice(m * t.K, t.K), x, preActivations.Slice(m * t.K, t.K));
        return f;
    }

    /// <summary>
    /// <see cref="Forward"/> for one filter whose w, a and z the caller owns at their right lengths
    /// (<see cref="DynamicConvNet.Predict"/>): only x is checked. The teacher labels every sample with this.
    /// </summary>
    internal double ForwardOne(double[] w, double[] a, ReadOnlySpan<double> x, double[] z)
    {
        Tables t = T;
        Guard.Length(x.Length, t.Geometry.InputSize, "d");
        return t.Forward(w, a, x, z);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void PreActivations(ReadOnlySpan<double> filters, ReadOnlySpan<double> x, Span<double> preActivations)
    {
        Tables t = T;
        int filterCount = t.CheckFilters(filters, preActivations.Length, preActivations.Length, x.Length, nameof(preActivations));
        for (int m = 0; m < filterCount; m++)
            t.PreActivations(filters.Slice(m * t.R, t.R), x, preActivations.Slice(m * t.K, t.K));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddPatches(ReadOnlySpan<double> x, ReadOnlySpan<double> coefficients, double scale, Span<double> target)
    {
        Tables t = T;
        Guard.Length(x.Length, t.Geometry.InputSize, "d");
        Guard.Length(coefficients.Length, t.K, "k");
        Guard.Length(target.Length, t.R, "r");
        if (t.SingleRunStarts is int[] starts)
        {
            // Every patch one run of all r taps (strided 1D, one channel): a slice of x per patch, and no
            // branch on a zero coefficient (a switched-off ReLU unit in a gradient: a coin flip that
            // mispredicts half the time on fresh inputs); adding ±0 leaves a finite non-zero value as it is.
            for (int j = 0; j < starts.Length; j++)
                VectorMath.MultiplyAdd(scale * coefficients[j], x.Slice(starts[j], target.Length), target);
            return;
        }
        for (int j = 0; j < coefficients.Length; j++)
            PatchAxpy(t.Runs, j, scale * coefficients[j], x, target);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double ForwardNonOverlapping(ReadOnlySpan<double> nonOverlappingFilter, ReadOnlySpan<double> outputWeights, ReadOnlySpan<double> x, Span<double> preActivations)
    {
        Tables t = T;
        t.CheckNonOverlapping(x.Length, outputWeights.Length, nonOverlappingFilter.Length, nameof(outputWeights), nameof(nonOverlappingFilter));
        Guard.Length(preActivations.Length, t.K, "k");
        Activation activation = t.Activation;
        double f = 0.0;
        for (int j = 0; j < t.K; j++)
        {
            double z = NonOverlappingDot(t, j, nonOverlappingFilter, x);
            preActivations[j] = z;
            f += outputWeights[j] * activation.Apply(z);
        }
        return f;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddNonOverlappingPatches(ReadOnlySpan<double> x, ReadOnlySpan<double> coefficients, double scale, Span<double> target)
    {
        Tables t = T;
        t.CheckNonOverlapping(x.Length, coefficients.Length, target.Length, nameof(coefficients), nameof(target));
        PatchRuns runs = t.NonRuns;
        ref double x0 = ref MemoryMarshal.GetReference(x);
        for (int j = 0; j < coefficients.Length; j++)
        {
            double c = scale * coefficients[j];
            for (int n = runs.First[j]; n < runs.First[j + 1]; n++)
            {
                int start = runs.Start[n], tap = runs.Tap[n], length = runs.Length[n];
                if (length >= 8)
                {
                    VectorMath.MultiplyAdd(c, x.Slice(start, length), target.Slice(tap, length));
                    continue;
                }
                // Short runs (often 2 taps): one scalar loop, cheaper than a vector call.
                ref double xs = ref Unsafe.Add(ref x0, start);
                for (int i = 0; i < length; i++)
                    target[tap + i] += c * Unsafe.Add(ref xs, i);
            }
        }
    }

    /// <inheritdoc/>
    public TResult Accept<TResult>(IKernelVisitor<TResult> visitor)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        return visitor.Visit(this);
    }

    /// <summary>w_non · P_j^non x, run by run: vector dot products for long runs, a scalar loop for short ones.</summary>
    private static double NonOverlappingDot(Tables t, int j, ReadOnlySpan<double> wNon, ReadOnlySpan<double> x)
    {
        PatchRuns runs = t.NonRuns;
        ref double x0 = ref MemoryMarshal.GetReference(x);
        double z = 0.0;
        for (int n = runs.First[j]; n < runs.First[j + 1]; n++)
        {
            int start = runs.Start[n], tap = runs.Tap[n], length = runs.Length[n];
            if (length >= 8)
            {
                z += VectorMath.Dot(wNon.Slice(tap, length), x.Slice(start, length));
                continue;
            }
            ref double xs = ref Unsafe.Add(ref x0, start);
            for (int i = 0; i < length; i++)
                z += wNon[tap + i] * Unsafe.Add(ref xs, i);
        }
        return z;
    }

    /// <summary>w · P_j x, run by run.</summary>
    private static double PatchDot(PatchRuns runs, int j, ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        int first = runs.First[j], last = runs.First[j + 1];
        double sum = 0.0;
        for (int n = first; n < last; n++)
        {
            int length = runs.Length[n];
            sum += VectorMath.Dot(w.Slice(runs.Tap[n], length), x.Slice(runs.Start[n], length));
        }
        return sum;
    }

    /// <summary>target += scale · P_j x, run by run; nothing to do when scale is 0 (e.g. a ReLU unit that is off).</summary>
    private static void PatchAxpy(PatchRuns runs, int j, double scale, ReadOnlySpan<double> x, Span<double> target)
    {
        if (scale == 0.0)
            return;
        for (int n = runs.First[j]; n < runs.First[j + 1]; n++)
        {
            int length = runs.Length[n];
            VectorMath.MultiplyAdd(scale, x.Slice(runs.Start[n], length), target.Slice(runs.Tap[n], length));
        }
    }

    /// <summary>The tables of one geometry, built once and shared by every copy of the kernel.</summary>
    private sealed class Tables
    {
        public Tables(PatchGeometry geometry, Activation activation)
        {
            Geometry = geometry;
            Activation = activation;
            R = geometry.FilterSize;
            K = geometry.PatchCount;
            Runs = geometry.Runs;
            int[] nonTaps = geometry.NonOverlappingTaps.ToArray();
            NonOverlappingTapCount = nonTaps.Length;
            var nonIndices = new int[K * nonTaps.Length];
            for (int j = 0; j < K; j++)
            {
                ReadOnlySpan<int> patch = geometry.Patch(j);
                for (int n = 0; n < nonTaps.Length; n++)
                    nonIndices[j * nonTaps.Length + n] = patch[nonTaps[n]];
            }
            NonRuns = nonTaps.Length > 0 ? PatchRuns.Build(nonTaps.Length, K, nonIndices) : Runs;
            SingleRunStarts = FindSingleRunStarts(Runs, R, K);
            OneRunStarts = R % 4 == 0 && K >= 4 ? SingleRunStarts : null;
        }

        public PatchGeometry Geometry { get; }
        public Activation Activation { get; }
        public int R { get; }
        public int K { get; }
        public int NonOverlappingTapCount { get; }
        public PatchRuns Runs { get; }
        public PatchRuns NonRuns { get; }

        /// <summary>
        /// Where patch j's one run of all r taps starts in x, when every patch is one such run, r is a
        /// multiple of 4 and k ≥ 4 (1D strided geometries with r = 4, 8, 12, ...): Forward then sums
        /// four patches at once. Null otherwise.
        /// </summary>
        public int[]? OneRunStarts { get; }

        /// <summary>Where patch j's one run of all r taps starts in x, when every patch is one such run; else null.</summary>
        public int[]? SingleRunStarts { get; }

        /// <summary>F from the spans' lengths, after checking them (errors name the primitive's parameters): filters F·r, weights and z F·k, x d.</summary>
        public int CheckFilters(ReadOnlySpan<double> filters, int weights, int preActivations, int inputs, string weightsName = "outputWeights")
        {
            Guard.Length(inputs, Geometry.InputSize, "d", "x");
            int filterCount = Guard.FilterCount(filters.Length, R);
            Guard.Length(weights, filterCount * K, "F·k", weightsName);
            Guard.Length(preActivations, filterCount * K, "F·k", nameof(preActivations));
            return filterCount;
        }

        public void CheckNonOverlapping(int inputs, int patches, int taps, string patchesName, string tapsName)
        {
            if (NonOverlappingTapCount == 0)
                Guard.ThrowNoNonOverlappingPart(Geometry);
            Guard.Length(inputs, Geometry.InputSize, "d", "x");
            Guard.Length(patches, K, "k", patchesName);
            Guard.Length(taps, NonOverlappingTapCount, "|T_non|", tapsName);
        }

        /// <summary>One filter: z_j = w · P_j x into z; returns Σ_j a_j σ(z_j).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public double Forward(ReadOnlySpan<double> w, ReadOnlySpan<double> a, ReadOnlySpan<double> x, Span<double> z)
        {
            double f = 0.0;
            int j = 0;
            if (OneRunStarts is not null)
                f = ForwardFours(w, a, x, z, out j);
            for (; j < K; j++)
            {
                double zj = PatchDot(Runs, j, w, x);
                z[j] = zj;
                f += a[j] * Activation.Apply(zj);
            }
            return f;
        }

        /// <summary>One filter: z_j = w · P_j x into z, the same bits as <see cref="Forward"/>'s.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void PreActivations(ReadOnlySpan<double> w, ReadOnlySpan<double> x, Span<double> z)
        {
            int j = 0;
            if (OneRunStarts is not null)
            {
                ref double px = ref MemoryMarshal.GetReference(x);
                ref double pw = ref MemoryMarshal.GetReference(w);
                ref double pz = ref MemoryMarshal.GetReference(z);
                for (; j + 4 <= K; j += 4)
                    VectorMath.Dots4(ref px, ref pw, OneRunStarts.AsSpan(j, 4), R / 4).StoreUnsafe(ref pz, (nuint)j);
            }
            for (; j < K; j++)
                z[j] = PatchDot(Runs, j, w, x);
        }

        /// <summary>
        /// Σ a_j σ(z_j) over the first ⌊k/4⌋·4 patches, four at a time: each patch's products in one
        /// Vector256 chain, the four summed across lanes together (a transposing add tree,
        /// <see cref="VectorMath.Sums4"/>), σ and a_j σ(z_j) in lanes. The teacher labels every sample
        /// with this, and one horizontal sum per patch was most of its time. The same value as the
        /// per-patch loop up to the order of the additions, and the same bits on every CPU (the path
        /// depends on the geometry alone).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private double ForwardFours(ReadOnlySpan<double> w, ReadOnlySpan<double> a, ReadOnlySpan<double> x, Span<double> z, out int done)
        {
            int[] starts = OneRunStarts!;
            int blocks = R / 4;
            ref double px = ref MemoryMarshal.GetReference(x);
            ref double pw = ref MemoryMarshal.GetReference(w);
            ref double pa = ref MemoryMarshal.GetReference(a);
            ref double pz = ref MemoryMarshal.GetReference(z);
            Vector256<double> alpha = Vector256.Create(Activation.Alpha), sum0 = Vector256<double>.Zero, sum1 = Vector256<double>.Zero;
            int j = 0;
            for (; j + 8 <= K; j += 8)
            {
                Vector256<double> z0 = VectorMath.Dots4(ref px, ref pw, starts.AsSpan(j, 4), blocks);
                Vector256<double> z1 = VectorMath.Dots4(ref px, ref pw, starts.AsSpan(j + 4, 4), blocks);
                z0.StoreUnsafe(ref pz, (nuint)j);
                z1.StoreUnsafe(ref pz, (nuint)(j + 4));
                sum0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)j), Vector256.Max(z0, alpha * z0), sum0);
                sum1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)(j + 4)), Vector256.Max(z1, alpha * z1), sum1);
            }
            if (j + 4 <= K)
            {
                Vector256<double> z0 = VectorMath.Dots4(ref px, ref pw, starts.AsSpan(j, 4), blocks);
                z0.StoreUnsafe(ref pz, (nuint)j);
                sum0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)j), Vector256.Max(z0, alpha * z0), sum0);
                j += 4;
            }
            done = j;
            return Vector256.Sum(sum0 + sum1);
        }

        /// <summary>Each patch's start when every patch is one run of all r taps; else null.</summary>
        private static int[]? FindSingleRunStarts(PatchRuns runs, int r, int k)
        {
            var starts = new int[k];
            for (int j = 0; j < k; j++)
            {
                int n = runs.First[j];
                if (runs.First[j + 1] != n + 1 || runs.Tap[n] != 0 || runs.Length[n] != r)
                    return null;
                starts[j] = runs.Start[n];
            }
            return starts;
        }
    }
}
