using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
}
