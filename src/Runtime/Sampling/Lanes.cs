using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Convotron;

/// <summary>
/// Eight xoshiro256** streams stepped side by side, the random bits behind every bulk sampler.
/// Word i of a fill of n words is the next output of lane i mod 8 (row i / 8); a partial last row
/// still steps all eight lanes and drops the words it does not need. That layout is fixed, not
/// chosen by the hardware: two 256-bit registers step four lanes each, the scalar fallback steps
/// them one by one, and both write the same words — only integer shifts, adds and xors are involved, so the same seed gives bit-identical
/// draws on every machine and every <c>DOTNET_EnableHWIntrinsic</c> / <c>DOTNET_EnableAVX512F</c> setting.
/// </summary>
/// <remarks>
/// The state is structure-of-arrays in one array of 32 words: S0 of lanes 0–7, then S1, S2, S3.
/// The lanes are jumps of 2^128 draws apart (xoshiro256**'s jump polynomial), so they never overlap.
/// </remarks>
internal static class Lanes
{
    public const int Count = 8;

    /// <summary>Which code path steps the lanes; tests force each one to check that they agree.</summary>
    internal enum Path
    {
        Best,
        Vector512,
        Vector256,
        Scalar,
    }

    /// <summary>The path the hardware allows, or a narrower one when <paramref name="requested"/> asks for it.</summary>
    internal static Path Resolve(Path requested)
    {
        if (requested is Path.Best or Path.Vector512 && Vector512.IsHardwareAccelerated)
            return Path.Vector512;
        if (requested is not Path.Scalar && Vector256.IsHardwareAccelerated)
            return Path.Vector256;
        return Path.Scalar;
    }

