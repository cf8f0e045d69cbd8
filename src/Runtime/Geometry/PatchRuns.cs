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

    /// <summary>
    /// Counts the runs first and then fills arrays of exactly that length: 4·(k + 1) + 12·runs
    /// bytes and nothing else (growing lists allocated about 3x that, which the CLI's size guard
    /// did not count; found by fuzzing, docs/RELIABILITY.md).
    /// </summary>
    public static PatchRuns Build(int r, int k, int[] indices)
    {
        int runs = 0;
        for (int j = 0; j < k; j++)
        {
            for (int t = 0; t < r; t++)
            {
                if (t == 0 || indices[j * r + t] != indices[j * r + t - 1] + 1)
                    runs++;
            }
        }
        var first = new int[k + 1];
        var start = new int[runs];
        var tap = new int[runs];
        var length = new int[runs];
        int n = 0;
        for (int j = 0; j < k; j++)
        {
            first[j] = n;
            for (int t = 0; t < r; t++)
            {
                int index = indices[j * r + t];
                if (t > 0 && index == indices[j * r + t - 1] + 1)
                {
                    length[n - 1]++;
                    continue;
                }
                start[n] = index;
                tap[n] = t;
                length[n] = 1;
                n++;
            }
        }
        first[k] = n;
        return new PatchRuns(first, start, tap, length);
    }
}
