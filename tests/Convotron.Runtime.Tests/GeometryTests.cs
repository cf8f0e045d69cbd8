using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Convotron.Tests;

public class GeometryTests
{
    /// <summary>
    /// The runs of consecutive indices: one per 1D patch, one per window row and channel in 2D, one
    /// per tap of a scattered patch list; arrays of exactly that length (they grew as lists before,
    /// allocating about 3x what the CLI's size guard counted; found by fuzzing, docs/RELIABILITY.md).
    /// </summary>
    [Theory]
    [InlineData("1d:r=4,s=2,d=10", 4, 4)]
    [InlineData("1d:r=1,s=1,d=200000", 200000, 200000)]
    [InlineData("1d:r=3,s=3,d=9,channels=2", 3, 6)]
    [InlineData("2d:rh=2,rw=3,sh=1,sw=1,height=4,width=5", 9, 18)]
    [InlineData("2d:rh=2,rw=5,sh=1,sw=1,height=4,width=5", 3, 3)]
    public void PatchRunsAreExactAndAllocateNothingElse(string text, int k, int runs)
    {
        PatchGeometry geometry = PatchGeometry.Parse(text);
        Assert.Equal(k, geometry.PatchCount);
        // The index copy is made outside the measurement (a large-object allocation's accounting is
        // not exact per thread), and one build runs first so that nothing one-time is counted.
        int[] indices = geometry.Indices.ToArray();
        PatchRuns.Build(geometry.FilterSize, geometry.PatchCount, indices);
        long before = GC.GetAllocatedBytesForCurrentThread();
        PatchRuns built = PatchRuns.Build(geometry.FilterSize, geometry.PatchCount, indices);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(runs, built.Start.Length);
        Assert.Equal(runs, built.Tap.Length);
        Assert.Equal(runs, built.Length.Length);
        Assert.Equal(k + 1, built.First.Length);
        Assert.True(allocated <= 4L * (k + 1) + 12L * runs + 256, $"{allocated} bytes");
        for (int j = 0; j < k; j++)
        {
            var read = new List<int>();
            for (int n = built.First[j]; n < built.First[j + 1]; n++)
            {
                Assert.Equal(read.Count, built.Tap[n]);
                read.AddRange(Enumerable.Range(built.Start[n], built.Length[n]));
            }
            Assert.Equal(geometry.Patch(j).ToArray(), read);
        }
    }

    [Fact]
    public void PatchRunsOfAScatteredPatchListHaveOneRunPerTap()
    {
        PatchGeometry geometry = PatchGeometry.FromPatches(6, [[0, 2], [1, 5], [4, 3]]);
        PatchRuns built = PatchRuns.Build(geometry.FilterSize, geometry.PatchCount, geometry.Indices.ToArray());
        Assert.Equal([0, 2, 1, 5, 4, 3], built.Start);
        Assert.Equal([0, 1, 0, 1, 0, 1], built.Tap);
        Assert.Equal([0, 2, 4, 6], built.First);
    }

    [Theory]
    [InlineData(16, 9, 160, 17, 2)]
    [InlineData(16, 12, 160, 13, 8)]
    [InlineData(16, 16, 160, 10, 16)]
    [InlineData(3, 5, 20, 4, 3)]      // s > r: gaps between patches, all taps alone
    [InlineData(7, 2, 7, 1, 7)]       // r = d: one patch, every tap alone
    [InlineData(4, 1, 10, 7, 0)]      // s = 1: heavy overlap, no non-overlapping part
    [InlineData(5, 4, 21, 5, 3)]      // (d − r) = 16 divisible; taps 1..3
    [InlineData(6, 4, 23, 5, 2)]      // (d − r) = 17 not divisible by s: an unread tail
    [InlineData(1, 1, 5, 5, 1)]
    public void Strided1DMatchesTheDefinition(int r, int s, int d, int k, int nonOverlapping)
    {
        var g = PatchGeometry.Strided1D(r, s, d);
        Assert.Equal(d, g.InputSize);
        Assert.Equal(r, g.FilterSize);
        Assert.Equal(k, g.PatchCount);
        Assert.Equal(PatchLayout.Strided1D, g.Layout);
        Assert.Equal(s, g.Stride);
        for (int j = 0; j < k; j++)
            Assert.Equal(Enumerable.Range(j * s, r), g.Patch(j).ToArray());
        Assert.Equal(nonOverlapping, g.NonOverlappingTaps.Length);
        Assert.Equal(Reference.NonOverlappingTapsByDefinition(g), g.NonOverlappingTaps.ToArray());
        int read = Enumerable.Range(0, k).SelectMany(j => g.Patch(j).ToArray()).Distinct().Count();
        Assert.Equal(d - read, g.UnreadCoordinates);
    }

