// The one geometry computation of Convotron. This file is compiled into the runtime
// (net10.0) and linked into the source generator (netstandard2.0), so the two can never
// disagree about k, the patch index lists or the non-overlapping taps. Keep it int-only,
// allocation-light and free of APIs newer than netstandard2.0.
#nullable enable

using System;
using System.Collections.Generic;

namespace Convotron.Geometry
{
    /// <summary>Why a geometry is invalid: the parameter, the allowed range, the value.</summary>
    internal sealed class GeometryError
    {
        public GeometryError(string parameter, string message)
        {
            Parameter = parameter;
            Message = message;
        }

        /// <summary>The name of the offending parameter, as spelled in the factory and attribute.</summary>
        public string Parameter { get; }

        /// <summary>A sentence that states the allowed range and the value given.</summary>
        public string Message { get; }
    }

    /// <summary>Patch geometry arithmetic, shared by the runtime and the generator.</summary>
    internal static class GeometryMath
    {
        /// <summary>
        /// The largest number of patch index entries (k·r) a geometry may have: the flat index
        /// table is one int array, and the generated code indexes it with ints.
        /// </summary>
        public const int MaxIndexEntries = int.MaxValue / 2;

        /// <summary>Validates a strided 1D geometry; null when valid, else the first of <see cref="Strided1DErrors"/>.</summary>
        public static GeometryError? ValidateStrided1D(int r, int s, int d) => First(Strided1DErrors(r, s, d));

        /// <summary>Validates a strided 2D geometry; null when valid, else the first of <see cref="Strided2DErrors"/>.</summary>
        public static GeometryError? ValidateStrided2D(int rh, int rw, int sh, int sw, int height, int width) =>
            First(Strided2DErrors(rh, rw, sh, sw, height, width));

        /// <summary>
        /// Every reason a strided 1D geometry is invalid (empty when valid): each parameter is checked on
        /// its own where it can be, so that <c>r: -1, s: -5, d: -3</c> names all three. Messages are
        /// culture-invariant.
        /// </summary>
        public static List<GeometryError> Strided1DErrors(int r, int s, int d)
        {
            var errors = new List<GeometryError>();
            if (d < 1)
                errors.Add(new GeometryError("d", Invariant($"Input size d must be at least 1; got {d}.")));
            if (r < 1 || (d >= 1 && r > d))
                errors.Add(new GeometryError("r", d >= 1
                    ? Invariant($"Filter size r must be in [1, d] = [1, {d}]; got {r}.")
                    : Invariant($"Filter size r must be in [1, d]; got {r}.")));
            if (s < 1)
                errors.Add(new GeometryError("s", Invariant($"Stride s must be at least 1; got {s}.")));
            if (errors.Count == 0)
            {
                long k = (d - r) / s + 1;
                if (k * r > MaxIndexEntries)
                    errors.Add(new GeometryError("d", Invariant($"Geometry too large: k·r = {k}·{r} = {k * r} patch index entries exceeds the limit {MaxIndexEntries}; use a larger stride or a smaller input.")));
            }
            return errors;
        }

        /// <summary>Every reason a strided 2D geometry is invalid (empty when valid), as <see cref="Strided1DErrors"/>.</summary>
        public static List<GeometryError> Strided2DErrors(int rh, int rw, int sh, int sw, int height, int width)
        {
            var errors = new List<GeometryError>();
            if (height < 1)
                errors.Add(new GeometryError("height", Invariant($"Image height must be at least 1; got {height}.")));
            if (width < 1)
                errors.Add(new GeometryError("width", Invariant($"Image width must be at least 1; got {width}.")));
            else if ((long)height * width > int.MaxValue)
                errors.Add(new GeometryError("width", Invariant($"Input size height·width = {height}·{width} = {(long)height * width} overflows int (max {int.MaxValue}); use a smaller image.")));
            if (rh < 1 || (height >= 1 && rh > height))
                errors.Add(new GeometryError("rh", height >= 1
                    ? Invariant($"Filter height rh must be in [1, height] = [1, {height}]; got {rh}.")
                    : Invariant($"Filter height rh must be in [1, height]; got {rh}.")));
            if (rw < 1 || (width >= 1 && rw > width))
                errors.Add(new GeometryError("rw", width >= 1
                    ? Invariant($"Filter width rw must be in [1, width] = [1, {width}]; got {rw}.")
                    : Invariant($"Filter width rw must be in [1, width]; got {rw}.")));
            if (sh < 1)
                errors.Add(new GeometryError("sh", Invariant($"Vertical stride sh must be at least 1; got {sh}.")));
            if (sw < 1)
                errors.Add(new GeometryError("sw", Invariant($"Horizontal stride sw must be at least 1; got {sw}.")));
            if (errors.Count == 0)
            {
                long k = (long)((height - rh) / sh + 1) * ((width - rw) / sw + 1);
                long r = (long)rh * rw;
                if (k * r > MaxIndexEntries)
                    errors.Add(new GeometryError("height", Invariant($"Geometry too large: k·r = {k}·{r} = {k * r} patch index entries exceeds the limit {MaxIndexEntries}; use larger strides or a smaller image.")));
            }
            return errors;
        }

