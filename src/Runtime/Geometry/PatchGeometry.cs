using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using Convotron.Geometry;

namespace Convotron;

/// <summary>How a <see cref="PatchGeometry"/> was laid out.</summary>
public enum PatchLayout
{
    /// <summary>Any list of k patches of r distinct indices each.</summary>
    General = 0,

    /// <summary>Patch j reads x[j·s .. j·s + r − 1].</summary>
    Strided1D = 1,

    /// <summary>Patch (p, q) reads rows p·sh .. p·sh + rh − 1 and columns q·sw .. q·sw + rw − 1 of a row-major image.</summary>
    Strided2D = 2,
}

/// <summary>
/// The patch structure of a one-hidden-layer convolutional network: the input size d,
/// the filter size r and the k patches P_j, each an ordered list of r distinct input
/// indices (tap t of the filter w multiplies x[P_j[t]]).
/// </summary>
/// <remarks>
/// Immutable and safe to share between threads. Equality is by d and the patch lists,
/// whichever factory built the geometry.
/// </remarks>
public sealed partial class PatchGeometry : IEquatable<PatchGeometry>
{
    private readonly int[] _indices;
    private readonly int[] _nonOverlappingTaps;
    private readonly int _hashCode;
    private int[]? _readers;   // computed on first use; a race computes the same array twice

    private PatchGeometry(int d, int r, int[] indices, Strided1DShape? shape1D = null, Strided2DShape? shape2D = null)
    {
        InputSize = d;
        FilterSize = r;
        PatchCount = indices.Length / r;
        _indices = indices;
        Shape1D = shape1D;
        Shape2D = shape2D;
        Layout = shape1D is not null ? PatchLayout.Strided1D : shape2D is not null ? PatchLayout.Strided2D : PatchLayout.General;
        _nonOverlappingTaps = (shape1D, shape2D) switch
        {
            ({ } line, _) => GeometryMath.NonOverlappingTaps1D(line.FilterSize, line.Stride, line.Length, line.Channels),
            (_, { } image) => GeometryMath.NonOverlappingTaps2D(image.FilterHeight, image.FilterWidth,
                image.StrideHeight, image.StrideWidth, image.Height, image.Width, image.Channels),
            _ => GeometryMath.NonOverlappingTaps(d, r, indices),
        };
        UnreadCoordinates = GeometryMath.UnreadCoordinates(d, indices);
        Runs = PatchRuns.Build(r, PatchCount, indices);
        var hash = new HashCode();
        hash.Add(d);
        hash.Add(r);
        hash.AddBytes(MemoryMarshal.AsBytes(indices.AsSpan()));
        _hashCode = hash.ToHashCode();
    }

    /// <summary>
    /// Strided 1D patches: patch j reads x[j·s .. j·s + r − 1], for j = 0 .. k − 1 with
    /// k = ⌊(d − r)/s⌋ + 1.
    /// </summary>
    /// <param name="r">Filter size, in [1, d].</param>
    /// <param name="s">Stride, at least 1.</param>
    /// <param name="d">Input size, at least 1.</param>
    /// <exception cref="ArgumentException">An argument is outside its range; the message names it and the range.</exception>
    public static PatchGeometry Strided1D(int r, int s, int d) => Strided1D(r, s, d, channels: 1);

    /// <summary>
    /// Strided 1D patches over <paramref name="channels"/> signals of length d, stored channel-major
    /// (input index c·d + t, as NCHW): patch j reads x[c·d + j·s .. c·d + j·s + r − 1] in every
    /// channel c, and the filter spans all channels (filter index c·r + i, so r' = channels·r).
    /// The input size is channels·d; k = ⌊(d − r)/s⌋ + 1 as for one channel.
    /// </summary>
    /// <param name="r">Filter size per channel, in [1, d].</param>
    /// <param name="s">Stride, at least 1.</param>
    /// <param name="d">Length of each channel, at least 1.</param>
    /// <param name="channels">Number of channels, at least 1 (channels·d must fit an int).</param>
    /// <exception cref="ArgumentException">An argument is outside its range; the message names it and the range.</exception>
    public static PatchGeometry Strided1D(int r, int s, int d, int channels)
    {
        ThrowIfInvalid(GeometryMath.ValidateStrided1D(r, s, d, channels));
        return new PatchGeometry(channels * d, channels * r, GeometryMath.Strided1DIndices(r, s, d, channels),
            shape1D: new Strided1DShape(r, s, d, channels));
    }

