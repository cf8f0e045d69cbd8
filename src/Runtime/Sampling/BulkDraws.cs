using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Convotron;

/// <summary>
/// Uniform and Rademacher draws filled from the bulk lanes (<see cref="Lanes"/>), vectorised.
/// Every path performs the same IEEE operations on the same words (a bit-built double in [1, 2),
/// one add, one multiply, never fused), so vector and scalar results are bit-identical.
/// </summary>
internal static class BulkDraws
{
    private const ulong One = 0x3FF0000000000000UL;

    /// <summary>The double in [1, 2) whose 52 mantissa bits are the top 52 bits of <paramref name="bits"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double OneToTwo(ulong bits) => BitConverter.UInt64BitsToDouble((bits >> 12) | One);

    /// <summary>
    /// Fills <paramref name="destination"/> with (v + <paramref name="offset"/>)·<paramref name="scale"/>,
    /// v uniform on the 2^−52 grid of [1, 2), one lane word per coordinate. With an offset in
    /// [−2, −0.5] the add is exact (Sterbenz), so only the multiply rounds: an interval symmetric
    /// about 0 before scaling stays within ±scale·max|v + offset| after.
    /// </summary>
    public static void Uniform(ulong[] lanes, Span<double> destination, double offset, double scale, Lanes.Path path = Lanes.Path.Best)
        => Lanes.Fill(lanes, MemoryMarshal.Cast<double, ulong>(destination), new UniformMap(offset, scale), path);

    /// <summary>
    /// The uniform's conversion, applied to each lane word as it is stepped (one pass, one store):
    /// the same bit-built double, add and multiply in every width.
    /// </summary>
    private readonly struct UniformMap(double offset, double scale) : Lanes.IWordMap
    {
        private readonly double _offset = offset, _scale = scale;

        public Vector512<ulong> Map(Vector512<ulong> words)
            => ((((words >>> 12) | Vector512.Create(One)).AsDouble() + Vector512.Create(_offset)) * Vector512.Create(_scale)).AsUInt64();

        public Vector256<ulong> Map(Vector256<ulong> words)
            => ((((words >>> 12) | Vector256.Create(One)).AsDouble() + Vector256.Create(_offset)) * Vector256.Create(_scale)).AsUInt64();

        public ulong Map(ulong word) => BitConverter.DoubleToUInt64Bits((OneToTwo(word) + _offset) * _scale);
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with independent ±1. Each row of eight lane words
    /// serves 512 coordinates: coordinate 512·b + 8·t + l is bit t of lane l's word of row b.
    /// </summary>
    public static void Rademacher(ulong[] lanes, Span<double> destination, Lanes.Path path = Lanes.Path.Best)
    {
        const int PerRow = 64 * Lanes.Count;
        Span<ulong> row = stackalloc ulong[Lanes.Count];
        Lanes.Path resolved = Lanes.Resolve(path);
        ref double output = ref MemoryMarshal.GetReference(destination);
        for (int start = 0; start < destination.Length; start += PerRow)
        {
            Lanes.Fill(lanes, row, path);
            int count = Math.Min(PerRow, destination.Length - start);
            int t = 0;
            ref ulong block = ref Unsafe.As<double, ulong>(ref Unsafe.Add(ref output, start));
            if (resolved == Lanes.Path.Vector512)
            {
                Vector512<ulong> words = Vector512.Create<ulong>(row), one = Vector512.Create(One);
                for (; 8 * t + 8 <= count; t++)
                    (((words >>> t) << 63) | one).StoreUnsafe(ref block, (nuint)(8 * t));
            }
            else if (resolved == Lanes.Path.Vector256)
            {
                Vector256<ulong> low = Vector256.Create<ulong>(row[..4]), high = Vector256.Create<ulong>(row[4..]), one = Vector256.Create(One);
                for (; 8 * t + 8 <= count; t++)
                {
                    (((low >>> t) << 63) | one).StoreUnsafe(ref block, (nuint)(8 * t));
                    (((high >>> t) << 63) | one).StoreUnsafe(ref block, (nuint)(8 * t + 4));
                }
            }
            for (int j = 8 * t; j < count; j++)
                Unsafe.Add(ref block, j) = ((row[j & 7] >> (j >> 3)) << 63) | One;
        }
    }
}
