using System;
using System.Runtime.CompilerServices;

namespace Convotron;

/// <summary>
/// Standard normal draws by Marsaglia &amp; Tsang's ziggurat (2000) with 256 layers, in
/// Doornik's double-precision form: about 99% of draws cost one 64-bit random number, a
/// table lookup, a multiply and a compare; the rest fall to the exact wedge test or to
/// Marsaglia's tail method, so the distribution is exact (not an approximation).
/// </summary>
internal static class Ziggurat
{
    private const int Layers = 256;
    private const double R = 3.6541528853610088;      // start of the tail
    private const double V = 0.00492867323399;        // area of each layer

    // X[0] = V / f(R) (the base strip's width), X[1] = R, decreasing to X[256] = 0; F[i] = f(X[i]).
    private static readonly double[] X = BuildX();
    private static readonly double[] F = Array.ConvertAll(X, Density);

    /// <summary>Fills <paramref name="destination"/> with independent N(0, 1) draws.</summary>
    public static void Fill(Xoshiro256StarStar random, Span<double> destination)
    {
        Xoshiro256StarStar.State state = random._state;
        double[] x = X;
        for (int i = 0; i < destination.Length; i++)
        {
            ulong bits = state.Next();
            int layer = (int)(bits & (Layers - 1));
            double candidate = ((bits >> 11) * (1.0 / (1UL << 53))) * x[layer];
            // The sign goes in branch-free (bit 8 moved to the sign bit): a 50/50 branch would mispredict half the time.
            destination[i] = candidate < x[layer + 1]
                ? BitConverter.UInt64BitsToDouble(BitConverter.DoubleToUInt64Bits(candidate) ^ ((bits & 0x100) << 55))
                : Slow(ref state, bits);
        }
        random._state = state;
    }

    /// <summary>The draw for <paramref name="bits"/> when it may fall outside its layer's rectangle, and the retries.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double Slow(ref Xoshiro256StarStar.State random, ulong bits)
    {
        while (true)
        {
            int layer = (int)(bits & (Layers - 1));
            // Bit 8 is the sign; the top 53 bits are the uniform; they share no bits.
            double u = (bits >> 11) * (1.0 / (1UL << 53));
            double x = u * X[layer];
            if (x < X[layer + 1])
                return (bits & 0x100) == 0 ? x : -x;
            if (layer == 0)
                return (bits & 0x100) == 0 ? Tail(ref random) : -Tail(ref random);
            double y = F[layer + 1] + random.NextDouble() * (F[layer] - F[layer + 1]);
            if (y < Density(x))
                return (bits & 0x100) == 0 ? x : -x;
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

    private static double Density(double x) => Math.Exp(-0.5 * x * x);

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
