using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Convotron;

/// <summary>
/// Dot products and multiply-adds for the short runs of a patch (r is often 2 to 64). A library
/// call costs more than the arithmetic at these lengths, so these are inlined vector loops with a
/// scalar tail; lengths below one vector are plain scalar code.
/// </summary>
internal static class SpanKernels
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length;
        ref double pa = ref MemoryMarshal.GetReference(a);
        ref double pb = ref MemoryMarshal.GetReference(b);
        int i = 0;
        double sum = 0.0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<double>.Count)
        {
            Vector512<double> acc = Vector512<double>.Zero;
            for (; i <= n - Vector512<double>.Count; i += Vector512<double>.Count)
                acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref pa, (nuint)i), Vector512.LoadUnsafe(ref pb, (nuint)i), acc);
            sum = Vector512.Sum(acc);
        }
        if (Vector256.IsHardwareAccelerated && n - i >= Vector256<double>.Count)
        {
            Vector256<double> acc = Vector256<double>.Zero;
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
                acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i), acc);
            sum += Vector256.Sum(acc);
        }
        for (; i < n; i++)
            sum += Unsafe.Add(ref pa, i) * Unsafe.Add(ref pb, i);
        return sum;
    }

    /// <summary>target += scale · x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(double scale, ReadOnlySpan<double> x, Span<double> target)
    {
        int n = x.Length;
        if (target.Length < n)
            throw new ArgumentException("target is shorter than x.", nameof(target));
        ref double px = ref MemoryMarshal.GetReference(x);
        ref double pt = ref MemoryMarshal.GetReference(target);
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<double>.Count)
        {
            Vector512<double> s = Vector512.Create(scale);
            for (; i <= n - Vector512<double>.Count; i += Vector512<double>.Count)
            {
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref px, (nuint)i), s, Vector512.LoadUnsafe(ref pt, (nuint)i))
                    .StoreUnsafe(ref pt, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated && n - i >= Vector256<double>.Count)
        {
            Vector256<double> s = Vector256.Create(scale);
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref px, (nuint)i), s, Vector256.LoadUnsafe(ref pt, (nuint)i))
                    .StoreUnsafe(ref pt, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref pt, i) += scale * Unsafe.Add(ref px, i);
    }

    /// <summary>
    /// Element i is w · x[start_i .. start_i + 8·chunks) for the eight patches starting at
    /// <paramref name="starts"/>[0..8): each patch's products in one vector, the eight summed
    /// across lanes together (<see cref="Sums8"/>). The caller checks the bounds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Dots8(ref double x, ref double w, ReadOnlySpan<int> starts, int chunks)
    {
        Vector512<double> v0 = default, v1 = default, v2 = default, v3 = default, v4 = default, v5 = default, v6 = default, v7 = default;
        int s0 = starts[0], s1 = starts[1], s2 = starts[2], s3 = starts[3], s4 = starts[4], s5 = starts[5], s6 = starts[6], s7 = starts[7];
        for (int c = 0; c < chunks; c++)
        {
            int o = 8 * c;
            Vector512<double> wc = Vector512.LoadUnsafe(ref w, (nuint)o);
            v0 = Vector512.FusedMultiplyAdd(wc, Vector512.LoadUnsafe(ref x, (nuint)(s0 + o)), v0);
            v1 = Vector512.FusedMultiplyAdd(wc, Vector512.LoadUnsafe(ref x, (nuint)(s1 + o)), v1);
            v2 = Vector512.FusedMultiplyAdd(wc, Vector512.LoadUnsafe(ref x, (nuint)(s2 + o)), v2);
            v3 = Vector512.FusedMultiplyAdd(wc, Vector512.LoadUnsafe(ref x, (nuint)(s3 + o)), v3);
            v4 = Vector512.FusedMultiplyAdd(wc, Vector512.LoadUnsafe(ref x, (nuint)(s4 + o)), v4);
            v5 = Vector512.FusedMultiplyAdd(wc, Vector512.LoadUnsafe(ref x, (nuint)(s5 + o)), v5);
            v6 = Vector512.FusedMultiplyAdd(wc, Vector512.LoadUnsafe(ref x, (nuint)(s6 + o)), v6);
            v7 = Vector512.FusedMultiplyAdd(wc, Vector512.LoadUnsafe(ref x, (nuint)(s7 + o)), v7);
        }
        return Sums8(v0, v1, v2, v3, v4, v5, v6, v7);
    }

    /// <summary>
    /// Element i is the sum of v{i}'s lanes: a transposing add tree of 3 levels (unpacks, then
    /// 128-bit shuffles), the generated kernels' form; one horizontal sum per vector without AVX-512.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Sums8(Vector512<double> v0, Vector512<double> v1, Vector512<double> v2, Vector512<double> v3,
        Vector512<double> v4, Vector512<double> v5, Vector512<double> v6, Vector512<double> v7)
    {
        if (Avx512F.IsSupported)
        {
            // [a01 b01 a23 b23 a45 b45 a67 b67] from a = v0, b = v1 (and likewise for the other pairs)
            Vector512<double> p01 = Avx512F.UnpackLow(v0, v1) + Avx512F.UnpackHigh(v0, v1);
            Vector512<double> p23 = Avx512F.UnpackLow(v2, v3) + Avx512F.UnpackHigh(v2, v3);
            Vector512<double> p45 = Avx512F.UnpackLow(v4, v5) + Avx512F.UnpackHigh(v4, v5);
            Vector512<double> p67 = Avx512F.UnpackLow(v6, v7) + Avx512F.UnpackHigh(v6, v7);
            // 128-bit lanes 0, 2 and 1, 3 of each pair: [a0123 b0123 a4567 b4567 c0123 d0123 c4567 d4567]
            Vector512<double> q0 = Avx512F.Shuffle4x128(p01, p23, 0x88) + Avx512F.Shuffle4x128(p01, p23, 0xDD);
            Vector512<double> q1 = Avx512F.Shuffle4x128(p45, p67, 0x88) + Avx512F.Shuffle4x128(p45, p67, 0xDD);
            // [a b c d e f g h]
            return Avx512F.Shuffle4x128(q0, q1, 0x88) + Avx512F.Shuffle4x128(q0, q1, 0xDD);
        }
        return Vector512.Create(Vector512.Sum(v0), Vector512.Sum(v1), Vector512.Sum(v2), Vector512.Sum(v3),
            Vector512.Sum(v4), Vector512.Sum(v5), Vector512.Sum(v6), Vector512.Sum(v7));
    }
}
