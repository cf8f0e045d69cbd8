using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Convotron;

/// <summary>
/// The xoshiro256** generator (Blackman &amp; Vigna 2018): 256 bits of state, period 2^256 − 1,
/// a few nanoseconds per 64-bit draw. Seeded through SplitMix64, so any 64-bit seed (including 0)
/// gives a well-mixed state; <see cref="ForStream"/> derives independent streams from one seed,
/// which is how learners stay deterministic whatever the thread count.
/// </summary>
/// <remarks>
/// Not thread-safe: give each thread its own stream. Bulk draws (<see cref="NextDoubles"/> and the
/// samplers of <see cref="InputDistribution"/>) come from eight further streams stepped in vector
/// lanes, jumped 2^128 draws apart from this one when the first bulk draw is made; the lane
/// layout is fixed, so the draws are the same whatever the vector width of the machine.
/// </remarks>
public sealed class Xoshiro256StarStar
{
    // The state lives in a struct so bulk samplers can copy it into locals (registers) for a
    // loop and write it back once, instead of loading and storing four fields per draw.
    internal State _state;

    // The eight bulk lanes (see Lanes), made on the first bulk draw by jumping _state.
    private ulong[]? _lanes;

    /// <summary>The bulk lanes, jumped off this generator's state on first use.</summary>
    internal ulong[] BulkLanes => _lanes ??= Lanes.Create(ref _state);

    internal struct State
    {
        public ulong S0, S1, S2, S3;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Next()
        {
            ulong result = BitOperations.RotateLeft(S1 * 5, 7) * 9;
            ulong t = S1 << 17;
            S2 ^= S0;
            S3 ^= S1;
            S1 ^= S2;
            S0 ^= S3;
            S2 ^= t;
            S3 = BitOperations.RotateLeft(S3, 45);
            return result;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double NextDoubleNonZero() => ((Next() >> 11) + 1) * (1.0 / (1UL << 53));

        /// <summary>Advances the state by 2^128 draws (Blackman &amp; Vigna's jump polynomial).</summary>
        public void Jump()
        {
            ReadOnlySpan<ulong> polynomial = [0x180EC6D33CFD0ABAUL, 0xD5A61266F0C9392CUL, 0xA9582618E03FC9AAUL, 0x39ABDC4529B1661CUL];
            ulong s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            foreach (ulong word in polynomial)
            {
                for (int bit = 0; bit < 64; bit++)
                {
                    if ((word & (1UL << bit)) != 0)
                    {
                        s0 ^= S0;
                        s1 ^= S1;
                        s2 ^= S2;
                        s3 ^= S3;
                    }
                    Next();
                }
            }
            S0 = s0;
            S1 = s1;
            S2 = s2;
            S3 = s3;
        }
    }

    /// <summary>A generator whose state is SplitMix64 expanded from <paramref name="seed"/>.</summary>
    public Xoshiro256StarStar(ulong seed)
    {
        ulong x = seed;
        _state.S0 = SplitMix64(ref x);
        _state.S1 = SplitMix64(ref x);
        _state.S2 = SplitMix64(ref x);
        _state.S3 = SplitMix64(ref x);
    }

    /// <summary>A generator with exactly this state (for checking against the reference implementation).</summary>
    internal static Xoshiro256StarStar FromState(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        var random = new Xoshiro256StarStar(0);
        random._state = new State { S0 = s0, S1 = s1, S2 = s2, S3 = s3 };
        return random;
    }

    /// <summary>
    /// Stream <paramref name="stream"/> of <paramref name="seed"/>: a generator seeded by a hash
    /// of both, so streams of one seed (training data, test data, noise, initialisation, sweep
    /// cells) never share state.
    /// </summary>
    public static Xoshiro256StarStar ForStream(ulong seed, ulong stream)
    {
        ulong x = seed ^ 0x6A09E667F3BCC909UL;
        ulong mixed = SplitMix64(ref x);
        x = mixed ^ (stream * 0xBB67AE8584CAA73BUL + 0x3C6EF372FE94F82BUL);
        return new Xoshiro256StarStar(SplitMix64(ref x));
    }

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64() => _state.Next();

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in (0, 1]: never 0, so its logarithm is finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDoubleNonZero() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>
    /// Fills <paramref name="destination"/> with uniform doubles in [0, 1) on the grid of 2^−52
    /// (52 random bits each), drawn from the bulk lanes.
    /// </summary>
    public void NextDoubles(Span<double> destination) => BulkDraws.Uniform(BulkLanes, destination, -1.0, 1.0);

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) without modulo bias (Lemire's method).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bound"/> is 0.</exception>
    public ulong NextUInt64(ulong bound)
    {
        if (bound == 0)
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "bound must be at least 1.");
        ulong high = Math.BigMul(NextUInt64(), bound, out ulong low);
        if (low < bound)
        {
            ulong threshold = (0 - bound) % bound;
            while (low < threshold)
                high = Math.BigMul(NextUInt64(), bound, out low);
        }
        return high;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