    /// <summary>Eight lanes jumped 2^128 draws apart from <paramref name="state"/>, which is left jumped past all of them.</summary>
    public static ulong[] Create(ref Xoshiro256StarStar.State state)
    {
        var lanes = new ulong[4 * Count];
        for (int lane = 0; lane < Count; lane++)
        {
            lanes[lane] = state.S0;
            lanes[Count + lane] = state.S1;
            lanes[2 * Count + lane] = state.S2;
            lanes[3 * Count + lane] = state.S3;
            state.Jump();
        }
        return lanes;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with the next words of the lanes (word i from lane i mod 8);
    /// the unused words of a partial last row are dropped.
    /// </summary>
    public static void Fill(ulong[] lanes, Span<ulong> destination, Path path = Path.Best)
        => Fill(lanes, destination, default(Identity), path);

    /// <summary>
    /// A map applied to each lane word as it is written (the samplers' conversions, fused into the
    /// stepping loop so the words never make a second pass through memory). Its three forms must
    /// compute the same bits: that is what keeps the draws independent of the vector width.
    /// </summary>
    internal interface IWordMap
    {
        Vector512<ulong> Map(Vector512<ulong> words);

        Vector256<ulong> Map(Vector256<ulong> words);

        ulong Map(ulong word);
    }

    private readonly struct Identity : IWordMap
    {
        public Vector512<ulong> Map(Vector512<ulong> words) => words;

        public Vector256<ulong> Map(Vector256<ulong> words) => words;

        public ulong Map(ulong word) => word;
    }

    /// <summary><see cref="Fill(ulong[], Span{ulong}, Path)"/> with <paramref name="map"/> applied to every word written.</summary>
    public static void Fill<TMap>(ulong[] lanes, Span<ulong> destination, TMap map, Path path = Path.Best)
        where TMap : struct, IWordMap
    {
        int full = destination.Length & ~(Count - 1);
        if (full > 0)
            FillRows(lanes, destination[..full], map, Resolve(path));
        if (full < destination.Length)
            FillPartialRow(lanes, destination[full..], map, path);
    }

    // Out of line: a stackalloc in Fill itself would cost every call a zeroed frame.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FillPartialRow<TMap>(ulong[] lanes, Span<ulong> destination, TMap map, Path path)
        where TMap : struct, IWordMap
    {
        Span<ulong> row = stackalloc ulong[Count];
        FillRows(lanes, row, map, Resolve(path));
        row[..destination.Length].CopyTo(destination);
    }

    /// <summary>The lane's state, for a scalar draw of extra words (the ziggurat's slow path).</summary>
    public static Xoshiro256StarStar.State Get(ulong[] lanes, int lane) => new()
    {
        S0 = lanes[lane],
        S1 = lanes[Count + lane],
        S2 = lanes[2 * Count + lane],
        S3 = lanes[3 * Count + lane],
    };

    /// <summary>Writes a lane's state back after <see cref="Get"/>.</summary>
    public static void Set(ulong[] lanes, int lane, in Xoshiro256StarStar.State state)
    {
        lanes[lane] = state.S0;
        lanes[Count + lane] = state.S1;
        lanes[2 * Count + lane] = state.S2;
        lanes[3 * Count + lane] = state.S3;
    }

    private static void FillRows<TMap>(ulong[] lanes, Span<ulong> destination, TMap map, Path path)
        where TMap : struct, IWordMap
    {
        // AVX-512 steps all eight lanes in one register with single-instruction rotates (vprolq);
        // without it, two 256-bit registers of four lanes each use shift-or rotates.
        if (path == Path.Vector512 && Avx512F.IsSupported)
            FillRows512(lanes, destination, map);
        else if (path == Path.Scalar)
            FillRowsScalar(lanes, destination, map);
        else
            FillRows256(lanes, destination, map);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillRows512<TMap>(ulong[] lanes, Span<ulong> destination, TMap map)
        where TMap : struct, IWordMap
    {
        ref ulong state = ref MemoryMarshal.GetArrayDataReference(lanes);
        Vector512<ulong> s0 = Vector512.LoadUnsafe(ref state, 0), s1 = Vector512.LoadUnsafe(ref state, Count);
        Vector512<ulong> s2 = Vector512.LoadUnsafe(ref state, 2 * Count), s3 = Vector512.LoadUnsafe(ref state, 3 * Count);
        ref ulong output = ref MemoryMarshal.GetReference(destination);
        for (nuint i = 0; i < (nuint)destination.Length; i += Count)
        {
            Vector512<ulong> rotated = Avx512F.RotateLeft(s1 + (s1 << 2), 7);
            Vector512<ulong> t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = Avx512F.RotateLeft(s3, 45);
            map.Map(rotated + (rotated << 3)).StoreUnsafe(ref output, i);
        }
        s0.StoreUnsafe(ref state, 0);
        s1.StoreUnsafe(ref state, Count);
        s2.StoreUnsafe(ref state, 2 * Count);
        s3.StoreUnsafe(ref state, 3 * Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillRows256<TMap>(ulong[] lanes, Span<ulong> destination, TMap map)
        where TMap : struct, IWordMap
    {
        // Two registers of four lanes each: lanes 0–3 (a) and 4–7 (b).
        ref ulong state = ref MemoryMarshal.GetArrayDataReference(lanes);
        Vector256<ulong> a0 = Vector256.LoadUnsafe(ref state, 0), b0 = Vector256.LoadUnsafe(ref state, 4);
        Vector256<ulong> a1 = Vector256.LoadUnsafe(ref state, Count), b1 = Vector256.LoadUnsafe(ref state, Count + 4);
        Vector256<ulong> a2 = Vector256.LoadUnsafe(ref state, 2 * Count), b2 = Vector256.LoadUnsafe(ref state, 2 * Count + 4);
        Vector256<ulong> a3 = Vector256.LoadUnsafe(ref state, 3 * Count), b3 = Vector256.LoadUnsafe(ref state, 3 * Count + 4);
        ref ulong output = ref MemoryMarshal.GetReference(destination);
        for (nuint i = 0; i < (nuint)destination.Length; i += Count)
        {
            map.Map(Step(ref a0, ref a1, ref a2, ref a3)).StoreUnsafe(ref output, i);
            map.Map(Step(ref b0, ref b1, ref b2, ref b3)).StoreUnsafe(ref output, i + 4);
        }
        a0.StoreUnsafe(ref state, 0);
        b0.StoreUnsafe(ref state, 4);
        a1.StoreUnsafe(ref state, Count);
        b1.StoreUnsafe(ref state, Count + 4);
        a2.StoreUnsafe(ref state, 2 * Count);
        b2.StoreUnsafe(ref state, 2 * Count + 4);
        a3.StoreUnsafe(ref state, 3 * Count);
        b3.StoreUnsafe(ref state, 3 * Count + 4);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static Vector256<ulong> Step(ref Vector256<ulong> s0, ref Vector256<ulong> s1, ref Vector256<ulong> s2, ref Vector256<ulong> s3)
        {
            Vector256<ulong> times5 = s1 + (s1 << 2);
            Vector256<ulong> rotated = (times5 << 7) | (times5 >>> 57);
            Vector256<ulong> t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = (s3 << 45) | (s3 >>> 19);
            return rotated + (rotated << 3);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillRowsScalar<TMap>(ulong[] lanes, Span<ulong> destination, TMap map)
        where TMap : struct, IWordMap
    {
        for (int lane = 0; lane < Count; lane++)
        {
            Xoshiro256StarStar.State state = Get(lanes, lane);
            for (int i = lane; i < destination.Length; i += Count)
                destination[i] = map.Map(state.Next());
            Set(lanes, lane, state);
        }
    }
}
