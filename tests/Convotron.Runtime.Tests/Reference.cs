using System;

namespace Convotron.Tests;

/// <summary>
/// The model's formulas written the slowest, plainest way, straight from docs/ALGORITHMS.md, with
/// patches gathered index by index: the oracle the kernels are checked against.
/// </summary>
internal static class Reference
{
    public static double Dot(PatchGeometry g, ReadOnlySpan<double> w, ReadOnlySpan<double> x, int j)
    {
        double sum = 0;
        ReadOnlySpan<int> patch = g.Patch(j);
        for (int t = 0; t < patch.Length; t++)
            sum += w[t] * x[patch[t]];
        return sum;
    }

    public static double Predict(PatchGeometry g, Activation act, ReadOnlySpan<double> w, ReadOnlySpan<double> a, ReadOnlySpan<double> x)
    {
        double f = 0;
        for (int j = 0; j < g.PatchCount; j++)
            f += a[j] * act.Apply(Dot(g, w, x, j));
        return f;
    }

    /// <summary>Σ_j a_j P_j x.</summary>
    public static double[] PooledInput(PatchGeometry g, ReadOnlySpan<double> a, ReadOnlySpan<double> x)
    {
        var u = new double[g.FilterSize];
        for (int j = 0; j < g.PatchCount; j++)
        {
            ReadOnlySpan<int> patch = g.Patch(j);
            for (int t = 0; t < patch.Length; t++)
                u[t] += a[j] * x[patch[t]];
        }
        return u;
    }

    /// <summary>Stage 1's g and h (docs/ALGORITHMS.md) with the factor c given explicitly.</summary>
    public static (double[] G, double[] H, double Residual) StageOne(PatchGeometry g, Activation act, ReadOnlySpan<double> w,
        ReadOnlySpan<double> a, ReadOnlySpan<double> x, double y, double c)
    {
        ReadOnlySpan<int> taps = g.NonOverlappingTaps;
        int k = g.PatchCount;
        var z = new double[k];
        var v = new double[taps.Length];
        double fNon = 0, wNorm2 = 0, aNorm2 = 0;
        for (int j = 0; j < k; j++)
        {
            ReadOnlySpan<int> patch = g.Patch(j);
            for (int n = 0; n < taps.Length; n++)
            {
                z[j] += w[taps[n]] * x[patch[taps[n]]];
                v[n] += a[j] * x[patch[taps[n]]];
            }
            fNon += a[j] * act.Apply(z[j]);
            aNorm2 += a[j] * a[j];
        }
        foreach (int t in taps)
            wNorm2 += w[t] * w[t];
        double e = c * (fNon - y);
        var gradW = new double[taps.Length];
        var gradA = new double[k];
        for (int n = 0; n < taps.Length; n++)
            gradW[n] = e * v[n] + 0.25 * (wNorm2 - aNorm2) * w[taps[n]];
        for (int j = 0; j < k; j++)
            gradA[j] = e * z[j] + 0.25 * (aNorm2 - wNorm2) * a[j];
        return (gradW, gradA, y - fNon);
    }

    /// <summary>The closed-form gradient of L(w_non, a) = ½‖w_non aᵀ − w*_non a*ᵀ‖² + (1/16)(‖w_non‖² − ‖a‖²)².</summary>
    public static (double[] GradW, double[] GradA) ObjectiveGradient(ReadOnlySpan<double> wNon, ReadOnlySpan<double> a,
        ReadOnlySpan<double> wStarNon, ReadOnlySpan<double> aStar)
    {
        double wNorm2 = 0, aNorm2 = 0, aDot = 0, wDot = 0;
        for (int n = 0; n < wNon.Length; n++)
        {
            wNorm2 += wNon[n] * wNon[n];
            wDot += wNon[n] * wStarNon[n];
        }
        for (int j = 0; j < a.Length; j++)
        {
            aNorm2 += a[j] * a[j];
            aDot += a[j] * aStar[j];
        }
        var gw = new double[wNon.Length];
        var ga = new double[a.Length];
        for (int n = 0; n < wNon.Length; n++)
            gw[n] = aNorm2 * wNon[n] - aDot * wStarNon[n] + 0.25 * (wNorm2 - aNorm2) * wNon[n];
        for (int j = 0; j < a.Length; j++)
            ga[j] = wNorm2 * a[j] - wDot * aStar[j] + 0.25 * (aNorm2 - wNorm2) * a[j];
        return (gw, ga);
    }

    /// <summary>T_non by brute force: tap t is kept when no coordinate P_j[t] appears in another patch.</summary>
    public static int[] NonOverlappingTapsByDefinition(PatchGeometry g)
    {
        var taps = new System.Collections.Generic.List<int>();
        for (int t = 0; t < g.FilterSize; t++)
        {
            bool alone = true;
            for (int j = 0; j < g.PatchCount && alone; j++)
            {
                int coordinate = g.Patch(j)[t];
                for (int i = 0; i < g.PatchCount && alone; i++)
                    alone = i == j || g.Patch(i).IndexOf(coordinate) < 0;
            }
            if (alone)
                taps.Add(t);
        }
        return taps.ToArray();
    }

    public static double[] Random(Xoshiro256StarStar rng, int n, double scale = 1.0)
    {
        var v = new double[n];
        InputDistribution.Gaussian.Sample(rng, v);
        for (int i = 0; i < n; i++)
            v[i] *= scale;
        return v;
    }
}