    [Fact]
    public void Strided1DClosedFormMatchesTheDefinitionExhaustively()
    {
        for (int d = 1; d <= 24; d++)
            for (int r = 1; r <= d; r++)
                for (int s = 1; s <= d + 1; s++)
                {
                    var g = PatchGeometry.Strided1D(r, s, d);
                    Assert.Equal(Reference.NonOverlappingTapsByDefinition(g), g.NonOverlappingTaps.ToArray());
                    Assert.Equal((d - r) / s + 1, g.PatchCount);
                    // The same patch list given explicitly is the same geometry, with the same taps.
                    var general = PatchGeometry.FromPatches(d, Enumerable.Range(0, g.PatchCount).Select(j => g.Patch(j).ToArray()).ToList());
                    Assert.Equal(g, general);
                    Assert.Equal(g.GetHashCode(), general.GetHashCode());
                }
    }

    [Theory]
    [InlineData(4, 4, 3, 3, 28, 28, 81, 4)]   // the benchmark's 2D model: rows and columns keep taps 1..2
    [InlineData(5, 5, 2, 2, 28, 28, 144, 0)]  // stride 2 < ⌊5/2⌋ + 1: no non-overlapping part
    [InlineData(3, 2, 2, 2, 7, 9, 12, 2)]     // non-square image and filter
    [InlineData(2, 3, 2, 3, 6, 12, 12, 6)]    // disjoint patches
    [InlineData(3, 3, 2, 1, 9, 5, 12, 0)]     // one axis overlaps too much
    public void Strided2DMatchesTheDefinition(int rh, int rw, int sh, int sw, int height, int width, int k, int nonOverlapping)
    {
        var g = PatchGeometry.Strided2D(rh, rw, sh, sw, height, width);
        Assert.Equal(height * width, g.InputSize);
        Assert.Equal(rh * rw, g.FilterSize);
        Assert.Equal(k, g.PatchCount);
        int kw = (width - rw) / sw + 1;
        for (int j = 0; j < k; j++)
        {
            int p = j / kw, q = j % kw;
            var expected = new List<int>();
            for (int u = 0; u < rh; u++)
                for (int v = 0; v < rw; v++)
                    expected.Add((p * sh + u) * width + q * sw + v);
            Assert.Equal(expected, g.Patch(j).ToArray());
        }
        Assert.Equal(nonOverlapping, g.NonOverlappingTaps.Length);
        Assert.Equal(Reference.NonOverlappingTapsByDefinition(g), g.NonOverlappingTaps.ToArray());
        int read = Enumerable.Range(0, k).SelectMany(j => g.Patch(j).ToArray()).Distinct().Count();
        Assert.Equal(height * width - read, g.UnreadCoordinates);
    }

    [Fact]
    public void GeneralPatchesMatchTheDefinition()
    {
        var rng = new Xoshiro256StarStar(5);
        for (int trial = 0; trial < 200; trial++)
        {
            int d = 3 + (int)rng.NextUInt64(30);
            int r = 1 + (int)rng.NextUInt64((ulong)Math.Min(d, 6));
            int k = 1 + (int)rng.NextUInt64(6);
            var patches = new List<int[]>();
            for (int j = 0; j < k; j++)
            {
                // A random set of r distinct indices in a random order.
                int[] all = Enumerable.Range(0, d).ToArray();
                for (int i = d - 1; i > 0; i--)
                {
                    int m = (int)rng.NextUInt64((ulong)i + 1);
                    (all[i], all[m]) = (all[m], all[i]);
                }
                patches.Add(all[..r]);
            }
            var g = PatchGeometry.FromPatches(d, patches);
            Assert.Equal(k, g.PatchCount);
            for (int j = 0; j < k; j++)
                Assert.Equal(patches[j], g.Patch(j).ToArray());
            Assert.Equal(Reference.NonOverlappingTapsByDefinition(g), g.NonOverlappingTaps.ToArray());
            Assert.Equal(d - patches.SelectMany(p => p).Distinct().Count(), g.UnreadCoordinates);
        }
    }

    [Fact]
    public void FromPatchesCopiesTheArrays()
    {
        var patch = new[] { 0, 2 };
        var g = PatchGeometry.FromPatches(3, [patch]);
        patch[0] = 1;
        Assert.Equal(0, g.Patch(0)[0]);
    }