        private static GeometryError? First(List<GeometryError> errors) => errors.Count == 0 ? null : errors[0];

        private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

        /// <summary>k = ⌊(d − r)/s⌋ + 1 of a validated 1D geometry.</summary>
        public static int PatchCount1D(int r, int s, int d) => (d - r) / s + 1;

        /// <summary>The flat patch index table (k·r entries, patch-major) of a validated 1D geometry.</summary>
        public static int[] Strided1DIndices(int r, int s, int d)
        {
            int k = PatchCount1D(r, s, d);
            var indices = new int[k * r];
            for (int j = 0; j < k; j++)
                for (int t = 0; t < r; t++)
                    indices[j * r + t] = j * s + t;
            return indices;
        }

        /// <summary>The flat patch index table of a validated 2D geometry: patches row-major over (p, q), taps row-major over the filter.</summary>
        public static int[] Strided2DIndices(int rh, int rw, int sh, int sw, int height, int width)
        {
            int kh = PatchCount1D(rh, sh, height);
            int kw = PatchCount1D(rw, sw, width);
            int r = rh * rw;
            var indices = new int[kh * kw * r];
            int n = 0;
            for (int p = 0; p < kh; p++)
                for (int q = 0; q < kw; q++)
                    for (int u = 0; u < rh; u++)
                        for (int v = 0; v < rw; v++)
                            indices[n++] = (p * sh + u) * width + q * sw + v;
            return indices;
        }

        /// <summary>
        /// Validates a general patch list and flattens it; null error when valid.
        /// Every patch must have the same length r ≥ 1, distinct indices, each in [0, d).
        /// </summary>
        public static GeometryError? FlattenPatches(int d, IReadOnlyList<int[]>? patches, out int[] indices, out int r)
        {
            indices = Array.Empty<int>();
            r = 0;
            if (d < 1)
                return new GeometryError("d", Invariant($"Input size d must be at least 1; got {d}."));
            if (patches is null)
                return new GeometryError("patches", "The patch list must not be null.");
            if (patches.Count < 1)
                return new GeometryError("patches", "The patch list must hold at least 1 patch; got 0.");
            if (patches[0] is null)
                return new GeometryError("patches", "Patch 0 is null.");
            r = patches[0].Length;
            if (r < 1)
                return new GeometryError("patches", "Patch 0 is empty; every patch must have length r in [1, d].");
            if (r > d)
                return new GeometryError("patches", Invariant($"Patch 0 has {r} indices; every patch must have length r in [1, d] = [1, {d}]."));
            if ((long)patches.Count * r > MaxIndexEntries)
                return new GeometryError("patches", Invariant($"Geometry too large: k·r = {(long)patches.Count * r} exceeds the limit {MaxIndexEntries}."));
            var flat = new int[patches.Count * r];
            var seen = new int[d];
            for (int j = 0; j < patches.Count; j++)
            {
                int[]? patch = patches[j];
                if (patch is null)
                    return new GeometryError("patches", Invariant($"Patch {j} is null."));
                if (patch.Length != r)
                    return new GeometryError("patches", Invariant($"Patches must all have the same length r = {r} (the length of patch 0); patch {j} has {patch.Length}."));
                for (int t = 0; t < r; t++)
                {
                    int index = patch[t];
                    if (index < 0 || index >= d)
                        return new GeometryError("patches", Invariant($"Patch {j}, tap {t}: index {index} is outside [0, d) = [0, {d})."));
                    if (seen[index] == j + 1)
                        return new GeometryError("patches", Invariant($"Patch {j} reads index {index} twice; the indices within a patch must be distinct."));
                    seen[index] = j + 1;
                    flat[j * r + t] = index;
                }
            }
            indices = flat;
            return null;
        }