    /// <summary>
    /// Strided 2D patches over a row-major height × width image: patch (p, q) reads rows
    /// p·sh .. p·sh + rh − 1 and columns q·sw .. q·sw + rw − 1; patches are ordered
    /// row-major over (p, q) and taps row-major over the rh × rw filter.
    /// </summary>
    /// <exception cref="ArgumentException">An argument is outside its range; the message names it and the range.</exception>
    public static PatchGeometry Strided2D(int rh, int rw, int sh, int sw, int height, int width) =>
        Strided2D(rh, rw, sh, sw, height, width, channels: 1);

    /// <summary>
    /// Strided 2D patches over <paramref name="channels"/> height × width planes stored
    /// channel-major (input index c·height·width + row·width + col, as NCHW): patch (p, q) reads
    /// the same rh × rw window in every channel, and the filter spans all channels (filter index
    /// c·rh·rw + i·rw + j, so r = channels·rh·rw). Patches are ordered row-major over (p, q).
    /// </summary>
    /// <exception cref="ArgumentException">An argument is outside its range; the message names it and the range.</exception>
    public static PatchGeometry Strided2D(int rh, int rw, int sh, int sw, int height, int width, int channels)
    {
        ThrowIfInvalid(GeometryMath.ValidateStrided2D(rh, rw, sh, sw, height, width, channels));
        return new PatchGeometry(channels * height * width, channels * rh * rw,
            GeometryMath.Strided2DIndices(rh, rw, sh, sw, height, width, channels),
            shape2D: new Strided2DShape(rh, rw, sh, sw, height, width, channels));
    }

    /// <summary>
    /// Any patch structure: k patches of the same length r, each of distinct indices in [0, d).
    /// The arrays are copied. A patch list that happens to be strided 1D is recognised as such.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty, ragged, or has duplicate or out-of-range indices.</exception>
    public static PatchGeometry FromPatches(int d, IReadOnlyList<int[]> patches)
    {
        ThrowIfInvalid(GeometryMath.FlattenPatches(d, patches, out int[] indices, out int r));
        int k = indices.Length / r;
        int s = k > 1 ? indices[r] - indices[0] : 1;
        if (s >= 1 && GeometryMath.ValidateStrided1D(r, s, d) is null
            && GeometryMath.PatchCount1D(r, s, d) == k
            && indices.AsSpan().SequenceEqual(GeometryMath.Strided1DIndices(r, s, d)))
        {
            return new PatchGeometry(d, r, indices, shape1D: new Strided1DShape(r, s, d, Channels: 1));
        }
        return new PatchGeometry(d, r, indices);
    }

    /// <summary>The input size d: channels·d in 1D, channels·height·width in 2D.</summary>
    public int InputSize { get; }

    /// <summary>
    /// The number of channels of a strided geometry (input and filter channel-major, every patch
    /// reading the same window in each channel); 1 for a <see cref="PatchLayout.General"/> patch list.
    /// </summary>
    public int Channels => Shape1D?.Channels ?? Shape2D?.Channels ?? 1;

    /// <summary>The filter size r: channels·r of the window in 1D, channels·rh·rw in 2D.</summary>
    public int FilterSize { get; }

    /// <summary>The number of patches k.</summary>
    public int PatchCount { get; }

    /// <summary>
    /// How the patches are laid out; <see cref="PatchLayout.General"/> for a patch list that is not strided 1D.
    /// The layout's parameters are <see cref="Shape1D"/> or <see cref="Shape2D"/>.
    /// </summary>
    public PatchLayout Layout { get; }

    /// <summary>The stride s of a <see cref="PatchLayout.Strided1D"/> geometry; 0 otherwise.</summary>
    public int Stride => Shape1D?.Stride ?? 0;

    /// <summary>
    /// The parameters of a <see cref="PatchLayout.Strided1D"/> geometry (filter size and length per
    /// channel, stride, channels); null for any other layout. A patch list that
    /// <see cref="FromPatches"/> recognised as strided has one too (with one channel).
    /// </summary>
    public Strided1DShape? Shape1D { get; }

    /// <summary>
    /// The parameters of a <see cref="PatchLayout.Strided2D"/> geometry (filter and image height and
    /// width, strides, channels); null for any other layout.
    /// </summary>
    public Strided2DShape? Shape2D { get; }

    /// <summary>The number of input coordinates that no patch reads: d − |∪_j P_j|.</summary>
    public int UnreadCoordinates { get; }