    [Fact]
    public void EqualityIsByPatchListsWhicheverFactoryBuiltIt()
    {
        var twoD = PatchGeometry.Strided2D(1, 3, 1, 2, 1, 9);      // one row: the same as 1D r=3, s=2, d=9
        var oneD = PatchGeometry.Strided1D(3, 2, 9);
        Assert.True(twoD == oneD);
        Assert.NotEqual(PatchGeometry.Strided1D(3, 2, 10), oneD);  // one more (unread) input coordinate
        Assert.NotEqual(PatchGeometry.Strided1D(3, 3, 9), oneD);
        Assert.False(oneD.Equals(null));
    }

    public static TheoryData<Func<PatchGeometry>, string, string> InvalidGeometries => new()
    {
        { () => PatchGeometry.Strided1D(17, 1, 16), "r", "[1, d] = [1, 16]" },
        { () => PatchGeometry.Strided1D(0, 1, 16), "r", "[1, d]" },
        { () => PatchGeometry.Strided1D(4, 0, 16), "s", "at least 1" },
        { () => PatchGeometry.Strided1D(4, -3, 16), "s", "at least 1" },
        { () => PatchGeometry.Strided1D(1, 1, 0), "d", "at least 1" },
        { () => PatchGeometry.Strided1D(60_000, 1, int.MaxValue), "d", "too large" },
        { () => PatchGeometry.Strided2D(5, 2, 1, 1, 4, 4), "rh", "[1, height] = [1, 4]" },
        { () => PatchGeometry.Strided2D(2, 5, 1, 1, 4, 4), "rw", "[1, width] = [1, 4]" },
        { () => PatchGeometry.Strided2D(2, 2, 0, 1, 4, 4), "sh", "at least 1" },
        { () => PatchGeometry.Strided2D(2, 2, 1, 0, 4, 4), "sw", "at least 1" },
        { () => PatchGeometry.Strided2D(2, 2, 1, 1, 0, 4), "height", "at least 1" },
        { () => PatchGeometry.Strided2D(2, 2, 1, 1, 100_000, 100_000), "width", "overflows int" },
        { () => PatchGeometry.FromPatches(5, [[0, 1], [2]]), "patches", "same length" },
        { () => PatchGeometry.FromPatches(5, [[0, 1], [2, 2]]), "patches", "distinct" },
        { () => PatchGeometry.FromPatches(5, [[0, 5]]), "patches", "[0, d) = [0, 5)" },
        { () => PatchGeometry.FromPatches(5, [[-1, 2]]), "patches", "[0, d)" },
        { () => PatchGeometry.FromPatches(5, []), "patches", "at least 1" },
        { () => PatchGeometry.FromPatches(5, [[]]), "patches", "[1, d]" },
        { () => PatchGeometry.FromPatches(0, [[0]]), "d", "at least 1" },
    };