        /// <summary>
        /// T_non of docs/ALGORITHMS.md by its definition: the taps t such that, for every patch j,
        /// coordinate P_j[t] is read by no other patch. Ascending.
        /// </summary>
        public static int[] NonOverlappingTaps(int d, int r, int[] indices)
        {
            int k = indices.Length / r;
            // readers[c] = how many distinct patches read coordinate c (indices are distinct within a patch).
            var readers = new int[d];
            for (int n = 0; n < indices.Length; n++)
                readers[indices[n]]++;
            var taps = new List<int>();
            for (int t = 0; t < r; t++)
            {
                bool alone = true;
                for (int j = 0; j < k && alone; j++)
                    alone = readers[indices[j * r + t]] == 1;
                if (alone)
                    taps.Add(t);
            }
            return taps.ToArray();
        }

        /// <summary>The closed form of <see cref="NonOverlappingTaps"/> for strided 1D patches (tested against the definition).</summary>
        public static int[] NonOverlappingTaps1D(int r, int s, int d)
        {
            (int first, int count) = NonOverlappingRange1D(r, s, d);
            return Range(first, count);
        }

        /// <summary>
        /// <see cref="NonOverlappingTaps1D(int, int, int)"/> as the contiguous range it always is, (first, count), without
        /// materialising it (an axis may have millions of taps): all r taps when one patch or s ≥ r; the
        /// middle 2s − r taps from r − s when ⌊r/2⌋ + 1 ≤ s &lt; r; else none, (0, 0).
        /// </summary>
        public static (int First, int Count) NonOverlappingRange1D(int r, int s, int d)
        {
            int k = PatchCount1D(r, s, d);
            if (k == 1 || s >= r)
                return (0, r);
            if (s >= r / 2 + 1)
                return (r - s, 2 * s - r);
            return (0, 0);
        }

        /// <summary>
        /// The non-overlapping taps of a strided 2D geometry: the product of the two axes' tap
        /// sets, as flat filter indices u·rw + v (empty if either axis's set is empty).
        /// </summary>
        public static int[] NonOverlappingTaps2D(int rh, int rw, int sh, int sw, int height, int width)
        {
            int[] rows = NonOverlappingTaps1D(rh, sh, height);
            int[] cols = NonOverlappingTaps1D(rw, sw, width);
            var taps = new int[rows.Length * cols.Length];
            int n = 0;
            foreach (int u in rows)
                foreach (int v in cols)
                    taps[n++] = u * rw + v;
            return taps;
        }

        /// <summary>How many of the d input coordinates no patch reads: d − |∪_j P_j|.</summary>
        public static int UnreadCoordinates(int d, int[] indices)
        {
            var read = new bool[d];
            int count = 0;
            foreach (int index in indices)
            {
                if (!read[index])
                {
                    read[index] = true;
                    count++;
                }
            }
            return d - count;
        }

        /// <summary>Unread coordinates of a strided 1D geometry without materialising the index table.</summary>
        public static long UnreadCoordinates1D(int r, int s, int d)
        {
            long k = PatchCount1D(r, s, d);
            long tail = d - ((k - 1) * s + r);
            long gaps = s > r ? (k - 1) * (s - r) : 0;
            return tail + gaps;
        }

        /// <summary>Unread coordinates of a strided 2D geometry: d minus the product of the read rows and read columns.</summary>
        public static long UnreadCoordinates2D(int rh, int rw, int sh, int sw, int height, int width)
        {
            long readRows = height - UnreadCoordinates1D(rh, sh, height);
            long readCols = width - UnreadCoordinates1D(rw, sw, width);
            return (long)height * width - readRows * readCols;
        }

        // ---- Channels (channel-major, as NCHW): input index c·(single-channel input size) + i,
        // filter index c·(window size) + t; patch j reads the same window in every channel.

        /// <summary>
        /// Validates a strided 1D geometry over <paramref name="channels"/> channels of length d
        /// (input size channels·d, filter size channels·r); null when valid.
        /// </summary>
        public static GeometryError? ValidateStrided1D(int r, int s, int d, int channels)
        {
            GeometryError? error = ValidateStrided1D(r, s, d);
            if (error is not null)
                return error;
            return ValidateChannels(channels, d, (long)PatchCount1D(r, s, d) * r);
        }

        /// <summary>
        /// Validates a strided 2D geometry over <paramref name="channels"/> height × width planes
        /// (input size channels·height·width, filter size channels·rh·rw); null when valid.
        /// </summary>
        public static GeometryError? ValidateStrided2D(int rh, int rw, int sh, int sw, int height, int width, int channels)
        {
            GeometryError? error = ValidateStrided2D(rh, rw, sh, sw, height, width);
            if (error is not null)
                return error;
            long k = (long)PatchCount1D(rh, sh, height) * PatchCount1D(rw, sw, width);
            return ValidateChannels(channels, (long)height * width, k * rh * rw);
        }

