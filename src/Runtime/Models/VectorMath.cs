using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Convotron;

/// <summary>
/// Dot products and multiply-adds in one fixed order of operations on every CPU, so that a model, a
/// learner and a data set give the same bits on AVX-512, AVX2, Vector128-only and scalar hardware.
/// Every model and learner of the library sums through these; generated models call them too.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Dot"/> is defined as: two accumulators of four lanes, block b of four products (i = 4b .. 4b + 3)
/// fused-multiply-added into accumulator b mod 2, lane i mod 4; then the lanes of their sum added as
/// (l0 + l1) + (l2 + l3); then the n mod 4 remaining products fused-multiply-added one by one. AVX2 and
/// AVX-512 machines compute this with Vector256, Vector128-only machines with pairs of Vector128, others
/// lane by lane: the same IEEE operations, so the same result. (A library dot product, such as
/// TensorPrimitives.Dot, sums in the order of the widest vector the machine has.)
/// </para>
/// <para>
/// Multiply-adds are element-wise and fused everywhere (vector body and scalar tail alike), so their width
/// does not change a bit. Lengths are short in this library (r is often 2 to 64): these are inlined loops,
/// cheaper than a library call at these lengths.
/// </para>
/// </remarks>
public static class VectorMath
{
    /// <summary>Σ_i a_i b_i over i &lt; a.Length, in the fixed order described on <see cref="VectorMath"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="b"/> is shorter than <paramref name="a"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length;
        if (b.Length < n)
            ThrowShorter(nameof(b), nameof(a));
        ref double pa = ref MemoryMarshal.GetReference(a);
        ref double pb = ref MemoryMarshal.GetReference(b);
        int i = 0;
        double sum = 0.0;
        if (n >= 4)
        {
            if (Vector256.IsHardwareAccelerated || !Vector128.IsHardwareAccelerated)
            {
                Vector256<double> acc0 = Vector256<double>.Zero, acc1 = Vector256<double>.Zero;
                for (; i + 8 <= n; i += 8)
                {
                    acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i), acc0);
                    acc1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)(i + 4)), Vector256.LoadUnsafe(ref pb, (nuint)(i + 4)), acc1);
                }
                if (i + 4 <= n)
                {
                    acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref pa, (nuint)i), Vector256.LoadUnsafe(ref pb, (nuint)i), acc0);
                    i += 4;
                }
                sum = Vector256.Sum(acc0 + acc1);
            }
            else
            {
                // The same lanes as two Vector128 halves each: lanes 0-1 and 2-3.
                Vector128<double> acc0Low = Vector128<double>.Zero, acc0High = Vector128<double>.Zero;
                Vector128<double> acc1Low = Vector128<double>.Zero, acc1High = Vector128<double>.Zero;
                for (; i + 8 <= n; i += 8)
                {
                    acc0Low = Fma128(ref pa, ref pb, i, acc0Low);
                    acc0High = Fma128(ref pa, ref pb, i + 2, acc0High);
                    acc1Low = Fma128(ref pa, ref pb, i + 4, acc1Low);
                    acc1High = Fma128(ref pa, ref pb, i + 6, acc1High);
                }
                if (i + 4 <= n)
                {
                    acc0Low = Fma128(ref pa, ref pb, i, acc0Low);
                    acc0High = Fma128(ref pa, ref pb, i + 2, acc0High);
                    i += 4;
                }
                Vector128<double> low = acc0Low + acc1Low, high = acc0High + acc1High;
                sum = (low.GetElement(0) + low.GetElement(1)) + (high.GetElement(0) + high.GetElement(1));
            }
        }
        for (; i < n; i++)
            sum = Math.FusedMultiplyAdd(Unsafe.Add(ref pa, i), Unsafe.Add(ref pb, i), sum);
        return sum;
    }

    /// <summary>‖x‖ = √(x · x), in <see cref="Dot"/>'s order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Norm(ReadOnlySpan<double> x) => Math.Sqrt(Dot(x, x));

    /// <summary>target_i += scale · x_i for i &lt; x.Length, each a fused multiply-add.</summary>
    /// <exception cref="ArgumentException"><paramref name="target"/> is shorter than <paramref name="x"/>.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(double scale, ReadOnlySpan<double> x, Span<double> target)
    {
        int n = x.Length;
        if (target.Length < n)
            ThrowShorter(nameof(target), nameof(x));
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
            Unsafe.Add(ref pt, i) = Math.FusedMultiplyAdd(Unsafe.Add(ref px, i), scale, Unsafe.Add(ref pt, i));
    }

    /// <summary>
    /// Element i is w · x[start_i .. start_i + 4·blocks) for the four patches starting at
    /// <paramref name="starts"/>[0..4): each patch's products in one Vector256 chain, the four summed
    /// across lanes together by a transposing add tree, each as (l0 + l1) + (l2 + l3). The caller
    /// checks the bounds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> Dots4(ref double x, ref double w, ReadOnlySpan<int> starts, int blocks)
    {
        Vector256<double> v0 = default, v1 = default, v2 = default, v3 = default;
        int s0 = starts[0], s1 = starts[1], s2 = starts[2], s3 = starts[3];
        for (int c = 0; c < blocks; c++)
        {
            int o = 4 * c;
            Vector256<double> wc = Vector256.LoadUnsafe(ref w, (nuint)o);
            v0 = Vector256.FusedMultiplyAdd(wc, Vector256.LoadUnsafe(ref x, (nuint)(s0 + o)), v0);
            v1 = Vector256.FusedMultiplyAdd(wc, Vector256.LoadUnsafe(ref x, (nuint)(s1 + o)), v1);
            v2 = Vector256.FusedMultiplyAdd(wc, Vector256.LoadUnsafe(ref x, (nuint)(s2 + o)), v2);
            v3 = Vector256.FusedMultiplyAdd(wc, Vector256.LoadUnsafe(ref x, (nuint)(s3 + o)), v3);
        }
        return Sums4(v0, v1, v2, v3);
    }

    /// <summary>
    /// Element i is the sum of v{i}'s lanes, (l0 + l1) + (l2 + l3): with AVX a transposing add tree of two
    /// levels (unpacks, then 128-bit permutes), the generated kernels' form; else one Vector256.Sum per
    /// vector, which adds in the same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> Sums4(Vector256<double> v0, Vector256<double> v1, Vector256<double> v2, Vector256<double> v3)
    {
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported)
        {
            // [a01 b01 a23 b23] from a = v0, b = v1, and [c01 d01 c23 d23]
            Vector256<double> p01 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(v0, v1) + System.Runtime.Intrinsics.X86.Avx.UnpackHigh(v0, v1);
            Vector256<double> p23 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(v2, v3) + System.Runtime.Intrinsics.X86.Avx.UnpackHigh(v2, v3);
            // [a b c d]: the low 128 bits of both plus the high 128 bits of both
            return System.Runtime.Intrinsics.X86.Avx.Permute2x128(p01, p23, 0x20) + System.Runtime.Intrinsics.X86.Avx.Permute2x128(p01, p23, 0x31);
        }
        return Vector256.Create(Vector256.Sum(v0), Vector256.Sum(v1), Vector256.Sum(v2), Vector256.Sum(v3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Fma128(ref double a, ref double b, int i, Vector128<double> acc) =>
        Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref a, (nuint)i), Vector128.LoadUnsafe(ref b, (nuint)i), acc);

    private static void ThrowShorter(string shorter, string other) =>
        throw new ArgumentException($"{shorter} is shorter than {other}.", shorter);
}