    [Theory]
    [MemberData(nameof(InvalidGeometries))]
    public void InvalidGeometryThrowsArgumentExceptionNamingTheParameterAndRange(Func<PatchGeometry> make, string parameter, string range)
    {
        var e = Assert.ThrowsAny<ArgumentException>(make);
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(range, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0000001)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void InvalidAlphaThrows(double alpha)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Activation.Leaky(alpha));
        Assert.Equal("alpha", e.ParamName);
        Assert.Contains("[0, 1]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ActivationBasics()
    {
        Assert.Equal(Activation.ReLU, default);
        Assert.Equal(0.0, Activation.ReLU.Apply(-3));
        Assert.Equal(-0.9, Activation.Leaky(0.3).Apply(-3), 15);
        Assert.Equal(-3, Activation.Linear.Apply(-3));
        Assert.Equal(2.5, Activation.Leaky(0.3).Apply(2.5));
        Assert.Equal(Activation.ReLU, Activation.Leaky(-0.0));
        Assert.Equal(1.0, Activation.Leaky(0.0).UnbiasingFactor * 0.5);
    }

    [Theory]
    [InlineData("1d:r=16,s=9,d=160")]
    [InlineData("2d:rh=4,rw=4,sh=3,sw=3,height=28,width=28")]
    public void ParseRoundTrips(string text)
    {
        var g = PatchGeometry.Parse(text);
        Assert.Equal(text, g.ToString());
        Assert.Equal(g, PatchGeometry.Parse(" " + text.Replace(",", " , ", StringComparison.Ordinal).ToUpperInvariant().Replace("1D", "1d", StringComparison.Ordinal).Replace("2D", "2d", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("r=16,s=9,d=160", "no kind")]
    [InlineData("3d:r=1", "not known")]
    [InlineData("1d:r=16,s=9", "'d' is missing")]
    [InlineData("1d:r=16,s=9,d=160,d=160", "given twice")]
    [InlineData("1d:r=16,s=x,d=160", "not an integer")]
    [InlineData("1d:r=16,q=9,d=160", "unknown key 'q'")]
    public void ParseRejectsMalformedText(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => PatchGeometry.Parse(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PatchIndexOutOfRangeThrows()
    {
        var g = PatchGeometry.Strided1D(2, 1, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Patch(3).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => g.Patch(-1).Length);
    }

    [Theory]
    [InlineData(16, 9, 160, 1, 17)]
    [InlineData(3, 2, 10, 3, 4)]
    public void Shape1DCarriesTheParameters(int r, int s, int d, int channels, int k)
    {
        var g = PatchGeometry.Strided1D(r, s, d, channels);
        Assert.Equal(new Strided1DShape(FilterSize: r, Stride: s, Length: d, Channels: channels), g.Shape1D);
        Assert.Null(g.Shape2D);
        Strided1DShape shape = Assert.NotNull(g.Shape1D);
        Assert.Equal(k, shape.PatchCount);
        Assert.Equal(g.PatchCount, shape.PatchCount);
        Assert.Equal(g.InputSize, shape.InputSize);
        Assert.Equal(g.FilterSize, shape.Channels * shape.FilterSize);
        Assert.Equal(channels, g.Channels);
        Assert.Equal(s, g.Stride);
    }

    [Theory]
    [InlineData(4, 3, 3, 2, 28, 27, 1, 9, 13)]
    [InlineData(2, 3, 1, 1, 4, 5, 3, 3, 3)]
    public void Shape2DCarriesTheParameters(int rh, int rw, int sh, int sw, int height, int width, int channels, int rows, int columns)
    {
        var g = PatchGeometry.Strided2D(rh, rw, sh, sw, height, width, channels);
        Assert.Null(g.Shape1D);
        Strided2DShape shape = Assert.NotNull(g.Shape2D);
        Assert.Equal((rh, rw, sh, sw), (shape.FilterHeight, shape.FilterWidth, shape.StrideHeight, shape.StrideWidth));
        Assert.Equal((height, width, channels), (shape.Height, shape.Width, shape.Channels));
        Assert.Equal((rows, columns, rows * columns), (shape.PatchRows, shape.PatchColumns, shape.PatchCount));
        Assert.Equal(g.PatchCount, shape.PatchCount);
        Assert.Equal(g.InputSize, shape.InputSize);
        Assert.Equal(g.FilterSize, shape.Channels * shape.FilterHeight * shape.FilterWidth);
        Assert.Equal(channels, g.Channels);
        Assert.Equal(0, g.Stride);
        // Patch (p, q) = patch p·PatchColumns + q starts at row p·sh, column q·sw.
        Assert.Equal((rows - 1) * sh * width + (columns - 1) * sw, g.Patch(shape.PatchCount - 1)[0]);
    }

    [Fact]
    public void AGeneralPatchListHasNoShape()
    {
        var g = PatchGeometry.FromPatches(6, [[0, 2], [1, 5], [4, 3]]);
        Assert.Equal(PatchLayout.General, g.Layout);
        Assert.Null(g.Shape1D);
        Assert.Null(g.Shape2D);
        Assert.Equal(1, g.Channels);
        Assert.Equal(0, g.Stride);
    }

    [Fact]
    public void FromPatchesRecognisingAStridedListYieldsTheShape1D()
    {
        var g = PatchGeometry.FromPatches(9, [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, 7, 8]]);
        Assert.Equal(PatchLayout.Strided1D, g.Layout);
        Assert.Equal(new Strided1DShape(FilterSize: 3, Stride: 2, Length: 9, Channels: 1), g.Shape1D);
        Assert.Null(g.Shape2D);
        Assert.Equal("1d:r=3,s=2,d=9", g.ToString());
        // Equal to the 2D geometry of one row, though that one carries a 2D shape.
        var oneRow = PatchGeometry.Strided2D(1, 3, 1, 2, 1, 9);
        Assert.Equal(oneRow, g);
        Assert.Equal(new Strided2DShape(1, 3, 1, 2, 1, 9, 1), oneRow.Shape2D);
        Assert.Null(oneRow.Shape1D);
    }
}