    /// <summary>
    /// T_non: the filter taps t whose coordinate P_j[t] is read by no other patch, for every
    /// patch j; ascending. Empty when Algorithm 1 (Du &amp; Goel) does not apply.
    /// </summary>
    public ReadOnlySpan<int> NonOverlappingTaps => _nonOverlappingTaps;

    /// <summary>Whether <see cref="NonOverlappingTaps"/> is non-empty, so Algorithm 1 applies.</summary>
    public bool HasNonOverlappingPart => _nonOverlappingTaps.Length > 0;

    /// <summary>The r input indices of patch j, in filter-tap order.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="j"/> is outside [0, k).</exception>
    public ReadOnlySpan<int> Patch(int j)
    {
        if ((uint)j >= (uint)PatchCount)
            throw new ArgumentOutOfRangeException(nameof(j), j, $"Patch index j must be in [0, k) = [0, {PatchCount}).");
        return _indices.AsSpan(j * FilterSize, FilterSize);
    }

    /// <summary>All patch indices, patch-major: entry j·r + t is P_j[t].</summary>
    public ReadOnlySpan<int> Indices => _indices;

    /// <summary>Each patch as contiguous runs of input indices, the form the dynamic kernels iterate.</summary>
    internal PatchRuns Runs { get; }

    /// <summary>
    /// The geometry in the command-line syntax: <c>1d:r=16,s=9,d=160</c>,
    /// <c>2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28</c> (with <c>,channels=C</c> appended when C ≠ 1),
    /// or <c>patches:d=…,k=…,r=…</c> for a general list.
    /// </summary>
    public override string ToString()
    {
        string channels = Channels == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $",channels={Channels}");
        return (Shape1D, Shape2D) switch
        {
            ({ } line, _) => string.Create(CultureInfo.InvariantCulture, $"1d:r={line.FilterSize},s={line.Stride},d={line.Length}{channels}"),
            (_, { } image) => string.Create(CultureInfo.InvariantCulture,
                $"2d:rh={image.FilterHeight},rw={image.FilterWidth},sh={image.StrideHeight},sw={image.StrideWidth},height={image.Height},width={image.Width}{channels}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"patches:d={InputSize},k={PatchCount},r={FilterSize}"),
        };
    }

    /// <inheritdoc/>
    public bool Equals(PatchGeometry? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (_hashCode == other._hashCode && InputSize == other.InputSize && FilterSize == other.FilterSize
                && _indices.AsSpan().SequenceEqual(other._indices)));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as PatchGeometry);

    /// <inheritdoc/>
    public override int GetHashCode() => _hashCode;

    /// <summary>Equality by d and the patch lists.</summary>
    public static bool operator ==(PatchGeometry? left, PatchGeometry? right) =>
        left is null ? right is null : left.Equals(right);

    /// <summary>Inequality by d and the patch lists.</summary>
    public static bool operator !=(PatchGeometry? left, PatchGeometry? right) => !(left == right);

    /// <summary>
    /// Whether patch j shares no input coordinate with any other patch, so that Convotron may
    /// update along it alone (<see cref="ConvotronOptions.UpdatePatch"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="j"/> is outside [0, k).</exception>
    public bool IsDisjoint(int j)
    {
        ReadOnlySpan<int> patch = Patch(j);
        int[] readers = _readers ??= CountReaders();
        foreach (int index in patch)
        {
            if (readers[index] != 1)
                return false;
        }
        return true;
    }

    /// <summary>How many patches read each input coordinate (indices are distinct within a patch).</summary>
    private int[] CountReaders()
    {
        var readers = new int[InputSize];
        foreach (int index in _indices)
            readers[index]++;
        return readers;
    }

    /// <summary>
    /// The first input coordinate patch j shares with another patch, and that patch; null when
    /// patch j is disjoint from every other patch.
    /// </summary>
    internal (int Coordinate, int Patch)? SharedCoordinate(int j)
    {
        var mine = new bool[InputSize];
        foreach (int index in Patch(j))
            mine[index] = true;
        for (int other = 0; other < PatchCount; other++)
        {
            if (other == j)
                continue;
            foreach (int index in Patch(other))
            {
                if (mine[index])
                    return (index, other);
            }
        }
        return null;
    }

    internal static void ThrowIfInvalid(GeometryError? error)
    {
        if (error is not null)
            throw new ArgumentException(error.Message, error.Parameter);
    }
}
