using System;
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Convotron;

/// <summary>
/// Standard normal draws by Marsaglia &amp; Tsang's ziggurat (2000) with 1,024 layers, in
/// Doornik's double-precision form: 99.57 % of draws cost one 64-bit random number, a table
/// lookup, a multiply and a compare (the random words come eight at a time from vector lanes);
/// the rest fall to the exact wedge test or to Marsaglia's tail method, so the distribution is
/// exact (not an approximation).
/// </summary>
/// <remarks>
/// 1,024 layers rather than the usual 256: the share of draws that leave their layer's rectangle
/// (each a slow path and usually a mispredicted branch) falls from 1.49 % to 0.43 %, for an 8 KB
/// table of layer bounds that still sits in L1. The constants R and V solve the equal-area
/// conditions for 1,024 layers (the top layer's area equals V to 1e−12 relative when the table is
/// built in double precision; <c>ZigguratLayersHaveEqualAreas</c> checks every layer).
/// </remarks>
internal static class Ziggurat
{
    // Bits 0–9 of a word are the layer, bit 10 the sign, the top 52 the uniform (bit 11 is unused).
    internal const int LayerBits = 10;
    internal const int Layers = 1 << LayerBits;
    internal const ulong SignBit = 1UL << LayerBits;

    // R, where the tail starts, and V, the area of each layer under f(x) = e^(−x²/2) (the base
    // strip's rectangle plus the tail beyond R): the root of the equal-area recursion below with
    // X[1024] = 0, found by bisection in 50-digit arithmetic (both written to more digits than a double holds).
    internal const double R = 4.0388498461095045227;
    private const double V = 0.0012263246463530880729;

    // X[0] = V / f(R) (the base strip's width), X[1] = R, decreasing to X[Layers] = 0; F[i] = f(X[i]).
    private static readonly double[] X = BuildX();
    private static readonly double[] F = Array.ConvertAll(X, Density);

    // On layer l's wedge, x in [X[l+1], X[l]], with dx = X[l] − x: F[l] + Below[l]·dx ≤ f(x) ≤ F[l] + Above[l]·dx.
    // f is convex beyond 1 and concave below it, so the chord through the wedge's corners and the
    // tangent at X[l] (slope F[l]·X[l] in dx) bound it, one from each side; the layer that holds
    // x = 1 uses f's range there instead (F[l] below, nothing above).
    private const double SqueezeMargin = 1e-12;
    private static readonly double[] Below = BuildSqueeze(above: false);
    private static readonly double[] Above = BuildSqueeze(above: true);

    /// <summary>
    /// Fills <paramref name="destination"/> with independent N(0, 1) draws: coordinate i starts
    /// from the i-th word of the bulk lanes (<see cref="Lanes"/>, lane i mod 8), written in place
    /// into the destination, then transformed; a draw that falls outside its layer's rectangle
    /// continues on its own lane's stream after the fill's words. The transform is the same
    /// scalar code whatever the vector width, so the draws are too.
    /// </summary>
    public static void Fill(Xoshiro256StarStar random, Span<double> destination, Lanes.Path path = Lanes.Path.Best)
    {
        ulong[] lanes = random.BulkLanes;
        Span<ulong> bits = MemoryMarshal.Cast<double, ulong>(destination);
        Lanes.Fill(lanes, bits, path);
        Transform(lanes, bits, path);
    }

    /// <summary>Turns the lane words in <paramref name="bits"/> into N(0, 1) draws in place (the second half of <see cref="Fill"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Transform(ulong[] lanes, Span<ulong> bits, Lanes.Path path)
    {
        int i = 0;
        if (Lanes.Resolve(path) != Lanes.Path.Scalar && Avx.IsSupported)
            i = Transform256(lanes, bits);
        ref double x = ref MemoryMarshal.GetArrayDataReference(X);
        ref ulong word = ref MemoryMarshal.GetReference(bits);
        for (; i < bits.Length; i++)
        {
            ulong b = Unsafe.Add(ref word, i);
            int layer = (int)(b & (Layers - 1));
            double candidate = (BulkDraws.OneToTwo(b) - 1.0) * Unsafe.Add(ref x, layer);
            // The sign goes in branch-free (the sign bit moved to bit 63): a 50/50 branch would mispredict half the time.
            if (candidate < Unsafe.Add(ref x, layer + 1))
                Unsafe.Add(ref word, i) = BitConverter.DoubleToUInt64Bits(candidate) ^ SignToTop(b);
            else
                Unsafe.Add(ref word, i) = BitConverter.DoubleToUInt64Bits(SlowOnLane(lanes, i & (Lanes.Count - 1), b));
        }
    }