        /// <summary>
        /// Validates a channel count for a geometry whose single channel has
        /// <paramref name="channelSize"/> inputs and <paramref name="channelIndexEntries"/> patch index entries.
        /// </summary>
        public static GeometryError? ValidateChannels(int channels, long channelSize, long channelIndexEntries)
        {
            if (channels < 1)
                return new GeometryError("channels", $"The number of channels must be at least 1; got {channels}.");
            if (channelSize * channels > int.MaxValue)
                return new GeometryError("channels", $"Input size channels·{channelSize} = {channelSize * channels} overflows int (max {int.MaxValue}); use fewer channels or a smaller input.");
            if (channelIndexEntries * channels > MaxIndexEntries)
                return new GeometryError("channels", $"Geometry too large: k·r = {channelIndexEntries}·{channels} = {channelIndexEntries * channels} patch index entries exceeds the limit {MaxIndexEntries}; use fewer channels, larger strides or a smaller input.");
            return null;
        }

        /// <summary>The flat patch index table of a validated multi-channel 1D geometry: entry j·C·r + c·r + t is c·d + j·s + t.</summary>
        public static int[] Strided1DIndices(int r, int s, int d, int channels) =>
            WithChannels(Strided1DIndices(r, s, d), r, d, channels);

        /// <summary>
        /// The flat patch index table of a validated multi-channel 2D geometry: entry
        /// j·C·rh·rw + c·rh·rw + u·rw + v is c·height·width + (p·sh + u)·width + q·sw + v for patch j = p·kw + q.
        /// </summary>
        public static int[] Strided2DIndices(int rh, int rw, int sh, int sw, int height, int width, int channels) =>
            WithChannels(Strided2DIndices(rh, rw, sh, sw, height, width), rh * rw, height * width, channels);

        /// <summary>
        /// Expands a single-channel patch index table (window size <paramref name="window"/>) to
        /// <paramref name="channels"/> channels of <paramref name="channelSize"/> inputs each: patch j
        /// reads its window in channel 0, then channel 1, … (filter index c·window + t).
        /// </summary>
        public static int[] WithChannels(int[] indices, int window, int channelSize, int channels)
        {
            if (channels == 1)
                return indices;
            int k = indices.Length / window;
            var expanded = new int[indices.Length * channels];
            int n = 0;
            for (int j = 0; j < k; j++)
                for (int c = 0; c < channels; c++)
                    for (int t = 0; t < window; t++)
                        expanded[n++] = c * channelSize + indices[j * window + t];
            return expanded;
        }

        /// <summary>The non-overlapping taps of a multi-channel strided 1D geometry: the window's taps t, in every channel (c·r + t).</summary>
        public static int[] NonOverlappingTaps1D(int r, int s, int d, int channels) =>
            TapsWithChannels(NonOverlappingTaps1D(r, s, d), r, channels);

        /// <summary>The non-overlapping taps of a multi-channel strided 2D geometry: the window's taps, in every channel (c·rh·rw + u·rw + v).</summary>
        public static int[] NonOverlappingTaps2D(int rh, int rw, int sh, int sw, int height, int width, int channels) =>
            TapsWithChannels(NonOverlappingTaps2D(rh, rw, sh, sw, height, width), rh * rw, channels);

        /// <summary>Repeats a window's tap set in every channel: c·window + t for c = 0 .. channels − 1, ascending.</summary>
        public static int[] TapsWithChannels(int[] taps, int window, int channels)
        {
            if (channels == 1)
                return taps;
            var expanded = new int[taps.Length * channels];
            int n = 0;
            for (int c = 0; c < channels; c++)
                foreach (int t in taps)
                    expanded[n++] = c * window + t;
            return expanded;
        }

        /// <summary>Unread coordinates of a multi-channel strided 1D geometry: channels × the single channel's.</summary>
        public static long UnreadCoordinates1D(int r, int s, int d, int channels) => channels * UnreadCoordinates1D(r, s, d);

        /// <summary>Unread coordinates of a multi-channel strided 2D geometry: channels × the single channel's.</summary>
        public static long UnreadCoordinates2D(int rh, int rw, int sh, int sw, int height, int width, int channels) =>
            channels * UnreadCoordinates2D(rh, rw, sh, sw, height, width);

        private static int[] Range(int start, int count)
        {
            var range = new int[count];
            for (int i = 0; i < count; i++)
                range[i] = start + i;
            return range;
        }
    }
}
