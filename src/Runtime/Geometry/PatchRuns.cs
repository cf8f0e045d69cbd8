using System;
using System.Collections.Generic;

namespace Convotron;

/// <summary>
/// Each patch of a geometry as maximal runs of consecutive input indices that line up with
/// consecutive taps: run n of patch j reads x[Start[n] .. Start[n] + Length[n] − 1] with
/// taps Tap[n] .. Tap[n] + Length[n] − 1. A strided 1D patch is one run of length r, a 2D
/// patch rh runs of length rw; the dynamic kernels turn each run into one vectorised dot
/// product or multiply-add instead of an indexed gather.
/// </summary>
internal sealed class PatchRuns
{
    private PatchRuns(int[] first, int[] start, int[] tap, int[] length)
    {
        First = first;
        Start = start;
        Tap = tap;
        Length = length;
    }

    /// <summary>Runs of patch j are First[j] .. First[j + 1] − 1; length k + 1.</summary>
    public int[] First { get; }

    public int[] Start { get; }

    public int[] Tap { get; }

    public int[] Length { get; }

    public static PatchRuns Build(int r, int k, int[] indices)
    {
        var first = new int[k + 1];
        var start = new List<int>();
        var tap = new List<int>();
        var length = new List<int>();
        for (int j = 0; j < k; j++)
        {
            first[j] = start.Count;
            int t = 0;
            while (t < r)
            {
                int begin = t;
                int index = indices[j * r + t];
                t++;
                while (t < r && indices[j * r + t] == index + (t - begin))
                    t++;
                start.Add(index);
                tap.Add(begin);
                length.Add(t - begin);
            }
        }
        first[k] = start.Count;
        return new PatchRuns(first, start.ToArray(), tap.ToArray(), length.ToArray());
    }
}