    /// <summary>
    /// The scalar loop of <see cref="Fill"/> four words at a time: the same operations on the
    /// same words, so the same doubles. Blocks of up to 64 words go through
    /// <see cref="FastBlock256"/>, which has no call in its loop (so the JIT keeps its constants
    /// and counters in registers) and returns the rejected words as a bit mask; their slow paths
    /// then run in ascending order, as in the scalar loop. Every slow path uses only its own
    /// lane's state after the whole fill, so deferring them within the block changes no draw.
    /// Returns how many words it transformed (a multiple of 4).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Transform256(ulong[] lanes, Span<ulong> bits)
    {
        ref double x = ref MemoryMarshal.GetArrayDataReference(X);
        ref ulong word = ref MemoryMarshal.GetReference(bits);
        int end = bits.Length & ~3;
        for (int start = 0; start < end; start += 64)
        {
            ref ulong block = ref Unsafe.Add(ref word, start);
            ulong rejected = FastBlock256(ref block, Math.Min(64, end - start), ref x);
            while (rejected != 0)
            {
                int j = BitOperations.TrailingZeroCount(rejected);
                rejected &= rejected - 1;
                // The word was left as it came from the lanes: the slow path starts from its bits.
                ref ulong w = ref Unsafe.Add(ref block, j);
                w = BitConverter.DoubleToUInt64Bits(SlowOnLane(lanes, (start + j) & (Lanes.Count - 1), w));
            }
        }
        return end;
    }

    /// <summary>
    /// The fast path on <paramref name="count"/> (a multiple of 4, at most 64) words: each accepted
    /// word becomes its draw; a rejected one keeps its bits and sets its bit in the returned mask.
    /// The two bounds of a layer, X[l] and X[l + 1], sit side by side in <see cref="X"/> itself, so
    /// one 16-byte load at X[l] fetches both (the address is the layer times 8, one AND and a scaled
    /// index), and two unpacks turn four such loads into the vectors of X[l] and X[l + 1] (AVX2's
    /// gathers measured slower on this AMD core, and so did the same loads in 512-bit registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong FastBlock256(ref ulong block, int count, ref double x)
    {
        Vector256<ulong> one = Vector256.Create(0x3FF0000000000000UL), signBit = Vector256.Create(SignBit);
        ulong accepted = 0;
        for (int i = 0; i < count; i += 4)
        {
            ref ulong w = ref Unsafe.Add(ref block, i);
            Vector256<double> first = Vector256.Create(Pair(ref x, w), Pair(ref x, Unsafe.Add(ref w, 2)));
            Vector256<double> second = Vector256.Create(Pair(ref x, Unsafe.Add(ref w, 1)), Pair(ref x, Unsafe.Add(ref w, 3)));
            Vector256<ulong> b = Vector256.LoadUnsafe(ref w);
            Vector256<double> candidate = (((b >>> 12) | one).AsDouble() - Vector256<double>.One) * Avx.UnpackLow(first, second);
            Vector256<double> inside = Vector256.LessThan(candidate, Avx.UnpackHigh(first, second));
            // Accepted lanes take the draw (the sign bit moved to bit 63), rejected ones keep b.
            Vector256.ConditionalSelect(inside.AsUInt64(), candidate.AsUInt64() ^ ((b & signBit) << (63 - LayerBits)), b).StoreUnsafe(ref w);
            accepted |= (ulong)inside.ExtractMostSignificantBits() << i;
        }
        return ~accepted & (ulong.MaxValue >> (64 - count));
    }

    /// <summary>The word's sign bit moved to bit 63, to be xored into a draw's bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SignToTop(ulong word) => (word & SignBit) << (63 - LayerBits);

    /// <summary>X[l] and X[l + 1] of the layer in <paramref name="word"/>'s low <see cref="LayerBits"/> bits, in one 16-byte load.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Pair(ref double x, ulong word) => Vector128.LoadUnsafe(ref x, (nuint)(word & (Layers - 1)));

