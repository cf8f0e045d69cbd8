using System.Globalization;
using Convotron.Generator.Models;
using Convotron.Geometry;

namespace Convotron.Generator
{
    /// <summary>
    /// The shape of the code to emit for one validated model, derived from the shared
    /// <see cref="GeometryMath"/>: k, the patch offsets, the non-overlapping taps, the unread
    /// coordinates and whether the patch loop is unrolled. Computed from the model on both sides
    /// of the pipeline (it is a pure function of it), so it never travels through the cache.
    /// </summary>
    /// <remarks>
    /// Every strided patch is a translate of patch 0: P_j[u·rw + v] = offset_j + u·width + v
    /// (1D is the one-row image height = 1, rh = 1). So a patch is rh runs of rw consecutive
    /// inputs, and its non-overlapping part the rows × columns of the two axes' tap ranges. With C channels a patch
    /// reads the same window in every channel: C·rh runs, channel c's at c·height·width further on.
    /// </remarks>
    internal sealed class GeometryPlan
    {
        /// <summary>Geometries with k·r above this get constant-bound loops instead of unrolled patches.</summary>
        public const int MaxUnrolledTerms = 4096;

        /// <summary>Buffers up to this many doubles (64 KiB) are inline arrays; longer ones are allocated once per instance.</summary>
        public const int MaxInlineLength = 8192;

        private GeometryPlan(ConvNetModel model)
        {
            Model = model;
            KH = GeometryMath.PatchCount1D(model.RH, model.SH, model.Height);
            KW = GeometryMath.PatchCount1D(model.RW, model.SW, model.Width);
            K = KH * KW;
            PatchTerms = (long)K * model.R;
            (FirstNonRow, NonRows) = GeometryMath.NonOverlappingRange1D(model.RH, model.SH, model.Height);
            (FirstNonColumn, NonColumns) = GeometryMath.NonOverlappingRange1D(model.RW, model.SW, model.Width);
            if (NonRows == 0 || NonColumns == 0)
                NonRows = NonColumns = FirstNonRow = FirstNonColumn = 0;
            UnreadCoordinates = model.Is2D
                ? GeometryMath.UnreadCoordinates2D(model.RH, model.RW, model.SH, model.SW, model.Height, model.Width, model.Channels)
                : GeometryMath.UnreadCoordinates1D(model.RW, model.SW, model.Width, model.Channels);
            Unrolled = PatchTerms <= MaxUnrolledTerms;
            if (Unrolled)
            {
                // Patch j starts where the shared index table says: P_j[0].
                int[] indices = model.Is2D
                    ? GeometryMath.Strided2DIndices(model.RH, model.RW, model.SH, model.SW, model.Height, model.Width, model.Channels)
                    : GeometryMath.Strided1DIndices(model.RW, model.SW, model.Width, model.Channels);
                PatchOffsets = new int[K];
                for (int j = 0; j < K; j++)
                    PatchOffsets[j] = indices[j * model.R];
            }
            GeometryText = model.Is2D
                ? string.Format(CultureInfo.InvariantCulture, "2d:rh={0},rw={1},sh={2},sw={3},height={4},width={5}",
                    model.RH, model.RW, model.SH, model.SW, model.Height, model.Width)
                : string.Format(CultureInfo.InvariantCulture, "1d:r={0},s={1},d={2}", model.RW, model.SW, model.Width);
            if (model.Channels != 1)
                GeometryText += string.Format(CultureInfo.InvariantCulture, ",channels={0}", model.Channels);
        }

        public ConvNetModel Model { get; }

        public int K { get; }

        public int KH { get; }

        public int KW { get; }

        /// <summary>k·r, the number of multiply-adds in one pass over all patches.</summary>
        public long PatchTerms { get; }

        public int FirstNonRow { get; }

        public int NonRows { get; }

        public int FirstNonColumn { get; }

        public int NonColumns { get; }

        /// <summary>|T_non|: the window's non-overlapping taps, in every channel.</summary>
        public int NonOverlappingTapCount => Model.Channels * NonRows * NonColumns;

        public long UnreadCoordinates { get; }

        public bool Unrolled { get; }

        /// <summary>P_j[0] for each patch j, when unrolled (where the patch starts in channel 0).</summary>
        public int[]? PatchOffsets { get; }

        /// <summary>The geometry in PatchGeometry.ToString() syntax.</summary>
        public string GeometryText { get; }

        public static GeometryPlan Create(ConvNetModel model) => new(model);
    }
}