    /// <summary>One N(0, 1) draw from the generator's own (scalar) stream.</summary>
    public static double Next(ref Xoshiro256StarStar.State random)
    {
        ulong b = random.Next();
        int layer = (int)(b & (Layers - 1));
        double candidate = (BulkDraws.OneToTwo(b) - 1.0) * X[layer];
        return candidate < X[layer + 1]
            ? BitConverter.UInt64BitsToDouble(BitConverter.DoubleToUInt64Bits(candidate) ^ SignToTop(b))
            : Slow(ref random, b);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double SlowOnLane(ulong[] lanes, int lane, ulong bits)
    {
        Xoshiro256StarStar.State state = Lanes.Get(lanes, lane);
        double value = Slow(ref state, bits);
        Lanes.Set(lanes, lane, state);
        return value;
    }

    /// <summary>The draw for <paramref name="bits"/> when it may fall outside its layer's rectangle, and the retries.</summary>
    private static double Slow(ref Xoshiro256StarStar.State random, ulong bits)
    {
        while (true)
        {
            int layer = (int)(bits & (Layers - 1));
            // Bits 0–9 are the layer, bit 10 the sign, the top 52 bits the uniform; they share no bits.
            double x = (BulkDraws.OneToTwo(bits) - 1.0) * X[layer];
            if (x < X[layer + 1])
                return (bits & SignBit) == 0 ? x : -x;
            if (layer == 0)
                return (bits & SignBit) == 0 ? Tail(ref random) : -Tail(ref random);
            double y = F[layer + 1] + random.NextDouble() * (F[layer] - F[layer + 1]);
            // Squeeze: lines below and above f on the wedge settle most draws without Math.Exp;
            // only y between them (by a relative margin far above rounding) takes the exact test,
            // so every decision, and every draw, is the one y < f(x) gives.
            (double below, double above) = Squeeze(layer, x);
            bool accept = y < below ? true : y >= above ? false : y < Density(x);
            if (accept)
                return (bits & SignBit) == 0 ? x : -x;
            bits = random.Next();
        }
    }

    private static double Tail(ref Xoshiro256StarStar.State random)
    {
        double a, b;
        do
        {
            a = -Math.Log(random.NextDoubleNonZero()) / R;
            b = -Math.Log(random.NextDoubleNonZero());
        }
        while (b + b < a * a);
        return R + a;
    }

    /// <summary>
    /// Bounds on f(x) for x on layer <paramref name="layer"/>'s wedge (1 ≤ layer &lt; <see cref="Layers"/>), widened by
    /// <see cref="SqueezeMargin"/>: below ≤ f(x) as <see cref="Math.Exp"/> computes it &lt; above.
    /// </summary>
    internal static (double Below, double Above) Squeeze(int layer, double x)
    {
        double dx = X[layer] - x;
        return ((F[layer] + Below[layer] * dx) * (1 - SqueezeMargin), (F[layer] + Above[layer] * dx) * (1 + SqueezeMargin));
    }

    /// <summary>The wedge of layer <paramref name="layer"/>: x from X[layer + 1] to X[layer].</summary>
    internal static (double From, double To) Wedge(int layer) => (X[layer + 1], X[layer]);

    /// <summary>The density the wedge test compares against, e^(−x²/2).</summary>
    internal static double Density(double x) => Math.Exp(-0.5 * x * x);

    private static double[] BuildSqueeze(bool above)
    {
        var slopes = new double[Layers];
        for (int layer = 1; layer < Layers; layer++)
        {
            double chord = (F[layer + 1] - F[layer]) / (X[layer] - X[layer + 1]), tangent = F[layer] * X[layer];
            bool curved = X[layer + 1] >= 1.0 || X[layer] <= 1.0;
            slopes[layer] = !curved ? (above ? double.MaxValue : 0.0)
                : above ? Math.Max(chord, tangent) : Math.Min(chord, tangent);
        }
        return slopes;
    }

    private static double[] BuildX()
    {
        var x = new double[Layers + 1];
        x[0] = V / Density(R);
        x[1] = R;
        for (int i = 1; i < Layers - 1; i++)
            x[i + 1] = Math.Sqrt(-2.0 * Math.Log(V / x[i] + Density(x[i])));
        x[Layers] = 0.0;
        return x;
    }
}
